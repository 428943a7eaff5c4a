import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { generateTls } from './tls.ts';
import { createApiServer } from './server.ts';
import { FakeClient } from './testing/fake-client.ts';

function get(port: number, path: string, ca: string, headers: Record<string, string> = {}, servername?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path, ca, headers, ...(servername ? { servername } : {}) }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
    });
    req.on('error', reject);
  });
}

test('generated CA signs a server certificate with the requested SANs', () => {
  const t = generateTls(['ksrv.test', '10.1.2.3']);
  const ca = new X509Certificate(t.caCert);
  const cert = new X509Certificate(t.cert);
  assert.ok(ca.ca);
  assert.ok(cert.checkIssued(ca));
  assert.ok(cert.verify(ca.publicKey));
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(cert.checkIP('10.1.2.3'), '10.1.2.3');
  assert.equal(cert.checkHost('localhost'), 'localhost');
  assert.equal(cert.checkHost('ksrv.test'), 'ksrv.test');
  assert.ok(new Date(ca.validTo).getTime() > Date.now() + 9 * 365 * 24 * 3600 * 1000);
  assert.match(t.key, /BEGIN PRIVATE KEY/);
});

test('HTTPS server verified against the generated CA; bearer token enforced', async () => {
  const t = generateTls([]);
  const server = createApiServer({ client: new FakeClient(), token: 'tok', tls: { key: t.key, cert: t.cert } });
  const { port } = await server.listen('127.0.0.1', 0);
  try {
    const v = await get(port, '/version', t.caCert);
    assert.equal(v.status, 200);
    assert.equal(v.body.minor, '32');
    const denied = await get(port, '/apis', t.caCert, { Authorization: 'Bearer wrong' });
    assert.equal(denied.status, 401);
    assert.equal(denied.body.message, 'Unauthorized');
    const ok = await get(port, '/apis', t.caCert, { Authorization: 'Bearer tok' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.kind, 'APIGroupList');
    // A different CA must not verify this server.
    await assert.rejects(get(port, '/version', generateTls([]).caCert));
  } finally {
    await server.close();
  }
});
