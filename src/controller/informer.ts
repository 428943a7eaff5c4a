/**
 * An informer keeps an in-memory cache of one resource type, fed by list + watch through the
 * Client (the watch starts at the list's resourceVersion, so nothing is missed or replayed). When the
 * watch fails (ERROR, e.g. 410 Expired) or ends, it re-lists, reconciles the cache against the list
 * (synthesising add/update/delete notifications) and watches again.
 *
 * The cache doubles as the controllers' lister: get / list by namespace and labels / custom indexes.
 * It also tracks "expected" writes (see TrackingClient) so that idle() can wait until the
 * controllers have seen the consequences of their own writes.
 */

import type { Logger } from 'pino';
import type { KObject } from '../apis/meta.ts';
import type { ResourceType } from '../apis/resources.ts';
import type { Client, ClientWatch, ClientWatchEvent } from '../client/client.ts';
import { matchesLabels } from './labels.ts';

export interface EventHandler {
  onAdd?(obj: KObject): void;
  onUpdate?(oldObj: KObject, newObj: KObject): void;
  onDelete?(obj: KObject): void;
}

export type IndexFn = (obj: KObject) => string[];

function rvNum(obj: KObject | undefined): number {
  return obj?.metadata.resourceVersion ? Number(obj.metadata.resourceVersion) : 0;
}

function keyOf(ns: string | undefined, name: string | undefined): string {
  return ns ? `${ns}/${name}` : `${name}`;
}

export class Informer {
  private readonly cache = new Map<string, KObject>();
  private readonly byNamespace = new Map<string, Set<string>>();
  private readonly indexers = new Map<string, IndexFn>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: EventHandler[] = [];
  private watch: ClientWatch | undefined;
  private stopped = false;
  private synced = false;
  private syncedPromise: Promise<void>;
  private resolveSynced!: () => void;
  private rejectSynced!: (e: unknown) => void;
  /** key -> resourceVersion our own write produced and the watch has not delivered yet. */
  private readonly expectations = new Map<string, { rv: number; deleted: boolean }>();
  private settleWaiters: (() => void)[] = [];
  /** Bumped per (re)list: events from an abandoned watch are ignored. */
  private generation = 0;

  constructor(
    private readonly client: Client,
    readonly type: ResourceType,
    private readonly logger?: Logger,
  ) {
    this.syncedPromise = new Promise((res, rej) => { this.resolveSynced = res; this.rejectSynced = rej; });
    this.syncedPromise.catch(() => undefined);
  }

  addEventHandler(h: EventHandler): void {
    this.handlers.push(h);
  }

  addIndex(name: string, fn: IndexFn): void {
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indexes.set(name, idx);
    for (const [key, obj] of this.cache) for (const v of fn(obj)) addTo(idx, v, key);
  }

  /** Resolves once the initial list has been loaded and its add notifications delivered. */
  start(): Promise<void> {
    void this.listAndWatch(true);
    return this.syncedPromise;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.watch = undefined;
    this.notifySettled(true);
  }

  get(namespace: string, name: string): KObject | undefined {
    return this.cache.get(keyOf(namespace, name));
  }

