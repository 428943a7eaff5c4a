import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openApiDocument, openApiDocumentJson, openApiIndex } from './openapi.ts';

const index = openApiIndex() as { paths: Record<string, { serverRelativeURL: string }> };

test('the index lists every served group-version with a hash of its document', () => {
  assert.deepEqual(Object.keys(index.paths).sort(), [
    'api/v1', 'apis/serving.knative.dev/v1', 'apis/serving.knative.dev/v1alpha1', 'apis/serving.knative.dev/v1beta1',
  ]);
  for (const [path, { serverRelativeURL }] of Object.entries(index.paths)) {
    const hash = createHash('sha256').update(openApiDocumentJson(path)!).digest('hex').toUpperCase();
    assert.equal(serverRelativeURL, `/openapi/v3/${path}?hash=${hash}`);
  }
});

test('documents are deterministic and cached', () => {
  assert.equal(openApiDocument('apis/serving.knative.dev/v1'), openApiDocument('/apis/serving.knative.dev/v1'));
  assert.equal(JSON.stringify(openApiDocument('apis/serving.knative.dev/v1')), openApiDocumentJson('apis/serving.knative.dev/v1'));
  assert.equal(openApiDocument('apis/serving.knative.dev/v2'), undefined);
  assert.equal(openApiDocument('apis/apps/v1'), undefined);
});

test('each serving resource has a patch operation kubectl recognises as field-validating', () => {
  for (const version of ['v1', 'v1beta1', 'v1alpha1']) {
    const doc = openApiDocument(`apis/serving.knative.dev/${version}`) as any;
    for (const [plural, kind] of [['services', 'Service'], ['configurations', 'Configuration'], ['revisions', 'Revision'], ['routes', 'Route']]) {
      const item = doc.paths[`/apis/serving.knative.dev/${version}/namespaces/{namespace}/${plural}/{name}`];
      assert.ok(item.get && item.put && item.delete && item.patch, `${version} ${plural}`);
      assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: 'serving.knative.dev', version, kind });
      const names = item.patch.parameters.map((p: any) => p.name);
      for (const p of ['fieldValidation', 'dryRun', 'fieldManager', 'force']) assert.ok(names.includes(p), p);
      assert.deepEqual(Object.keys(item.patch.requestBody.content).sort(),
        ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
      assert.ok(doc.paths[`/apis/serving.knative.dev/${version}/namespaces/{namespace}/${plural}`].post);
      assert.ok(doc.paths[`/apis/serving.knative.dev/${version}/${plural}`].get);
      assert.ok(doc.paths[`/apis/serving.knative.dev/${version}/namespaces/{namespace}/${plural}/{name}/status`].patch);
      const schema = doc.components.schemas[`dev.knative.serving.${version}.${kind}`];
      assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'serving.knative.dev', kind, version }]);
      assert.equal(schema.type, 'object');
      assert.ok(schema.description);
      assert.deepEqual(Object.keys(schema.properties), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    }
    assert.ok(!JSON.stringify(doc).includes('strategic-merge-patch'));
  }
});

test('every $ref in a document resolves inside it', () => {
  for (const path of Object.keys(index.paths)) {
    const json = openApiDocumentJson(path)!;
    const doc = JSON.parse(json);
    const refs = [...json.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    assert.ok(refs.length > 0);
    for (const ref of refs) assert.ok(doc.components.schemas[ref], `${path}: ${ref}`);
  }
});

test('metadata refers to ObjectMeta and the explainable paths exist', () => {
  const doc = openApiDocument('apis/serving.knative.dev/v1') as any;
  const svc = doc.components.schemas['dev.knative.serving.v1.Service'];
  assert.deepEqual(svc.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  assert.ok(svc.properties.spec.properties.traffic.items.properties.percent);
  assert.ok(svc.properties.spec.properties.template.properties.spec.properties.containers.items.properties.image);
  assert.ok(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.labels);
  const alpha = openApiDocument('apis/serving.knative.dev/v1alpha1') as any;
  assert.ok(alpha.components.schemas['dev.knative.serving.v1alpha1.Service'].properties.spec.properties.runLatest);
  assert.equal(svc.properties.spec.properties.runLatest, undefined);
});

test('core v1 document: cluster-scoped namespaces and namespaced events', () => {
  const doc = openApiDocument('api/v1') as any;
  assert.ok(doc.paths['/api/v1/namespaces/{name}'].patch);
  assert.deepEqual(doc.paths['/api/v1/namespaces/{name}'].patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Namespace' });
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/events/{name}'].patch);
  assert.ok(doc.paths['/api/v1/events'].get);
  assert.equal(doc.paths['/api/v1/namespaces/{namespace}/events/{name}/status'], undefined);
  assert.deepEqual(doc.components.schemas['io.k8s.api.core.v1.Event']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Event', version: 'v1' }]);
});
