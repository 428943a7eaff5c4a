import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runStoreConformance, CONFORMANCE_HISTORY_LIMIT } from '../conformance.ts';
import { StoreError, type ObjectRef, type Store } from '../store.ts';
import { openStore } from '../index.ts';
import { SqliteStore } from './sqlite-store.ts';

const SERVICES = { group: 'serving.knative.dev', resource: 'services' };

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ksrv-sqlite-test-'));
}

function svc(namespace: string, name: string, spec: unknown = {}) {
  const ref: ObjectRef = { ...SERVICES, namespace, name };
  return { ref, obj: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name, namespace }, spec } };
}

runStoreConformance('sqlite', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'ksrv.db');
  let store: Store = await SqliteStore.open(file, { historyLimit: CONFORMANCE_HISTORY_LIMIT });
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await SqliteStore.open(file, { historyLimit: CONFORMANCE_HISTORY_LIMIT });
      return store;
    },
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStore specifics', () => {
  let dir: string;
  before(() => { dir = tempDir(); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it('uses WAL and stores stamped JSON in objects and the change log', async () => {
    const file = path.join(dir, 'layout.db');
    const store = await SqliteStore.open(file);
    const { ref, obj } = svc('default', 'hello', { image: 'x' });
    const created = await store.create(ref, obj);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      const row = db.prepare('SELECT rv, json FROM objects WHERE name = ?').get('hello') as { rv: number; json: string };
      assert.equal(String(row.rv), created.metadata.resourceVersion);
      assert.equal(JSON.parse(row.json).metadata.resourceVersion, created.metadata.resourceVersion);
      const change = db.prepare('SELECT type, json FROM changes WHERE rv = ?').get(row.rv) as { type: string; json: string };
      assert.equal(change.type, 'ADDED');
      assert.deepEqual(JSON.parse(change.json), created);
    } finally {
      db.close();
    }
  });

  it('keeps exactly historyLimit changes and reports the Kubernetes Gone numbers', async () => {
    const store = await SqliteStore.open(path.join(dir, 'history.db'), { historyLimit: 5 });
    try {
      const { ref, obj } = svc('default', 'busy');
      await store.create(ref, obj);
      for (let i = 0; i < 9; i++) await store.update(ref, obj); // RVs 1..10; kept: 6..10
      await assert.rejects(store.watch(SERVICES, { fromResourceVersion: '4' }, () => {}), (err: unknown) => {
        assert.ok(StoreError.is(err, 'Gone'));
        assert.equal(err.message, 'too old resource version: 4 (5)');
        return true;
      });
      const w = await store.watch(SERVICES, { fromResourceVersion: '5' }, () => {});
      w.stop();
    } finally {
      await store.close();
    }
  });

  it('lists 1,000 objects in well under 20 ms', async () => {
    const store = await SqliteStore.open(path.join(dir, 'perf.db'));
    try {
      const spec = { template: { spec: { containers: [{ image: 'ghcr.io/knative/helloworld-go:latest', env: [{ name: 'TARGET', value: 'x'.repeat(200) }] }] } } };
      for (let i = 0; i < 1000; i++) {
        const { ref, obj } = svc(`ns-${i % 10}`, `svc-${String(i).padStart(4, '0')}`, spec);
        await store.create(ref, obj);
      }
      await store.list(SERVICES); // warm the statement and page cache
      let best = Infinity;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const { items } = await store.list(SERVICES);
        best = Math.min(best, performance.now() - t0);
        assert.equal(items.length, 1000);
      }
      assert.ok(best < 20, `list of 1,000 took ${best.toFixed(1)} ms`);
      assert.equal((await store.list(SERVICES, { namespace: 'ns-3' })).items.length, 100);
    } finally {
      await store.close();
    }
  });

  it('stops watches on close and rejects use after close', async () => {
    const store = await SqliteStore.open(path.join(dir, 'close.db'));
    const seen: string[] = [];
    await store.watch(SERVICES, {}, (ev) => seen.push(ev.ref.name));
    const { ref, obj } = svc('default', 'a');
    await store.create(ref, obj);
    await store.close();
    await store.close(); // idempotent
    await assert.rejects(store.get(ref), /closed/);
    // Reopened, a write is not delivered to the old store's watcher.
    const again = await SqliteStore.open(path.join(dir, 'close.db'));
    const sibling: string[] = [];
    let delivered!: () => void;
    const done = new Promise<void>((resolve) => { delivered = resolve; });
    const w = await again.watch(SERVICES, {}, (ev) => { sibling.push(ev.ref.name); delivered(); });
    await again.create(svc('default', 'b').ref, svc('default', 'b').obj);
    await done;
    assert.deepEqual(sibling, ['b']);
    assert.deepEqual(seen.filter((n) => n === 'b'), []);
    w.stop();
    await again.close();
  });

  it('openStore("sqlite") creates <dataDir>/ksrv.db, and "memory" needs no directory', async () => {
    const dataDir = path.join(dir, 'nested', 'data');
    const store = await openStore('sqlite', dataDir);
    await store.create(svc('default', 'a').ref, svc('default', 'a').obj);
    await store.close();
    assert.ok(fs.existsSync(path.join(dataDir, 'ksrv.db')));
    const mem = await openStore('memory');
    assert.equal(await mem.currentResourceVersion(), '0');
    await mem.close();
    await assert.rejects(openStore('sqlite'), /data directory/);
  });
});
