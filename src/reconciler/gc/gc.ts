/**
 * The revision garbage collector (knative pkg/reconciler/gc): a controller over Configurations
 * that deletes the revisions `revisionsToCollect` picks. It runs when a Configuration or one of
 * its revisions changes, for every Configuration when the gc config changes, and again when a
 * kept revision is due to turn stale. Like Knative's it never writes the Configuration's status,
 * which is why it has its own queue rather than a generic Controller.
 */

import type { Logger } from 'pino';
import type { KObject } from '../../apis/meta.ts';
import { RevisionType } from '../../apis/resources.ts';
import type { Client } from '../../client/client.ts';
import type { ConfigSection } from '../../config/config.ts';
import type { GcConfig } from '../../config/gc.ts';
import { handleAll, keyFor } from '../../controller/controller.ts';
import type { Informer } from '../../controller/informer.ts';
import { WorkQueue } from '../../controller/workqueue.ts';
import { ApiError } from '../../lib/errors.ts';
import { RevisionsByConfiguration } from '../configuration/configuration.ts';
import { nextStaleTime, revisionsToCollect } from './collect.ts';

/** Re-checks are capped so a clock jump cannot postpone collection for days. */
const MAX_RECHECK_MS = 6 * 3600_000;

export interface RevisionGcDeps {
  client: Client;
  configurations: Informer;
  /** Must carry the RevisionsByConfiguration index. */
  revisions: Informer;
  config: ConfigSection<GcConfig>;
  now: () => Date;
  logger?: Logger;
  workers?: number;
}

export class RevisionGc {
  readonly queue: WorkQueue;

  constructor(private readonly deps: RevisionGcDeps) {
    this.queue = new WorkQueue({ workers: deps.workers ?? 1 });
    deps.configurations.addEventHandler(handleAll((c) => this.enqueue(c.metadata.namespace, c.metadata.name!)));
    deps.revisions.addEventHandler(handleAll((r) => {
      const owner = r.metadata.ownerReferences?.find((o) => o.controller === true);
      if (owner?.kind === 'Configuration') this.enqueue(r.metadata.namespace, owner.name);
    }));
    deps.config.onChange(() => {
      for (const c of deps.configurations.list()) this.enqueue(c.metadata.namespace, c.metadata.name!);
    });
  }

  start(): void {
    this.queue.start((key) => this.process(key));
  }

  stop(): void {
    this.queue.stop();
  }

  private enqueue(namespace: string | undefined, name: string): void {
    this.queue.add(keyFor(namespace, name));
  }

  private async process(key: string): Promise<void> {
    const config = this.deps.configurations.getByKey(key);
    if (!config || config.metadata.deletionTimestamp) return;
    try {
      await this.collect(config);
      this.queue.forget(key);
    } catch (err) {
      this.deps.logger?.warn({ err, key }, 'revision GC failed; retrying');
      this.queue.addRateLimited(key);
    }
  }

  private async collect(config: KObject): Promise<void> {
    const ns = config.metadata.namespace ?? '';
    const cfg = this.deps.config.get();
    const now = this.deps.now();
    const revisions = this.deps.revisions.byIndex(RevisionsByConfiguration, `${ns}/${config.metadata.name}`);
    let failed: unknown;
    for (const { name, reason } of revisionsToCollect(config, revisions, cfg, now)) {
      this.deps.logger?.info({ namespace: ns, revision: name, reason }, 'deleting non-active revision');
      try {
        await this.deps.client.delete(RevisionType, ns, name);
      } catch (err) {
        if (ApiError.isApiError(err) && err.code === 404) continue;
        failed ??= err;
      }
    }
    if (failed) throw failed;
    const next = nextStaleTime(config, revisions, cfg, now);
    if (next !== undefined) {
      this.queue.addAfter(keyFor(config.metadata.namespace, config.metadata.name!), Math.min(MAX_RECHECK_MS, Math.max(1000, next - now.getTime())));
    }
  }
}
