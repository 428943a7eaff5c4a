/**
 * The Store contract as a node:test suite. Every backend runs it from its own test file:
 *
 *   runStoreConformance('sqlite', async () => ({ store, cleanup, reopen }))
 *
 * The factory must return a fresh, empty store whose change history keeps exactly
 * CONFORMANCE_HISTORY_LIMIT changes (so compaction can be tested quickly). `reopen`, when the
 * backend persists, closes the current store and opens the same data again; `cleanup` closes
 * whichever store is open last (closing twice must be harmless) and removes any files.
 */

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../apis/meta.ts';
import { StoreError, type ObjectRef, type ResourceRef, type Store, type StoreEvent, type Watch, type WatchOptions } from './store.ts';

export const CONFORMANCE_HISTORY_LIMIT = 50;

export interface StoreFixture {
  store: Store;
  cleanup: () => Promise<void>;
  reopen?: () => Promise<Store>;
}

const SERVICES: ResourceRef = { group: 'serving.knative.dev', resource: 'services' };
const CONFIGS: ResourceRef = { group: 'serving.knative.dev', resource: 'configurations' };
const NAMESPACES: ResourceRef = { group: '', resource: 'namespaces' };

function ref(res: ResourceRef, namespace: string, name: string): ObjectRef {
  return { ...res, namespace, name };
}

function obj(r: ObjectRef, spec: unknown = {}): KObject {
  const metadata: KObject['metadata'] = { name: r.name };
  if (r.namespace) metadata.namespace = r.namespace;
  const apiVersion = r.group ? `${r.group}/v1` : 'v1';
  return { apiVersion, kind: r.resource, metadata, spec };
}

function rvOf(o: KObject): number {
  return Number(o.metadata.resourceVersion);
}

/** Collects a watch's events; `next(n)` resolves once n events in total have arrived. */
class Collector {
  readonly events: StoreEvent[] = [];
  watch!: Watch;
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  static async start(store: Store, res: ResourceRef, opts: WatchOptions): Promise<Collector> {
    const c = new Collector();
    c.watch = await store.watch(res, opts, (ev) => c.push(ev));
    return c;
  }

  private push(ev: StoreEvent): void {
    this.events.push(ev);
    this.waiters = this.waiters.filter((w) => (this.events.length >= w.n ? (w.resolve(), false) : true));
  }

  /** Waits for n events in total; fails (rather than hangs) after a generous bound. */
  async next(n: number, timeoutMs = 5000): Promise<StoreEvent[]> {
    if (this.events.length < n) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ n, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} events; got ${this.summary()}`)), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
    }
    return this.events.slice(0, n);
  }

  summary(): string {
    return JSON.stringify(this.events.map((e) => `${e.type} ${e.ref.namespace}/${e.ref.name}@${e.resourceVersion}`));
  }
}

function describeEvents(events: StoreEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.ref.resource} ${e.ref.namespace}/${e.ref.name}`);
}

