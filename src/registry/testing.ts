/** Shared fixtures for the registry's tests. */
import type { KObject } from '../apis/meta.ts';
import type { ClientWatchEvent } from '../client/client.ts';
import { MemoryStore } from '../store/memory/memory-store.ts';
import { Registry } from './registry.ts';

export async function newRegistry(opts: { historyLimit?: number; clock?: () => Date } = {}) {
  const store = new MemoryStore({ historyLimit: opts.historyLimit });
  const gcErrors: unknown[] = [];
  const registry = new Registry({
    store,
    clock: opts.clock,
    onGcError: (e) => gcErrors.push(e),
  });
  await registry.ensureNamespace('default');
  return {
    store, registry, gcErrors,
    async close() {
      await registry.gcIdle();
      registry.close();
      await store.close();
    },
  };
}

export function service(name: string, image = 'ghcr.io/knative/helloworld-go:latest', extra: Partial<KObject> = {}): KObject {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { containers: [{ image }] } } },
    ...extra,
  };
}

/** Collects watch events; `until` resolves when the predicate over all events so far holds. */
export function collector() {
  const events: ClientWatchEvent[] = [];
  let ended = false;
  const waiters: { pred: () => boolean; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) if (w.pred()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  };
  return {
    events,
    get ended() { return ended; },
    onEvent: (ev: ClientWatchEvent) => { events.push(ev); check(); },
    onEnd: () => { ended = true; check(); },
    until(pred: (events: ClientWatchEvent[]) => boolean): Promise<void> {
      return new Promise((resolve) => { waiters.push({ pred: () => pred(events), resolve }); check(); });
    },
    summary: () => events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`),
  };
}
