import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResourcePath } from './paths.ts';

test('namespaced item and collection under a served serving version', () => {
  const item = parseResourcePath('/apis/serving.knative.dev/v1beta1/namespaces/default/services/hello');
  assert.equal(item?.type.kind, 'Service');
  assert.equal(item?.version, 'v1beta1');
  assert.equal(item?.namespace, 'default');
  assert.equal(item?.name, 'hello');
  assert.equal(item?.subresource, undefined);

  const coll = parseResourcePath('/apis/serving.knative.dev/v1/namespaces/ns1/revisions');
  assert.deepEqual([coll?.type.plural, coll?.namespace, coll?.name], ['revisions', 'ns1', undefined]);
});

test('status subresource and all-namespaces collection', () => {
  const st = parseResourcePath('/apis/serving.knative.dev/v1/namespaces/default/routes/r/status');
  assert.equal(st?.subresource, 'status');
  assert.equal(st?.name, 'r');
  const all = parseResourcePath('/apis/serving.knative.dev/v1/services');
  assert.deepEqual([all?.type.plural, all?.namespace, all?.name], ['services', '', undefined]);
});

test('core namespaces (cluster-scoped) and events (namespaced)', () => {
  assert.deepEqual(
    (({ type, namespace, name, subresource }) => [type.plural, namespace, name, subresource])(parseResourcePath('/api/v1/namespaces/default')!),
    ['namespaces', '', 'default', undefined]);
  assert.equal(parseResourcePath('/api/v1/namespaces/default/status')?.subresource, 'status');
  const ev = parseResourcePath('/api/v1/namespaces/default/events');
  assert.deepEqual([ev?.type.plural, ev?.namespace], ['events', 'default']);
  assert.equal(parseResourcePath('/api/v1/events')?.namespace, '');
  assert.equal(parseResourcePath('/api/v1/namespaces')?.name, undefined);
});

test('unknown group, version, resource or shape is not a resource path', () => {
  for (const p of [
    '/apis/apps/v1/namespaces/default/deployments',
    '/apis/serving.knative.dev/v2/namespaces/default/services',
    '/apis/serving.knative.dev/v1/namespaces/default/widgets',
    '/apis/serving.knative.dev/v1/services/hello',
    '/apis/serving.knative.dev/v1/namespaces/default/services/hello/scale',
    '/api/v1/namespaces/default/events/e/status',
    '/api/v1/namespaces/default/configmaps',
    '/api/v2/namespaces',
    '/apis/serving.knative.dev/v1',
    '/foo',
  ]) {
    assert.equal(parseResourcePath(p), undefined, p);
  }
});

test('core v1 services are the compatibility Services, not Knative ones', () => {
  const p = parseResourcePath('/api/v1/namespaces/istio-system/services/istio-ingressgateway/status');
  assert.deepEqual([p?.type.group, p?.type.kind, p?.namespace, p?.name, p?.subresource], ['', 'Service', 'istio-system', 'istio-ingressgateway', 'status']);
});
