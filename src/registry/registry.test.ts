import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../apis/meta.ts';
import { EventType, NamespaceType, ServiceType } from '../apis/resources.ts';
import { ApiError } from '../lib/errors.ts';
import { newRegistry, service } from './testing.ts';

async function rejects(p: Promise<unknown>, code: number, reason: string, message?: string | RegExp): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(ApiError.isApiError(e), `expected ApiError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.reason, reason);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail('expected a rejection');
}

test('create fills server fields, drops status, and stores the object', async () => {
  const { registry, store, close } = await newRegistry({ clock: () => new Date('2024-05-01T10:00:00.123Z') });
  try {
    const input = service('hello', undefined, { status: { url: 'http://fake' } });
    input.metadata.resourceVersion = '999';
    input.metadata.labels = { app: 'hello' };
    const { object, created, warnings } = await registry.create(ServiceType, input);
    assert.equal(created, true);
    assert.ok(Array.isArray(warnings));
    assert.match(object.metadata.uid!, /^[0-9a-f-]{36}$/);
    assert.equal(object.metadata.creationTimestamp, '2024-05-01T10:00:00Z');
    assert.equal(object.metadata.generation, 1);
    assert.equal(object.metadata.resourceVersion, await store.currentResourceVersion());
    assert.deepEqual(object.metadata.labels, { app: 'hello' });
    assert.equal(object.status, undefined);
    assert.equal(object.spec.template.spec.timeoutSeconds, 300, 'admission defaulting ran');
    assert.deepEqual(await registry.get(ServiceType, 'default', 'hello'), object);
  } finally { await close(); }
});

test('create: AlreadyExists, generateName, missing namespace, missing name', async () => {
  const { registry, close } = await newRegistry();
  try {
    await registry.create(ServiceType, service('hello'));
    const e = await rejects(registry.create(ServiceType, service('hello')), 409, 'AlreadyExists',
      'services.serving.knative.dev "hello" already exists');
    assert.deepEqual(e.details, { name: 'hello', group: 'serving.knative.dev', kind: 'services' });

    const gen = service('');
    gen.metadata = { generateName: 'web-', namespace: 'default' };
    const { object } = await registry.create(ServiceType, gen);
    assert.match(object.metadata.name!, /^web-[a-z0-9]{5}$/);
    assert.equal(object.metadata.generateName, 'web-');

    const other = service('x');
    other.metadata.namespace = 'other';
    const nf = await rejects(registry.create(ServiceType, other), 404, 'NotFound', 'namespaces "other" not found');
    assert.deepEqual(nf.details, { name: 'other', kind: 'namespaces' });

    const anonymous = service('');
    anonymous.metadata = { namespace: 'default' };
    await rejects(registry.create(ServiceType, anonymous), 422, 'Invalid', /metadata\.name: Required value: name or generateName is required/);
  } finally { await close(); }
});

test('namespaces are created Active, ensureNamespace is idempotent, default cannot be deleted', async () => {
  const { registry, close } = await newRegistry();
  try {
    await registry.ensureNamespace('default');
    const ns = await registry.get(NamespaceType, '', 'default');
    assert.deepEqual(ns.status, { phase: 'Active' });
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.equal(ns.metadata.generation, undefined);
    assert.equal((await registry.list(NamespaceType)).items.length, 1);
    await rejects(registry.delete(NamespaceType, '', 'default'), 403, 'Forbidden');
  } finally { await close(); }
});

test('events keep their whole body on create (no status subresource)', async () => {
  const { registry, close } = await newRegistry();
  try {
    const ev: KObject = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1', namespace: 'default' }, reason: 'Created', message: 'm', type: 'Normal', count: 1 };
    const { object } = await registry.create(EventType, ev);
    assert.equal(object.reason, 'Created');
    assert.equal(object.count, 1);
  } finally { await close(); }
});

test('update: 409 on stale RV, 422 without RV, 404 when missing', async () => {
  const { registry, close } = await newRegistry();
  try {
    const { object } = await registry.create(ServiceType, service('hello'));
    const changed = structuredClone(object);
    changed.spec.template.spec.containers[0].image = 'img:2';
    await registry.update(ServiceType, changed);
    const stale = await rejects(registry.update(ServiceType, changed), 409, 'Conflict',
      'Operation cannot be fulfilled on services.serving.knative.dev "hello": the object has been modified; please apply your changes to the latest version and try again');
    assert.equal(stale.details?.kind, 'services');
    const noRv = structuredClone(changed);
    delete noRv.metadata.resourceVersion;
    await rejects(registry.update(ServiceType, noRv), 422, 'Invalid',
      'Service.serving.knative.dev "hello" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
    await rejects(registry.update(ServiceType, service('nope', 'x', { metadata: { name: 'nope', namespace: 'default', resourceVersion: '1' } })),
      404, 'NotFound', 'services.serving.knative.dev "nope" not found');
  } finally { await close(); }
});

test('update: generation bumps only on spec change; no-op keeps RV; status and uid preserved', async () => {
  const { registry, store, close } = await newRegistry();
  try {
    const created = (await registry.create(ServiceType, service('hello'))).object;
    const withStatus = (await registry.updateStatus(ServiceType, { ...created, status: { observedGeneration: 1 } })).object;

    // metadata-only change: new RV, same generation
    const labelled = structuredClone(withStatus);
    labelled.metadata.labels = { a: 'b' };
    delete labelled.status;
    const afterLabel = (await registry.update(ServiceType, labelled)).object;
    assert.equal(afterLabel.metadata.generation, 1);
    assert.notEqual(afterLabel.metadata.resourceVersion, withStatus.metadata.resourceVersion);
    assert.deepEqual(afterLabel.status, { observedGeneration: 1 }, 'PUT without status keeps the stored status');

    // no-op: identical body → nothing written
    const before = await store.currentResourceVersion();
    const noop = (await registry.update(ServiceType, afterLabel)).object;
    assert.equal(noop.metadata.resourceVersion, afterLabel.metadata.resourceVersion);
    assert.equal(await store.currentResourceVersion(), before);

    // spec change: generation+1; status in the body is ignored; uid/creationTimestamp kept
    const specChange = structuredClone(afterLabel);
    specChange.spec.template.spec.containers[0].image = 'img:2';
    specChange.status = { observedGeneration: 42 };
    specChange.metadata.creationTimestamp = '1999-01-01T00:00:00Z';
    const afterSpec = (await registry.update(ServiceType, specChange)).object;
    assert.equal(afterSpec.metadata.generation, 2);
    assert.deepEqual(afterSpec.status, { observedGeneration: 1 });
    assert.equal(afterSpec.metadata.uid, created.metadata.uid);
    assert.equal(afterSpec.metadata.creationTimestamp, created.metadata.creationTimestamp);

    // a different uid in the body is a precondition failure
    const wrongUid = structuredClone(afterSpec);
    wrongUid.metadata.uid = 'other';
    await rejects(registry.update(ServiceType, wrongUid), 409, 'Conflict', /Precondition failed: UID in precondition: other/);
  } finally { await close(); }
});

test('status subresource changes only status, with RV precondition', async () => {
  const { registry, close } = await newRegistry();
  try {
    const created = (await registry.create(ServiceType, service('hello'))).object;
    const body = structuredClone(created);
    body.status = { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] };
    body.spec.template.spec.containers[0].image = 'ignored';
    body.metadata.labels = { ignored: 'yes' };
    const { object } = await registry.updateStatus(ServiceType, body);
    assert.equal(object.spec.template.spec.containers[0].image, created.spec.template.spec.containers[0].image);
    assert.equal(object.metadata.labels, undefined);
    assert.equal(object.metadata.generation, 1);
    assert.deepEqual(object.status.conditions, [{ type: 'Ready', status: 'True' }]);
    await rejects(registry.updateStatus(ServiceType, body), 409, 'Conflict');

    const patched = (await registry.patch(ServiceType, 'default', 'hello', 'merge',
      { status: { url: 'http://hello.default.example.com' }, spec: { template: null } }, { subresource: 'status' })).object;
    assert.equal(patched.status.url, 'http://hello.default.example.com');
    assert.equal(patched.status.observedGeneration, 1);
    assert.ok(patched.spec.template, 'spec untouched by a status patch');
  } finally { await close(); }
});

test('merge patch: null deletes, arrays replace, RV precondition, defaults re-applied, status ignored', async () => {
  const { registry, close } = await newRegistry();
  try {
    const created = (await registry.create(ServiceType, service('hello', 'img:1', {
      metadata: { name: 'hello', namespace: 'default', labels: { a: '1', b: '2' } },
    }))).object;
    const { object } = await registry.patch(ServiceType, 'default', 'hello', 'merge', JSON.stringify({
      metadata: { labels: { a: null, c: '3' } },
      spec: { template: { spec: { containers: [{ image: 'img:2' }] } } },
      status: { url: 'nope' },
    }));
    assert.deepEqual(object.metadata.labels, { b: '2', c: '3' });
    assert.deepEqual(object.spec.template.spec.containers, [{ image: 'img:2' }]);
    assert.equal(object.spec.template.spec.timeoutSeconds, 300, 'defaults re-applied');
    assert.equal(object.metadata.generation, 2);
    assert.equal(object.status, undefined);

    await rejects(registry.patch(ServiceType, 'default', 'hello', 'merge',
      { metadata: { resourceVersion: created.metadata.resourceVersion, labels: { d: '4' } } }), 409, 'Conflict');
    const ok = await registry.patch(ServiceType, 'default', 'hello', 'merge',
      { metadata: { resourceVersion: object.metadata.resourceVersion, labels: { d: '4' } } });
    assert.equal(ok.object.metadata.labels!.d, '4');
    await rejects(registry.patch(ServiceType, 'default', 'missing', 'merge', {}), 404, 'NotFound');
    await rejects(registry.patch(ServiceType, 'default', 'hello', 'merge', '{not json'), 400, 'BadRequest');
  } finally { await close(); }
});

test('json patch applies RFC 6902 ops; a failed test op is 422', async () => {
  const { registry, close } = await newRegistry();
  try {
    await registry.create(ServiceType, service('hello', 'img:1'));
    const { object } = await registry.patch(ServiceType, 'default', 'hello', 'json', [
      { op: 'test', path: '/spec/template/spec/containers/0/image', value: 'img:1' },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'img:2' },
      { op: 'add', path: '/metadata/annotations', value: { x: 'y' } },
    ]);
    assert.equal(object.spec.template.spec.containers[0].image, 'img:2');
    assert.deepEqual(object.metadata.annotations, { x: 'y' });
    await rejects(registry.patch(ServiceType, 'default', 'hello', 'json',
      [{ op: 'test', path: '/spec/template/spec/containers/0/image', value: 'img:1' }]), 422, 'Invalid', /test failed/);
    await rejects(registry.patch(ServiceType, 'default', 'hello', 'json', { op: 'add' }), 400, 'BadRequest');
  } finally { await close(); }
});

test('strategic merge patch is 415', async () => {
  const { registry, close } = await newRegistry();
  try {
    await registry.create(ServiceType, service('hello'));
    await rejects(registry.patch(ServiceType, 'default', 'hello', 'strategic', {}), 415, 'UnsupportedMediaType',
      /accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/);
  } finally { await close(); }
});

test('server-side apply creates, then deep-merges (YAML or JSON bodies)', async () => {
  const { registry, close } = await newRegistry();
  try {
    const first = await registry.patch(ServiceType, 'default', 'hello', 'apply', [
      'apiVersion: serving.knative.dev/v1', 'kind: Service',
      'metadata: {name: hello, labels: {a: "1"}}',
      'spec: {template: {spec: {containers: [{image: "img:1"}]}}}',
    ].join('\n'), { fieldManager: 'kubectl' });
    assert.equal(first.created, true);
    assert.equal(first.object.metadata.namespace, 'default');
    const second = await registry.patch(ServiceType, 'default', 'hello', 'apply', JSON.stringify({
      apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'hello', namespace: 'default', labels: { b: '2' } },
      spec: { template: { spec: { containers: [{ image: 'img:2' }] } } },
    }));
    assert.equal(second.created, false);
    assert.deepEqual(second.object.metadata.labels, { a: '1', b: '2' });
    assert.equal(second.object.spec.template.spec.containers[0].image, 'img:2');
    assert.equal(second.object.metadata.generation, 2);
    await rejects(registry.patch(ServiceType, 'default', 'hello', 'apply', { metadata: { name: 'other' } }), 400, 'BadRequest');
  } finally { await close(); }
});

test('dry-run create/update/patch/delete leave the store untouched', async () => {
  const { registry, store, close } = await newRegistry();
  try {
    const created = (await registry.create(ServiceType, service('hello'))).object;
    const rv = await store.currentResourceVersion();
    const dryCreate = await registry.create(ServiceType, service('dry'), { dryRun: true });
    assert.equal(dryCreate.object.metadata.name, 'dry');
    assert.ok(dryCreate.object.metadata.uid);
    await rejects(registry.get(ServiceType, 'default', 'dry'), 404, 'NotFound');
    await rejects(registry.create(ServiceType, service('hello'), { dryRun: true }), 409, 'AlreadyExists');

    const changed = structuredClone(created);
    changed.spec.template.spec.containers[0].image = 'img:9';
    const dryUpdate = await registry.update(ServiceType, changed, { dryRun: true });
    assert.equal(dryUpdate.object.spec.template.spec.containers[0].image, 'img:9');
    assert.equal(dryUpdate.object.metadata.generation, 2);
    await registry.patch(ServiceType, 'default', 'hello', 'merge', { metadata: { labels: { x: 'y' } } }, { dryRun: true });
    await registry.delete(ServiceType, 'default', 'hello', { dryRun: true });

    assert.equal(await store.currentResourceVersion(), rv);
    assert.deepEqual(await registry.get(ServiceType, 'default', 'hello'), created);
  } finally { await close(); }
});

test('unknown fields: Strict rejects, Warn warns and prunes, Ignore prunes silently', async () => {
  const { registry, close } = await newRegistry();
  try {
    const bogus = (name: string) => {
      const s = service(name);
      (s.spec as any).foo = 1;
      (s.spec.template.spec.containers[0] as any).bar = 2;
      return s;
    };
    await rejects(registry.create(ServiceType, bogus('a'), { fieldValidation: 'Strict' }), 400, 'BadRequest',
      'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo", unknown field "spec.template.spec.containers[0].bar"');
    const warned = await registry.create(ServiceType, bogus('b'), { fieldValidation: 'Warn' });
    assert.ok(warned.warnings.includes('unknown field "spec.foo"'), warned.warnings.join('|'));
    assert.equal(warned.object.spec.foo, undefined);
    const ignored = await registry.create(ServiceType, bogus('c'));
    assert.ok(!ignored.warnings.some((w) => w.startsWith('unknown field')));
    assert.equal(ignored.object.spec.foo, undefined);
    // patches are checked on the patched result
    await rejects(registry.patch(ServiceType, 'default', 'c', 'merge', { spec: { foo: 1 } }, { fieldValidation: 'Strict' }),
      400, 'BadRequest', /unknown field "spec.foo"/);
  } finally { await close(); }
});

test('list: namespace, selectors, sorting, 400s', async () => {
  const { registry, close } = await newRegistry();
  try {
    await registry.ensureNamespace('other');
    for (const [ns, name, app] of [['default', 'b', 'x'], ['default', 'a', 'y'], ['other', 'a', 'x']] as const) {
      await registry.create(ServiceType, service(name, 'img', { metadata: { name, namespace: ns, labels: { app } } }));
    }
    const names = (r: { items: KObject[] }) => r.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    assert.deepEqual(names(await registry.list(ServiceType)), ['default/a', 'default/b', 'other/a']);
    assert.deepEqual(names(await registry.list(ServiceType, { namespace: 'default' })), ['default/a', 'default/b']);
    assert.deepEqual(names(await registry.list(ServiceType, { labelSelector: 'app=x' })), ['default/b', 'other/a']);
    assert.deepEqual(names(await registry.list(ServiceType, { labelSelector: 'app notin (x)' })), ['default/a']);
    assert.deepEqual(names(await registry.list(ServiceType, { fieldSelector: 'metadata.name=a' })), ['default/a', 'other/a']);
    assert.deepEqual(names(await registry.list(ServiceType, { fieldSelector: 'metadata.namespace!=default' })), ['other/a']);
    await rejects(registry.list(ServiceType, { fieldSelector: 'spec.x=1' }), 400, 'BadRequest', 'field label not supported: spec.x');
    await rejects(registry.list(ServiceType, { labelSelector: 'app in x' }), 400, 'BadRequest');
    const list = await registry.list(ServiceType);
    assert.ok(Number(list.resourceVersion) >= Math.max(...list.items.map((o) => Number(o.metadata.resourceVersion))));
  } finally { await close(); }
});

test('event field selectors', async () => {
  const { registry, close } = await newRegistry();
  try {
    const ev = (name: string, kind: string, reason: string): KObject => ({
      apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' },
      involvedObject: { kind, name: 'hello', namespace: 'default', uid: 'u1' }, reason, type: 'Normal',
    });
    await registry.create(EventType, ev('e1', 'Service', 'Created'));
    await registry.create(EventType, ev('e2', 'Revision', 'Created'));
    const got = await registry.list(EventType, { fieldSelector: 'involvedObject.kind=Service,involvedObject.name=hello,reason=Created' });
    assert.deepEqual(got.items.map((o) => o.metadata.name), ['e1']);
    await rejects(registry.list(ServiceType, { fieldSelector: 'involvedObject.kind=Service' }), 400, 'BadRequest');
  } finally { await close(); }
});

test('concurrent writers: one wins, the others get 409 (no lost update)', async () => {
  const { registry, close } = await newRegistry();
  try {
    const created = (await registry.create(ServiceType, service('hello'))).object;
    const attempts = ['1', '2', '3'].map((v) => {
      const o = structuredClone(created);
      o.metadata.labels = { v };
      return registry.update(ServiceType, o);
    });
    const results = await Promise.allSettled(attempts);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(results.filter((r) => r.status === 'rejected' && (r.reason as ApiError).code === 409).length, 2);

    // patches without a precondition retry instead of failing
    await Promise.all(['a', 'b', 'c'].map((k) => registry.patch(ServiceType, 'default', 'hello', 'merge', { metadata: { annotations: { [k]: 'x' } } })));
    const final = await registry.get(ServiceType, 'default', 'hello');
    assert.deepEqual(Object.keys(final.metadata.annotations ?? {}).sort(), ['a', 'b', 'c']);
  } finally { await close(); }
});

test('delete: preconditions, 404, deleteCollection', async () => {
  const { registry, close } = await newRegistry();
  try {
    const a = (await registry.create(ServiceType, service('a', 'img', { metadata: { name: 'a', namespace: 'default', labels: { g: '1' } } }))).object;
    await registry.create(ServiceType, service('b', 'img', { metadata: { name: 'b', namespace: 'default', labels: { g: '1' } } }));
    await registry.create(ServiceType, service('c'));
    await rejects(registry.delete(ServiceType, 'default', 'a', { preconditions: { uid: 'wrong' } }), 409, 'Conflict', /UID in precondition: wrong/);
    await rejects(registry.delete(ServiceType, 'default', 'a', { preconditions: { resourceVersion: '1' } }), 409, 'Conflict');
    const deleted = await registry.delete(ServiceType, 'default', 'a', { preconditions: { uid: a.metadata.uid! } });
    assert.equal(deleted.metadata.uid, a.metadata.uid);
    await rejects(registry.delete(ServiceType, 'default', 'a'), 404, 'NotFound');
    const gone = await registry.deleteCollection(ServiceType, { namespace: 'default', labelSelector: 'g=1' });
    assert.deepEqual(gone.map((o) => o.metadata.name), ['b']);
    assert.deepEqual((await registry.list(ServiceType)).items.map((o) => o.metadata.name), ['c']);
  } finally { await close(); }
});

test('an older served version is converted on the way in', async () => {
  const { registry, close } = await newRegistry();
  try {
    const s = service('old');
    s.apiVersion = 'serving.knative.dev/v1beta1';
    const { object } = await registry.create(ServiceType, s);
    assert.equal(object.apiVersion, 'serving.knative.dev/v1');
    await rejects(registry.create(ServiceType, { ...service('bad'), apiVersion: 'serving.knative.dev/v9' }), 400, 'BadRequest');
  } finally { await close(); }
});