export function runStoreConformance(name: string, factory: () => Promise<StoreFixture>): void {
  /** Runs `body` against a fresh store and always cleans up. */
  async function withStore(body: (fx: StoreFixture) => Promise<void>): Promise<void> {
    const fx = await factory();
    try { await body(fx); } finally { await fx.cleanup(); }
  }

  describe(`Store conformance: ${name}`, () => {
    describe('objects', () => {
      it('creates, gets and stamps a resourceVersion', () => withStore(async ({ store }) => {
        const r = ref(SERVICES, 'default', 'hello');
        const input = obj(r, { image: 'a' });
        const created = await store.create(r, input);
        assert.match(created.metadata.resourceVersion ?? '', /^[1-9]\d*$/);
        assert.deepEqual(created.spec, { image: 'a' });
        assert.equal(input.metadata.resourceVersion, undefined, 'the input object is not mutated');
        assert.deepEqual(await store.get(r), created);
        assert.equal(await store.get(ref(SERVICES, 'default', 'nope')), undefined);
        assert.equal(await store.get(ref(SERVICES, 'other', 'hello')), undefined);
        assert.equal(await store.get(ref(CONFIGS, 'default', 'hello')), undefined);
      }));

      it('returns copies: mutating a result does not change what is stored', () => withStore(async ({ store }) => {
        const r = ref(SERVICES, 'default', 'hello');
        const created = await store.create(r, obj(r, { image: 'a' }));
        created.spec.image = 'mutated';
        const got = (await store.get(r))!;
        assert.equal(got.spec.image, 'a');
        got.spec.image = 'mutated again';
        assert.equal((await store.list(SERVICES)).items[0]!.spec.image, 'a');
      }));

      it('lists by resource, optionally by namespace, sorted by namespace then name', () => withStore(async ({ store }) => {
        for (const [ns, n] of [['b', 'x'], ['a', 'z'], ['a', 'y'], ['c', 'w']] as const) {
          await store.create(ref(SERVICES, ns, n), obj(ref(SERVICES, ns, n)));
        }
        await store.create(ref(CONFIGS, 'a', 'cfg'), obj(ref(CONFIGS, 'a', 'cfg')));
        const all = await store.list(SERVICES);
        assert.deepEqual(all.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ['a/y', 'a/z', 'b/x', 'c/w']);
        assert.equal(all.resourceVersion, await store.currentResourceVersion());
        assert.deepEqual((await store.list(SERVICES, { namespace: 'a' })).items.map((o) => o.metadata.name), ['y', 'z']);
        assert.deepEqual((await store.list(SERVICES, { namespace: '' })).items.length, 4);
        assert.deepEqual((await store.list(SERVICES, { namespace: 'none' })).items, []);
        assert.deepEqual((await store.list(CONFIGS)).items.map((o) => o.metadata.name), ['cfg']);
        assert.deepEqual((await store.list({ group: 'other.dev', resource: 'services' })).items, []);
      }));

      it('stores cluster-scoped objects under namespace ""', () => withStore(async ({ store }) => {
        const r = ref(NAMESPACES, '', 'default');
        await store.create(r, obj(r));
        assert.equal((await store.get(r))!.metadata.name, 'default');
        assert.equal((await store.list(NAMESPACES)).items.length, 1);
      }));

      it('rejects a duplicate create with AlreadyExists and consumes no resourceVersion', () => withStore(async ({ store }) => {
        const r = ref(SERVICES, 'default', 'hello');
        await store.create(r, obj(r, { v: 1 }));
        const before = await store.currentResourceVersion();
        await assert.rejects(store.create(r, obj(r, { v: 2 })), (err: unknown) => {
          assert.ok(StoreError.is(err, 'AlreadyExists'));
          assert.equal(err.message, 'services.serving.knative.dev "hello" already exists');
          return true;
        });
        assert.equal(await store.currentResourceVersion(), before);
        assert.deepEqual((await store.get(r))!.spec, { v: 1 });
        // The same name in another namespace or resource is a different object.
        await store.create(ref(SERVICES, 'other', 'hello'), obj(ref(SERVICES, 'other', 'hello')));
        await store.create(ref(CONFIGS, 'default', 'hello'), obj(ref(CONFIGS, 'default', 'hello')));
      }));

      it('rejects an object whose name or namespace differs from its key', () => withStore(async ({ store }) => {
        const r = ref(SERVICES, 'default', 'hello');
        await assert.rejects(store.create(r, obj(ref(SERVICES, 'default', 'other'))));
        await assert.rejects(store.create(r, obj(ref(SERVICES, 'other', 'hello'))));
        assert.equal(await store.get(r), undefined);
      }));

      it('updates, with compare-and-swap on the expected resourceVersion', () => withStore(async ({ store }) => {
        const r = ref(SERVICES, 'default', 'hello');
        const v1 = await store.create(r, obj(r, { v: 1 }));
        const v2 = await store.update(r, { ...v1, spec: { v: 2 } }, v1.metadata.resourceVersion);
        assert.ok(rvOf(v2) > rvOf(v1));
        assert.deepEqual((await store.get(r))!.spec, { v: 2 });
        await assert.rejects(store.update(r, { ...v1, spec: { v: 3 } }, v1.metadata.resourceVersion), (err: unknown) => {
          assert.ok(StoreError.is(err, 'Conflict'));
          assert.equal(err.currentResourceVersion, v2.metadata.resourceVersion);
          assert.match(err.message, /^Operation cannot be fulfilled on services\.serving\.knative\.dev "hello": the object has been modified/);
          return true;
        });
        assert.deepEqual((await store.get(r))!.spec, { v: 2 });
        // Without a precondition (undefined or '') the write is unconditional, whatever RV the body carries.
        const v4 = await store.update(r, { ...v1, spec: { v: 4 } });
        assert.equal(v4.metadata.resourceVersion, String(rvOf(v2) + 1));
        const v5 = await store.update(r, { ...v1, spec: { v: 5 } }, '');
        assert.deepEqual(v5.spec, { v: 5 });
        assert.deepEqual(await store.get(r), v5);
      }));

      it('fails to update a missing object with NotFound', () => withStore(async ({ store }) => {
        const r = ref(SERVICES, 'default', 'ghost');
        await assert.rejects(store.update(r, obj(r)), (err: unknown) => {
          assert.ok(StoreError.is(err, 'NotFound'));
          assert.equal(err.message, 'services.serving.knative.dev "ghost" not found');
          return true;
        });
        assert.equal(await store.currentResourceVersion(), '0');
        assert.equal(await store.get(r), undefined);
      }));

      it('deletes, returning the last state stamped with the deletion resourceVersion', () => withStore(async ({ store }) => {
        const r = ref(SERVICES, 'default', 'hello');
        const created = await store.create(r, obj(r, { v: 1 }));
        await assert.rejects(store.delete(r, '999999'), (err: unknown) => StoreError.is(err, 'Conflict'));
        assert.ok(await store.get(r), 'a failed CAS delete leaves the object');
        const deleted = await store.delete(r, created.metadata.resourceVersion);
        assert.ok(rvOf(deleted) > rvOf(created));
        assert.equal(deleted.metadata.resourceVersion, await store.currentResourceVersion());
        assert.deepEqual(deleted.spec, { v: 1 });
        assert.equal(await store.get(r), undefined);
        await assert.rejects(store.delete(r), (err: unknown) => StoreError.is(err, 'NotFound'));
        // The name can be reused.
        await store.create(r, obj(r, { v: 2 }));
        assert.deepEqual((await store.get(r))!.spec, { v: 2 });
      }));

      it('assigns one strictly increasing resourceVersion across all resources and writes', () => withStore(async ({ store }) => {
        assert.equal(await store.currentResourceVersion(), '0');
        const seen: number[] = [];
        const a = ref(SERVICES, 'default', 'a');
        const b = ref(CONFIGS, 'default', 'b');
        const n = ref(NAMESPACES, '', 'default');
        seen.push(rvOf(await store.create(a, obj(a))));
        seen.push(rvOf(await store.create(b, obj(b))));
        seen.push(rvOf(await store.create(n, obj(n))));
        seen.push(rvOf(await store.update(a, obj(a, { x: 1 }))));
        seen.push(rvOf(await store.update(b, obj(b, { x: 1 }))));
        seen.push(rvOf(await store.delete(a)));
        seen.push(rvOf(await store.create(a, obj(a))));
        for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `RVs increase: ${seen.join(',')}`);
        assert.equal(await store.currentResourceVersion(), String(seen.at(-1)));
        assert.equal((await store.get(b))!.metadata.resourceVersion, String(seen[4]));
      }));
    });

    describe('watch', () => {
      it('from "0" or no resourceVersion delivers only live changes', () => withStore(async ({ store }) => {
        const old = ref(SERVICES, 'default', 'old');
        await store.create(old, obj(old));
        const fromZero = await Collector.start(store, SERVICES, { fromResourceVersion: '0' });
        const fromNow = await Collector.start(store, SERVICES, {});
        const live = ref(SERVICES, 'default', 'live');
        const created = await store.create(live, obj(live, { v: 1 }));
        for (const c of [fromZero, fromNow]) {
          const [ev] = await c.next(1);
          assert.equal(ev!.type, 'ADDED');
          assert.deepEqual(ev!.ref, live);
          assert.deepEqual(ev!.object, created);
          assert.equal(ev!.resourceVersion, created.metadata.resourceVersion);
          c.watch.stop();
        }
      }));

      it('delivers ADDED, MODIFIED and DELETED in order, DELETED carrying the last object', () => withStore(async ({ store }) => {
        const c = await Collector.start(store, SERVICES, {});
        const r = ref(SERVICES, 'default', 'hello');
        const created = await store.create(r, obj(r, { v: 1 }));
        const updated = await store.update(r, obj(r, { v: 2 }));
        const deleted = await store.delete(r);
        const events = await c.next(3);
        assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
        assert.deepEqual(events.map((e) => e.object), [created, updated, deleted]);
        assert.deepEqual(events[2]!.object.spec, { v: 2 });
        assert.equal(events[2]!.object.metadata.resourceVersion, events[2]!.resourceVersion);
        c.watch.stop();
      }));

      it('replays changes after a past resourceVersion in order, then goes live', () => withStore(async ({ store }) => {
        const a = ref(SERVICES, 'default', 'a');
        const b = ref(SERVICES, 'other', 'b');
        const cfg = ref(CONFIGS, 'default', 'cfg');
        const a1 = await store.create(a, obj(a));
        await store.create(b, obj(b));
        await store.create(cfg, obj(cfg));
        await store.update(a, obj(a, { v: 2 }));
        await store.delete(b);
        const c = await Collector.start(store, SERVICES, { fromResourceVersion: a1.metadata.resourceVersion });
        const replayed = await c.next(3);
        assert.deepEqual(describeEvents(replayed), [
          'ADDED services other/b', 'MODIFIED services default/a', 'DELETED services other/b',
        ]);
        const live = await store.update(a, obj(a, { v: 3 }));
        const all = await c.next(4);
        assert.equal(all[3]!.type, 'MODIFIED');
        assert.deepEqual(all[3]!.object, live);
        const rvs = all.map((e) => Number(e.resourceVersion));
        assert.deepEqual(rvs, [...rvs].sort((x, y) => x - y));
        assert.equal(c.events.length, 4, 'no duplicates between replay and live');
        c.watch.stop();
      }));

      it('from the current resourceVersion delivers only later changes', () => withStore(async ({ store }) => {
        const a = ref(SERVICES, 'default', 'a');
        await store.create(a, obj(a));
        const c = await Collector.start(store, SERVICES, { fromResourceVersion: await store.currentResourceVersion() });
        await store.update(a, obj(a, { v: 2 }));
        assert.deepEqual(describeEvents(await c.next(1)), ['MODIFIED services default/a']);
        c.watch.stop();
      }));

      it('filters by namespace and by resource', () => withStore(async ({ store }) => {
        const inNs = await Collector.start(store, SERVICES, { namespace: 'a' });
        const allNs = await Collector.start(store, SERVICES, { namespace: '' });
        const configs = await Collector.start(store, CONFIGS, {});
        for (const [res, ns, n] of [[SERVICES, 'b', 'x'], [CONFIGS, 'a', 'c'], [SERVICES, 'a', 'y'], [SERVICES, 'b', 'z']] as const) {
          await store.create(ref(res, ns, n), obj(ref(res, ns, n)));
        }
        assert.deepEqual(describeEvents(await allNs.next(3)),
          ['ADDED services b/x', 'ADDED services a/y', 'ADDED services b/z']);
        assert.deepEqual(describeEvents(await configs.next(1)), ['ADDED configurations a/c']);
        // allNs saw b/z, which was written after a/y: inNs has had its chance to see everything.
        assert.deepEqual(describeEvents(await inNs.next(1)), ['ADDED services a/y']);
        // Replay honours the namespace filter too, and starts strictly after the given RV (b/x is RV 1).
        const replay = await Collector.start(store, SERVICES, { namespace: 'b', fromResourceVersion: '1' });
        assert.deepEqual(describeEvents(await replay.next(1)), ['ADDED services b/z']);
        for (const c of [inNs, allNs, configs, replay]) c.watch.stop();
        assert.equal(inNs.events.length, 1);
        assert.equal(configs.events.length, 1);
      }));

      it('stop() ends delivery, including events already queued', () => withStore(async ({ store }) => {
        const stopped = await Collector.start(store, SERVICES, {});
        const sibling = await Collector.start(store, SERVICES, {});
        const a = ref(SERVICES, 'default', 'a');
        await store.create(a, obj(a));
        await store.update(a, obj(a, { v: 2 }));
        stopped.watch.stop();
        const countAtStop = stopped.events.length;
        stopped.watch.stop(); // idempotent
        await store.update(a, obj(a, { v: 3 }));
        await store.delete(a);
        await sibling.next(4);
        assert.equal(stopped.events.length, countAtStop);
        sibling.watch.stop();
      }));

      it('a slow or throwing listener does not block writers or other watches', () => withStore(async ({ store }) => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => { release = resolve; });
        const slowSeen: string[] = [];
        let slowGotFour!: () => void;
        const slowDone = new Promise<void>((resolve) => { slowGotFour = resolve; });
        const slow = await store.watch(SERVICES, {}, ((ev: StoreEvent) => {
          slowSeen.push(ev.ref.name);
          if (slowSeen.length === 4) slowGotFour();
          return gate;
        }) as unknown as (ev: StoreEvent) => void);
        const original = console.error;
        console.error = () => {};
        const throwing = await store.watch(SERVICES, {}, () => { throw new Error('listener failure'); });
        try {
          const fast = await Collector.start(store, SERVICES, {});
          for (const n of ['a', 'b', 'c']) await store.create(ref(SERVICES, 'ns', n), obj(ref(SERVICES, 'ns', n)));
          assert.deepEqual((await fast.next(3)).map((e) => e.ref.name), ['a', 'b', 'c']);
          assert.deepEqual(slowSeen, ['a'], 'a listener returning a promise gets the next event after it settles');
          release();
          await store.create(ref(SERVICES, 'ns', 'd'), obj(ref(SERVICES, 'ns', 'd')));
          await fast.next(4);
          // Once released, the slow watch drains the rest in order.
          await slowDone;
          assert.deepEqual(slowSeen, ['a', 'b', 'c', 'd']);
          fast.watch.stop();
        } finally {
          console.error = original;
          slow.stop();
          throwing.stop();
        }
      }));

      it('answers Gone, with Kubernetes\' message, for history that was compacted', () => withStore(async ({ store }) => {
        const r = ref(SERVICES, 'default', 'busy');
        await store.create(r, obj(r, { i: 0 }));
        for (let i = 1; i < CONFORMANCE_HISTORY_LIMIT + 20; i++) await store.update(r, obj(r, { i }));
        const current = Number(await store.currentResourceVersion());
        let oldestMinusOne = -1;
        await assert.rejects(store.watch(SERVICES, { fromResourceVersion: '1' }, () => {}), (err: unknown) => {
          assert.ok(StoreError.is(err, 'Gone'));
          const m = /^too old resource version: 1 \((\d+)\)$/.exec(err.message);
          assert.ok(m, err.message);
          oldestMinusOne = Number(m[1]);
          return true;
        });
        assert.ok(oldestMinusOne >= 1 && oldestMinusOne <= current - CONFORMANCE_HISTORY_LIMIT,
          `kept at least ${CONFORMANCE_HISTORY_LIMIT} changes (oldest-1=${oldestMinusOne}, current=${current})`);
        // The oldest point still kept replays every later change.
        const c = await Collector.start(store, SERVICES, { fromResourceVersion: String(oldestMinusOne) });
        const events = await c.next(current - oldestMinusOne);
        assert.deepEqual(events.map((e) => Number(e.resourceVersion)),
          Array.from({ length: current - oldestMinusOne }, (_, i) => oldestMinusOne + 1 + i));
        c.watch.stop();
        await assert.rejects(store.watch(SERVICES, { fromResourceVersion: String(oldestMinusOne - 1) }, () => {}),
          (err: unknown) => StoreError.is(err, 'Gone'));
      }));
    });

    describe('persistence', () => {
      it('keeps objects, resourceVersions and watch history across reopen', async (t) => {
        const fx = await factory();
        if (!fx.reopen) { await fx.cleanup(); t.skip('backend does not persist'); return; }
        try {
          let store = fx.store;
          const a = ref(SERVICES, 'default', 'a');
          const b = ref(SERVICES, 'default', 'b');
          const n = ref(NAMESPACES, '', 'default');
          const a1 = await store.create(a, obj(a, { v: 1 }));
          await store.create(b, obj(b));
          await store.create(n, obj(n));
          const a2 = await store.update(a, obj(a, { v: 2 }));
          const bDeleted = await store.delete(b);
          const lastRv = Number(await store.currentResourceVersion());
          const watchBeforeReopen = await Collector.start(store, SERVICES, {});

          store = await fx.reopen();
          assert.equal(watchBeforeReopen.events.length <= 3, true);
          assert.equal(await store.currentResourceVersion(), String(lastRv));
          assert.deepEqual(await store.get(a), a2);
          assert.equal(await store.get(b), undefined);
          assert.deepEqual((await store.list(SERVICES)).items, [a2]);
          assert.equal((await store.list(NAMESPACES)).items.length, 1);

          const c = await Collector.start(store, SERVICES, { fromResourceVersion: a1.metadata.resourceVersion });
          const replayed = await c.next(3);
          assert.deepEqual(describeEvents(replayed), [
            'ADDED services default/b', 'MODIFIED services default/a', 'DELETED services default/b',
          ]);
          assert.deepEqual(replayed[2]!.object, bDeleted);
          const a3 = await store.update(a, obj(a, { v: 3 }), a2.metadata.resourceVersion);
          assert.ok(rvOf(a3) > lastRv, 'RVs keep increasing after reopen');
          assert.deepEqual((await c.next(4))[3]!.object, a3);
          c.watch.stop();

          // A deletion as the very last write must not let the counter go backwards either.
          const aDeleted = await store.delete(a);
          store = await fx.reopen();
          const fresh = await store.create(a, obj(a));
          assert.ok(rvOf(fresh) > rvOf(aDeleted));
        } finally {
          await fx.cleanup();
        }
      });
    });
  });
}
