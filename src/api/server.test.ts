import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { ServiceType } from '../apis/resources.ts';
import { createApiServer, type ApiServer } from './server.ts';
import { FakeClient } from './testing/fake-client.ts';

const TOKEN = 's3cret';
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const AGG_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const NS = '/apis/serving.knative.dev/v1/namespaces/default';

let server: ApiServer;
let client: FakeClient;
let base: string;

before(async () => {
  client = new FakeClient();
  server = createApiServer({ client, token: TOKEN });
  const { port } = await server.listen('127.0.0.1', 0);
  base = `http://127.0.0.1:${port}`;
});
after(() => server.close());

async function json(r: Response | Promise<Response>): Promise<any> {
  return (await r).json();
}

function call(path: string, init: RequestInit & { auth?: boolean } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.auth !== false) headers.set('Authorization', `Bearer ${TOKEN}`);
  if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return fetch(base + path, { ...init, headers });
}

function service(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name, labels: { app: name } },
    spec: { template: { spec: { containers: [{ image: 'ghcr.io/knative/helloworld-go' }] } } }, ...extra,
  };
}

async function post(path: string, body: unknown): Promise<Response> {
  return call(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
}

test('/version needs no token and reports minor 32', async () => {
  const r = await call('/version', { auth: false });
  assert.equal(r.status, 200);
  const v = await json(r);
  assert.equal(v.major, '1');
  assert.equal(v.minor, '32');
  assert.equal((await call('/healthz', { auth: false })).status, 200);
});

test('401 Status without or with a wrong token', async () => {
  for (const headers of [{}, { Authorization: 'Bearer nope' }, { Authorization: `Basic ${TOKEN}` }] as Record<string, string>[]) {
    const r = await fetch(`${base}/apis`, { headers });
    assert.equal(r.status, 401);
    assert.deepEqual(await json(r), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401,
    });
  }
});