  getByKey(key: string): KObject | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string, labels?: Record<string, string>): KObject[] {
    const out: KObject[] = [];
    const keys = namespace ? this.byNamespace.get(namespace) ?? new Set<string>() : this.cache.keys();
    for (const k of keys) {
      const o = this.cache.get(k);
      if (o && matchesLabels(o.metadata.labels, labels)) out.push(o);
    }
    return out;
  }

  byIndex(index: string, value: string): KObject[] {
    const keys = this.indexes.get(index)?.get(value);
    if (!keys) return [];
    const out: KObject[] = [];
    for (const k of keys) {
      const o = this.cache.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  get size(): number {
    return this.cache.size;
  }

  // ---- write expectations (used by TrackingClient and idle()) ----

  expect(namespace: string | undefined, name: string, resourceVersion: string | undefined, deleted: boolean): void {
    if (this.stopped) return;
    const key = keyOf(namespace, name);
    const cur = this.cache.get(key);
    const rv = Number(resourceVersion ?? 0);
    if (deleted ? !cur : (cur && rvNum(cur) >= rv)) return;
    const prev = this.expectations.get(key);
    if (!prev || deleted || rv > prev.rv) this.expectations.set(key, { rv, deleted });
  }

  isSettled(): boolean {
    return this.synced && this.expectations.size === 0;
  }

  whenSettled(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.synced) return this.syncedPromise.then(() => this.whenSettled());
    if (this.isSettled()) return Promise.resolve();
    return new Promise((r) => this.settleWaiters.push(r));
  }

  private notifySettled(force = false): void {
    if (!force && !this.isSettled()) return;
    const ws = this.settleWaiters;
    this.settleWaiters = [];
    for (const w of ws) w();
  }

  // ---- list / watch ----

  private async listAndWatch(initial: boolean): Promise<void> {
    const gen = ++this.generation;
    let attempt = 0;
    for (;;) {
      if (this.stopped) return;
      try {
        const res = await this.client.list(this.type);
        if (this.stopped || gen !== this.generation) return;
        this.replace(res.items);
        this.expectations.clear();
        this.watch = await this.client.watch(this.type, { resourceVersion: res.resourceVersion },
          (ev) => { if (gen === this.generation) this.onWatchEvent(ev); },
          () => { if (gen === this.generation) this.restart(); });
        if (this.stopped) { this.watch.stop(); return; }
        if (!this.synced) {
          this.synced = true;
          this.resolveSynced();
        }
        this.notifySettled();
        return;
      } catch (err) {
        this.logger?.warn({ err, type: this.type.plural }, 'informer list/watch failed; retrying');
        if (initial && attempt >= 50) { this.rejectSynced(err); return; }
        attempt++;
        await new Promise((r) => setTimeout(r, Math.min(1000, 10 * 2 ** Math.min(attempt, 7))));
      }
    }
  }

  private restart(): void {
    if (this.stopped) return;
    this.watch?.stop();
    this.watch = undefined;
    void this.listAndWatch(false);
  }

  private onWatchEvent(ev: ClientWatchEvent): void {
    if (this.stopped) return;
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(ev.object);
        break;
      case 'DELETED':
        this.remove(ev.object);
        break;
      case 'ERROR':
        this.logger?.debug({ type: this.type.plural, status: ev.object }, 'watch error; re-listing');
        this.restart();
        return;
      default:
        return; // BOOKMARK
    }
    this.resolveExpectation(ev.object, ev.type === 'DELETED');
  }

  private resolveExpectation(obj: KObject, deleted: boolean): void {
    if (this.expectations.size === 0) return;
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    const e = this.expectations.get(key);
    if (e && (deleted || rvNum(obj) >= e.rv)) {
      this.expectations.delete(key);
      this.notifySettled();
    }
  }

  private replace(items: KObject[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(keyOf(obj.metadata.namespace, obj.metadata.name));
      this.upsert(obj, true);
    }
    for (const [key, obj] of [...this.cache]) if (!seen.has(key)) this.remove(obj);
  }

  private upsert(obj: KObject, fromList = false): void {
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    const old = this.cache.get(key);
    if (old && rvNum(old) >= rvNum(obj)) {
      if (!fromList || rvNum(old) === rvNum(obj)) return;
    }
    if (old) this.unindex(key, old);
    this.cache.set(key, obj);
    this.index(key, obj);
    for (const h of this.handlers) {
      try {
        if (old) h.onUpdate?.(old, obj); else h.onAdd?.(obj);
      } catch (err) {
        this.logger?.error({ err }, 'informer handler failed');
      }
    }
  }

  private remove(obj: KObject): void {
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    const old = this.cache.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.cache.delete(key);
    for (const h of this.handlers) {
      try {
        h.onDelete?.(obj);
      } catch (err) {
        this.logger?.error({ err }, 'informer handler failed');
      }
    }
  }

  private index(key: string, obj: KObject): void {
    addTo(this.byNamespace, obj.metadata.namespace ?? '', key);
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name)!;
      for (const v of fn(obj)) addTo(idx, v, key);
    }
  }

  private unindex(key: string, obj: KObject): void {
    removeFrom(this.byNamespace, obj.metadata.namespace ?? '', key);
    for (const [name, fn] of this.indexers) {
      const idx = this.indexes.get(name)!;
      for (const v of fn(obj)) removeFrom(idx, v, key);
    }
  }
}

function addTo(m: Map<string, Set<string>>, v: string, key: string): void {
  let s = m.get(v);
  if (!s) m.set(v, (s = new Set()));
  s.add(key);
}

function removeFrom(m: Map<string, Set<string>>, v: string, key: string): void {
  const s = m.get(v);
  if (!s) return;
  s.delete(key);
  if (s.size === 0) m.delete(v);
}
