/**
 * A RevisionRuntime that runs nothing: it reports a revision healthy and scaled as asked shortly
 * after `ensure` (default: on the next macrotask), so the control plane can be exercised without
 * starting processes. Images matching `failImages` report a failed image fetch instead.
 */

import { createHash } from 'node:crypto';
import type { KObject } from '../apis/meta.ts';
import type { RevisionObservation, RevisionRuntime } from './runtime.ts';

export interface SimulatedRuntimeOptions {
  /** Delay before a change is reported, in ms (0 = next macrotask). */
  delayMs?: number;
  /** Images matching this fail with ContainerHealthy False ContainerMissing. */
  failImages?: RegExp;
}

/** A deterministic fake digest of an image reference. */
export function fakeDigest(image: string): string {
  return 'sha256:' + createHash('sha256').update(image).digest('hex');
}

interface Entry {
  spec: string;
  desired: number;
  obs?: RevisionObservation;
  timer?: NodeJS.Timeout;
}

export class SimulatedRuntime implements RevisionRuntime {
  private readonly revisions = new Map<string, Entry>();
  private readonly listeners: ((ns: string, name: string) => void)[] = [];
  private pendingCount = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: SimulatedRuntimeOptions = {}) {}

  async ensure(revision: KObject, desiredInstances: number): Promise<void> {
    if (this.closed) return;
    const ns = revision.metadata.namespace ?? '';
    const name = revision.metadata.name!;
    const key = `${ns}/${name}`;
    const spec = JSON.stringify(revision.spec ?? {});
    const cur = this.revisions.get(key);
    if (cur && cur.spec === spec && cur.desired === desiredInstances) return;
    const entry: Entry = cur ?? { spec, desired: desiredInstances };
    entry.spec = spec;
    entry.desired = desiredInstances;
    this.revisions.set(key, entry);
    if (entry.timer) { clearTimeout(entry.timer); this.pendingCount--; }
    this.pendingCount++;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.pendingCount--;
      if (this.revisions.get(key) !== entry) return this.checkIdle();
      entry.obs = this.observation(revision, desiredInstances);
      for (const l of this.listeners) l(ns, name);
      this.checkIdle();
    }, this.opts.delayMs ?? 0);
  }

  private observation(revision: KObject, desired: number): RevisionObservation {
    const containers: any[] = revision.spec?.containers ?? [];
    const bad = this.opts.failImages ? containers.find((c) => this.opts.failImages!.test(String(c.image ?? ''))) : undefined;
    if (bad) {
      return {
        containerHealthy: {
          status: 'False', reason: 'ContainerMissing',
          message: `Unable to fetch image ${JSON.stringify(bad.image)}: failed to resolve image to digest: simulated image pull failure`,
        },
        resourcesAvailable: { status: 'Unknown', reason: 'Deploying' },
        actualReplicas: 0,
        desiredReplicas: desired,
      };
    }
    return {
      containerHealthy: { status: 'True' },
      resourcesAvailable: { status: 'True' },
      actualReplicas: desired,
      desiredReplicas: desired,
      containerStatuses: containers.map((c, i) => ({
        name: c.name ?? (containers.length === 1 ? 'user-container' : `user-container-${i}`),
        imageDigest: fakeDigest(String(c.image ?? '')),
      })),
    };
  }

  async remove(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const e = this.revisions.get(key);
    if (!e) return;
    if (e.timer) { clearTimeout(e.timer); this.pendingCount--; }
    this.revisions.delete(key);
    this.checkIdle();
  }

  observe(namespace: string, name: string): RevisionObservation | undefined {
    return this.revisions.get(`${namespace}/${name}`)?.obs;
  }

  onChange(listener: (namespace: string, name: string) => void): void {
    this.listeners.push(listener);
  }

  /** True when no simulated change is waiting to be reported. */
  isIdle(): boolean {
    return this.pendingCount === 0;
  }

  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.revisions.values()) if (e.timer) clearTimeout(e.timer);
    this.revisions.clear();
    this.pendingCount = 0;
    this.checkIdle();
  }
}