test('aggregated discovery with its exact Content-Type, v1 first', async () => {
  const r = await call('/apis', { headers: { Accept: AGG_ACCEPT } });
  assert.equal(r.headers.get('content-type'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  const body = await json(r);
  assert.equal(body.kind, 'APIGroupDiscoveryList');
  assert.equal(body.apiVersion, 'apidiscovery.k8s.io/v2');
  const g = body.items[0];
  assert.equal(g.metadata.name, 'serving.knative.dev');
  assert.deepEqual(g.versions.map((v: any) => v.version), ['v1', 'v1beta1', 'v1alpha1']);
  const svc = g.versions[0].resources.find((x: any) => x.resource === 'services');
  assert.deepEqual(svc.shortNames, ['kservice', 'ksvc']);
  assert.deepEqual(svc.categories, ['all', 'knative', 'serving']);
  assert.equal(svc.scope, 'Namespaced');
  assert.deepEqual(svc.responseKind, { group: 'serving.knative.dev', version: 'v1', kind: 'Service' });
  assert.equal(svc.subresources[0].subresource, 'status');

  const core = await json(call('/api', { headers: { Accept: AGG_ACCEPT } }));
  const res = core.items[0].versions[0].resources;
  assert.equal(res.find((x: any) => x.resource === 'namespaces').scope, 'Cluster');
  assert.deepEqual(res.find((x: any) => x.resource === 'events').shortNames, ['ev']);
});

test('legacy discovery documents', async () => {
  const apis = await call('/apis', { headers: { Accept: 'application/json, */*' } });
  assert.equal(apis.headers.get('content-type'), 'application/json');
  const list = await json(apis);
  assert.equal(list.kind, 'APIGroupList');
  assert.deepEqual(list.groups[0].preferredVersion, { groupVersion: 'serving.knative.dev/v1', version: 'v1' });

  const api = await json(call('/api'));
  assert.equal(api.kind, 'APIVersions');
  assert.deepEqual(api.versions, ['v1']);

  const rl = await json(call('/apis/serving.knative.dev/v1alpha1'));
  assert.equal(rl.kind, 'APIResourceList');
  assert.equal(rl.groupVersion, 'serving.knative.dev/v1alpha1');
  assert.ok(rl.resources.some((x: any) => x.name === 'routes/status' && x.kind === 'Route'));
  assert.deepEqual(rl.resources.find((x: any) => x.name === 'revisions').shortNames, ['rev']);

  const core = await json(call('/api/v1'));
  assert.equal(core.groupVersion, 'v1');
  assert.equal(core.resources.find((x: any) => x.name === 'namespaces').namespaced, false);

  const group = await json(call('/apis/serving.knative.dev'));
  assert.equal(group.kind, 'APIGroup');
});

test('unknown paths, /openapi/v2 and unknown groups answer the 404 Status', async () => {
  for (const p of ['/openapi/v2', '/apis/apps/v1', '/apis/serving.knative.dev/v9/namespaces/default/services', `${NS}/widgets`, '/nope']) {
    const r = await call(p);
    assert.equal(r.status, 404, p);
    const s = await json(r);
    assert.equal(s.message, 'the server could not find the requested resource');
    assert.equal(s.reason, 'NotFound');
  }
});

test('wrong method answers 405', async () => {
  assert.equal((await call('/apis', { method: 'POST', body: '{}' })).status, 405);
  const text = await call(`${NS}/services`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(text.status, 415);
  assert.equal((await call(`${NS}/services/x`, { method: 'POST', body: '{}' })).status, 405);
  assert.equal((await call('/apis/serving.knative.dev/v1/services', { method: 'POST', body: '{}' })).status, 405);
});

test('create sets the namespace, answers 201, and passes version, user and query options', async () => {
  const r = await call(`${NS}/services?fieldManager=kubectl-create&fieldValidation=Strict`, {
    method: 'POST', body: JSON.stringify(service('create1')), headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(r.status, 201);
  const obj = await json(r);
  assert.equal(obj.metadata.namespace, 'default');
  assert.equal(obj.kind, 'Service');
  const call0 = client.calls.filter((c) => c.method === 'create').at(-1)!;
  assert.deepEqual(call0.args[1], { version: 'v1', username: 'ksrv-admin', fieldManager: 'kubectl-create', fieldValidation: 'Strict' });

  const dry = await call(`${NS}/services?dryRun=All`, { method: 'POST', body: JSON.stringify(service('dry')) });
  assert.equal(dry.status, 201);
  assert.equal((client.calls.at(-1)!.args[1] as any).dryRun, true);
  assert.equal((await call(`${NS}/services/dry`)).status, 404);
});

test('create rejects a body namespace or apiVersion that contradicts the URL', async () => {
  const r = await post(`${NS}/services`, service('x', { metadata: { name: 'x', namespace: 'other' } }));
  assert.equal(r.status, 400);
  assert.equal((await json(r)).message, 'the namespace of the provided object does not match the namespace sent on the request');
  const v = await post(`${NS}/services`, { ...service('y'), apiVersion: 'serving.knative.dev/v1alpha1' });
  assert.equal(v.status, 400);
  const bad = await call(`${NS}/services`, { method: 'POST', body: '{not json' });
  assert.equal(bad.status, 400);
  assert.equal((await json(bad)).reason, 'BadRequest');
});

test('get, list and ApiError rendering; served version in apiVersion', async () => {
  await post(`${NS}/services`, service('conv'));
  const item = await json(call('/apis/serving.knative.dev/v1beta1/namespaces/default/services/conv'));
  assert.equal(item.apiVersion, 'serving.knative.dev/v1beta1');
  assert.equal(item.kind, 'Service');

  const list = await json(call('/apis/serving.knative.dev/v1alpha1/services'));
  assert.equal(list.kind, 'ServiceList');
  assert.equal(list.apiVersion, 'serving.knative.dev/v1alpha1');
  assert.match(list.metadata.resourceVersion, /^\d+$/);
  assert.ok(list.items.length >= 1);
  assert.ok(list.items.every((o: any) => o.apiVersion === 'serving.knative.dev/v1alpha1' && o.kind === 'Service'));

  const missing = await call(`${NS}/services/nope`);
  assert.equal(missing.status, 404);
  assert.deepEqual(await json(missing), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: 'services.serving.knative.dev "nope" not found', reason: 'NotFound',
    details: { name: 'nope', group: 'serving.knative.dev', kind: 'services' }, code: 404,
  });

  const sel = await json(call(`${NS}/services?labelSelector=${encodeURIComponent('app=conv')}&limit=500`));
  assert.deepEqual(sel.items.map((o: any) => o.metadata.name), ['conv']);
});

test('deprecated versions and write warnings become Warning: 299 headers', async () => {
  const r = await call('/apis/serving.knative.dev/v1alpha1/namespaces/default/services');
  assert.equal(r.headers.get('warning'), '299 - "serving.knative.dev/v1alpha1 is deprecated; use serving.knative.dev/v1"');
  assert.equal((await call(`${NS}/services`)).headers.get('warning'), null);

  client.writeWarnings = ['unknown field "spec.foo"', 'say "hi"'];
  try {
    const w = await post(`${NS}/services`, service('warned'));
    assert.equal(w.headers.get('warning'), '299 - "unknown field \\"spec.foo\\"", 299 - "say \\"hi\\""');
  } finally {
    client.writeWarnings = [];
  }
});

test('patch: content types, 415 for strategic merge, status subresource', async () => {
  await post(`${NS}/services`, service('p1'));
  const smp = await call(`${NS}/services/p1`, {
    method: 'PATCH', body: '{"metadata":{"labels":{"a":"b"}}}', headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
  });
  assert.equal(smp.status, 415);
  const s = await json(smp);
  assert.equal(s.reason, 'UnsupportedMediaType');
  assert.equal(s.message, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');

  const ok = await call(`${NS}/services/p1?fieldManager=kubectl-label`, {
    method: 'PATCH', body: '{"metadata":{"labels":{"tier":"web"}}}', headers: { 'Content-Type': 'application/merge-patch+json' },
  });
  assert.equal(ok.status, 200);
  assert.equal((await json(ok)).metadata.labels.tier, 'web');

  await call(`${NS}/services/p1/status`, {
    method: 'PATCH', body: 'status:\n  url: http://x\n', headers: { 'Content-Type': 'application/apply-patch+yaml' },
  });
  const last = client.calls.at(-1)!;
  assert.deepEqual(last.args.slice(2), ['apply', { status: { url: 'http://x' } }, { version: 'v1', username: 'ksrv-admin', subresource: 'status' }]);
});

test('core kinds take strategic merge patches as merge patches; protobuf DeleteOptions are ignored', async () => {
  await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  const r = await call('/api/v1/namespaces/team-a', {
    method: 'PATCH', body: '{"metadata":{"labels":{"env":"dev"},"$setElementOrder/finalizers":[]}}',
    headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
  });
  assert.equal(r.status, 200);
  const ns = await json(r);
  assert.deepEqual(ns.metadata.labels, { env: 'dev' });
  assert.equal(ns.apiVersion, 'v1');
  assert.equal(ns.kind, 'Namespace');
  const d = await call('/api/v1/namespaces/team-a', {
    method: 'DELETE', body: 'k8s\u0000\u0001binary', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' },
  });
  assert.equal(d.status, 200);
  assert.equal((await json(d)).details.kind, 'namespaces');
});

test('put replaces and checks the URL name', async () => {
  await post(`${NS}/services`, service('put1'));
  const cur = await json(call(`${NS}/services/put1`));
  cur.metadata.labels = { changed: 'yes' };
  const r = await call(`${NS}/services/put1`, { method: 'PUT', body: JSON.stringify(cur) });
  assert.equal(r.status, 200);
  assert.equal((await json(r)).metadata.labels.changed, 'yes');
  const wrong = await call(`${NS}/services/other`, { method: 'PUT', body: JSON.stringify(cur) });
  assert.equal(wrong.status, 400);
});

test('delete answers the Success Status and passes DeleteOptions', async () => {
  const created = await json(post(`${NS}/services`, service('del1')));
  const r = await call(`${NS}/services/del1`, { method: 'DELETE', body: '{"propagationPolicy":"Background"}', headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 200);
  assert.deepEqual(await json(r), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
    details: { name: 'del1', group: 'serving.knative.dev', kind: 'services', uid: created.metadata.uid },
  });
  assert.deepEqual(client.calls.filter((c) => c.method === 'delete').at(-1)!.args[2], { propagationPolicy: 'Background' });
  assert.equal((await call(`${NS}/services/del1`, { method: 'DELETE' })).status, 404);

  await post(`${NS}/services`, service('del2'));
  const coll = await call(`${NS}/services?labelSelector=app%3Ddel2`, { method: 'DELETE' });
  const body = await json(coll);
  assert.equal(body.kind, 'ServiceList');
  assert.deepEqual(body.items.map((o: any) => o.metadata.name), ['del2']);
});

test('body over 3 MiB answers 413', async () => {
  const big = JSON.stringify(service('big', { pad: 'x'.repeat(3 * 1024 * 1024) }));
  const r = await call(`${NS}/services`, { method: 'POST', body: big });
  assert.equal(r.status, 413);
  assert.equal((await json(r)).reason, 'RequestEntityTooLarge');
});

test('Table output for lists and items', async () => {
  await post(`${NS}/services`, service('tbl', { status: { url: 'http://tbl.default.example.com' } }));
  await client.updateStatus(ServiceType, {
    ...service('tbl'), metadata: { name: 'tbl', namespace: 'default' },
    status: { url: 'http://tbl.default.example.com', conditions: [{ type: 'Ready', status: 'True' }] },
  } as any);
  const r = await call(`${NS}/services?labelSelector=app%3Dtbl&limit=500`, { headers: { Accept: TABLE_ACCEPT } });
  assert.equal(r.headers.get('content-type'), 'application/json;as=Table;v=v1;g=meta.k8s.io');
  const t = await json(r);
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.columnDefinitions.map((c: any) => c.name), ['Name', 'URL', 'LatestCreated', 'LatestReady', 'Ready', 'Reason']);
  assert.equal(t.columnDefinitions[0].format, 'name');
  assert.equal(t.columnDefinitions[1].description, 'Custom resource definition column (in JSONPath format): .status.url');
  assert.equal(t.rows.length, 1);
  assert.equal(t.rows[0].cells[0], 'tbl');
  assert.equal(t.rows[0].cells[1], 'http://tbl.default.example.com');
  assert.equal(t.rows[0].cells[4], 'True');
  assert.equal(t.rows[0].object.kind, 'PartialObjectMetadata');
  assert.equal(t.rows[0].object.metadata.namespace, 'default');
  assert.deepEqual(t.rows[0].object.metadata.labels, { app: 'tbl' });

  const full = await json(call(`${NS}/services?labelSelector=app%3Dtbl&includeObject=Object`, { headers: { Accept: TABLE_ACCEPT } }));
  assert.equal(full.rows[0].object.kind, 'Service');
  assert.equal(full.rows[0].object.spec.template.spec.containers[0].image, 'ghcr.io/knative/helloworld-go');

  const one = await json(call(`${NS}/services/tbl`, { headers: { Accept: TABLE_ACCEPT } }));
  assert.equal(one.kind, 'Table');
  assert.equal(one.rows.length, 1);

  const empty = await json(call('/apis/serving.knative.dev/v1/namespaces/empty/routes', { headers: { Accept: TABLE_ACCEPT } }));
  assert.deepEqual(empty.rows, []);
});

/** Reads newline-delimited JSON events from a streaming GET. */
function openWatch(path: string, accept = 'application/json'): Promise<{ res: http.IncomingMessage; next: () => Promise<any>; req: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = http.get(base + path, { headers: { Authorization: `Bearer ${TOKEN}`, Accept: accept } }, (res) => {
      let buf = '';
      let ended = false;
      const queue: any[] = [];
      const waiters: ((v: any) => void)[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          const w = waiters.shift();
          if (w) w(ev); else queue.push(ev);
        }
      });
      res.on('end', () => {
        ended = true;
        for (const w of waiters.splice(0)) w(undefined);
      });
      const next = () => (queue.length || ended ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r)));
      resolve({ res, next, req });
    });
    req.on('error', reject);
  });
}

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
}

