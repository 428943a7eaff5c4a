/**
 * Durability: every write the API acknowledged survives a graceful stop and a kill -9 in the middle
 * of a burst of writes, and the store comes back consistent.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Ksrv } from './harness.ts';

interface Conn { url: URL; token: string; ca: string }

function connection(ksrv: Ksrv): Conn {
  const cfg = parse(readFileSync(ksrv.kubeconfig, 'utf8'));
  return {
    url: new URL(cfg.clusters[0].cluster.server),
    token: cfg.users[0].user.token,
    ca: Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
  };
}

function call(c: Conn, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolveCall, reject) => {
    const req = request({ host: c.url.hostname, port: c.url.port, path, method, ca: c.ca, headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolveCall({ status: res.statusCode ?? 0, body: data ? JSON.parse(data) : undefined }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const svc = (name: string) => ({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name }, spec: { template: { spec: { containers: [{ image: `ksrv.local/${name}:v1` }] } } } });
const services = '/apis/serving.knative.dev/v1/namespaces/default/services';

describe('persistence', () => {
  const ksrv = new Ksrv();
  after(async () => { await ksrv.cleanup(); });

  it('objects survive a graceful restart', async () => {
    await ksrv.start(['--runtime', 'simulated']);
    await ksrv.k('apply', '-f', join(import.meta.dirname, '../fixtures/hello.yaml'));
    await ksrv.k('wait', '--for=condition=Ready', 'ksvc/hello', '--timeout=60s');
    const uid = await ksrv.k('get', 'ksvc', 'hello', '-o', 'jsonpath={.metadata.uid}');
    assert.equal(await ksrv.stop(), 0);
    await ksrv.start(['--runtime', 'simulated']);
    assert.equal(await ksrv.k('get', 'ksvc', 'hello', '-o', 'jsonpath={.metadata.uid}'), uid);
    assert.match(await ksrv.k('get', 'ksvc', 'hello'), /True/);
  });

  it('every acknowledged create survives kill -9 during a burst', async () => {
    const c = connection(ksrv);
    const acknowledged: string[] = [];
    let killed = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !killed; i++) {
        const name = `burst-${w}-${i}`;
        try {
          const r = await call(c, 'POST', services, svc(name));
          if (r.status === 201) acknowledged.push(name);
        } catch { return; }
      }
    });
    // Kill once a good number of writes are in, while writers are still busy.
    while (acknowledged.length < 60) await new Promise((r) => setImmediate(r));
    killed = true;
    await ksrv.kill9();
    await Promise.all(writers);
    assert.ok(acknowledged.length >= 60);

    await ksrv.start(['--runtime', 'simulated']);
    const c2 = connection(ksrv);
    const list = await call(c2, 'GET', services);
    assert.equal(list.status, 200);
    const names = new Set<string>(list.body.items.map((o: any) => o.metadata.name));
    const missing = acknowledged.filter((n) => !names.has(n));
    assert.deepEqual(missing, [], `${missing.length} acknowledged services lost`);
    const dbCheck = await import('better-sqlite3');
    await ksrv.stop();
    const db = new dbCheck.default(join(ksrv.dataDir, 'ksrv.db'), { readonly: true });
    try { assert.equal((db.pragma('integrity_check') as any[])[0].integrity_check, 'ok'); } finally { db.close(); }
  });
});