test('watch streams events in the URL version and stops the Client watch on disconnect', async () => {
  await post(`${NS}/services`, service('w1'));
  const before = client.watchers.size;
  const w = await openWatch('/apis/serving.knative.dev/v1beta1/namespaces/default/services?watch=true&fieldSelector=metadata.name%3Dw1');
  assert.equal(w.res.statusCode, 200);
  const first = await w.next();
  assert.equal(first.type, 'ADDED');
  assert.equal(first.object.apiVersion, 'serving.knative.dev/v1beta1');
  await call(`${NS}/services/w1`, { method: 'PATCH', body: '{"metadata":{"labels":{"x":"1"}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
  const second = await w.next();
  assert.equal(second.type, 'MODIFIED');
  assert.equal(second.object.metadata.labels.x, '1');
  assert.equal(client.watchers.size, before + 1);
  w.req.destroy();
  await waitFor(() => client.watchers.size === before);
});

test('Table watch sends columnDefinitions on the first event only', async () => {
  await post(`${NS}/services`, service('w2'));
  const w = await openWatch(`${NS}/services?watch=1&fieldSelector=metadata.name%3Dw2`, TABLE_ACCEPT);
  assert.equal(w.res.headers['content-type'], 'application/json;as=Table;v=v1;g=meta.k8s.io');
  const a = await w.next();
  assert.equal(a.object.kind, 'Table');
  assert.equal(a.object.columnDefinitions.length, 6);
  assert.equal(a.object.rows[0].cells[0], 'w2');
  await call(`${NS}/services/w2`, { method: 'DELETE' });
  const d = await w.next();
  assert.equal(d.type, 'DELETED');
  assert.deepEqual(d.object.columnDefinitions, []);
  assert.equal(d.object.rows[0].cells[0], 'w2');
  w.req.destroy();
});

test('watch honours timeoutSeconds and ends after an ERROR event', async () => {
  const t = await openWatch(`${NS}/services?watch=true&timeoutSeconds=0`);
  while ((await t.next()) !== undefined);
  assert.ok(t.res.complete);

  for (let i = 0; i < 150; i++) await post(`${NS}/services`, service(`churn${i}`));
  const e = await openWatch(`${NS}/services?watch=true&resourceVersion=1`);
  const ev = await e.next();
  assert.equal(ev.type, 'ERROR');
  assert.equal(ev.object.code, 410);
  assert.equal(await e.next(), undefined);
});

test('a timeoutSeconds beyond the timer range keeps the watch open', async () => {
  await post(`${NS}/services`, service('w3'));
  // 3,000,000 s overflows setTimeout (which would then fire after 1 ms).
  const w = await openWatch(`${NS}/services?watch=true&timeoutSeconds=3000000&fieldSelector=metadata.name%3Dw3`);
  assert.equal((await w.next())?.type, 'ADDED');
  await call(`${NS}/services/w3`, { method: 'PATCH', body: '{"metadata":{"labels":{"x":"1"}}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
  assert.equal((await w.next())?.type, 'MODIFIED');
  w.req.destroy();
});

test('close() ends open watch streams', async () => {
  const c = new FakeClient();
  const s = createApiServer({ client: c, token: '' });
  const { port } = await s.listen('127.0.0.1', 0);
  const ended = new Promise<void>((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}/apis/serving.knative.dev/v1/services?watch=true`, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', reject);
      void s.close();
    }).on('error', reject);
  });
  await ended;
  assert.equal(c.watchers.size, 0);
});
