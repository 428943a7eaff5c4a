import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { fromStorageVersion, toStorageVersion } from './conversion.ts';
import { admit } from './admission.ts';
import { ApiError } from '../../lib/errors.ts';
import { ConfigurationType, NamespaceType, RevisionType, RouteType, ServiceType } from '../resources.ts';
import type { KObject } from '../meta.ts';

const PREFIX = 'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: ';
const template = { spec: { container: { image: 'img' } } };

function alphaService(spec: unknown): KObject {
  return { apiVersion: 'serving.knative.dev/v1alpha1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec };
}

function conversionError(obj: KObject, type = ServiceType): string {
  try { toStorageVersion(type, obj); } catch (e) {
    assert.ok(ApiError.isApiError(e));
    assert.equal(e.code, 400);
    assert.ok(e.message.startsWith(PREFIX), e.message);
    return e.message.slice(PREFIX.length);
  }
  assert.fail('expected a conversion error');
}

test('runLatest → template + 100% latest; revisionTemplate and single container are accepted', () => {
  const v1 = toStorageVersion(ServiceType, alphaService({ runLatest: { configuration: { revisionTemplate: template } } }));
  assert.equal(v1.apiVersion, 'serving.knative.dev/v1');
  assert.deepEqual(v1.spec, { template: { spec: { containers: [{ image: 'img' }] } }, traffic: [{ percent: 100, latestRevision: true }] });
});

test('release with two revisions and rolloutPercent', () => {
  const v1 = toStorageVersion(ServiceType, alphaService({ release: { revisions: ['s-a', 's-b'], rolloutPercent: 10, configuration: { template } } }));
  assert.deepEqual(v1.spec.traffic, [
    { revisionName: 's-a', percent: 90, tag: 'current' },
    { revisionName: 's-b', percent: 10, tag: 'candidate' },
    { tag: 'latest', latestRevision: true },
  ]);
});

test('release with one revision, and @latest', () => {
  const one = toStorageVersion(ServiceType, alphaService({ release: { revisions: ['s-a'], configuration: { template } } }));
  assert.deepEqual(one.spec.traffic, [{ revisionName: 's-a', percent: 100, tag: 'current' }, { tag: 'latest', latestRevision: true }]);
  const latest = toStorageVersion(ServiceType, alphaService({ release: { revisions: ['s-a', '@latest'], rolloutPercent: 50, configuration: { template } } }));
  assert.deepEqual(latest.spec.traffic[1], { percent: 50, tag: 'candidate', latestRevision: true });
  // The converted object passes v1 admission.
  assert.doesNotThrow(() => admit({ operation: 'CREATE', type: ServiceType, object: latest }));
});

test('release validation messages', () => {
  assert.equal(conversionError(alphaService({ release: { revisions: ['s-a'], rolloutPercent: 10, configuration: { template } } })),
    'may not set rolloutPercent for a single revision: spec.release.rolloutPercent');
  assert.equal(conversionError(alphaService({ release: { revisions: ['s-a', 's-b'], rolloutPercent: 100, configuration: { template } } })),
    'expected 0 <= 100 <= 99: spec.release.rolloutPercent');
  assert.equal(conversionError(alphaService({ release: { revisions: ['a', 'b', 'c'], configuration: { template } } })),
    'expected 1 <= 3 <= 2: spec.release.revisions');
  assert.equal(conversionError(alphaService({ release: { revisions: [], configuration: { template } } })),
    'missing field(s): spec.release.revisions');
});

test('pinned → 100% to the revision; revisionName required', () => {
  const v1 = toStorageVersion(ServiceType, alphaService({ pinned: { revisionName: 's-a', configuration: { template } } }));
  assert.deepEqual(v1.spec.traffic, [{ revisionName: 's-a', percent: 100 }]);
  assert.equal(conversionError(alphaService({ pinned: { configuration: { template } } })), 'missing field(s): spec.pinned.revisionName');
});

test('manual is refused; modes are exclusive; one is required', () => {
  assert.equal(conversionError(alphaService({ manual: {} })), 'must not set the field(s): spec.manual');
  assert.equal(conversionError(alphaService({ runLatest: { configuration: { template } }, template })),
    'expected exactly one, got both: spec.runLatest, spec.template');
  assert.equal(conversionError(alphaService({ runLatest: { configuration: { template } }, traffic: [{ percent: 100 }] })),
    'expected exactly one, got both: spec.runLatest, spec.traffic');
  assert.equal(conversionError(alphaService({})), 'expected exactly one, got neither: spec.pinned, spec.release, spec.runLatest, spec.template');
  assert.equal(conversionError(alphaService({ runLatest: {} })), 'missing field(s): spec.runLatest.configuration');
});

test('template/revisionTemplate and container/containers are each exactly-one-of', () => {
  assert.equal(conversionError(alphaService({ runLatest: { configuration: { template, revisionTemplate: template } } })),
    'expected exactly one, got both: spec.runLatest.configuration.revisionTemplate, spec.runLatest.configuration.template');
  const cfg: KObject = { apiVersion: 'serving.knative.dev/v1alpha1', kind: 'Configuration', metadata: { name: 'c' },
    spec: { revisionTemplate: { spec: { container: { image: 'a' }, containers: [{ image: 'b' }] } } } };
  assert.equal(conversionError(cfg, ConfigurationType),
    'expected exactly one, got both: spec.revisionTemplate.spec.container, spec.revisionTemplate.spec.containers');
  const rev: KObject = { apiVersion: 'serving.knative.dev/v1alpha1', kind: 'Revision', metadata: { name: 'r' }, spec: {} };
  assert.equal(conversionError(rev, RevisionType), 'expected exactly one, got neither: spec.container, spec.containers');
  assert.equal(conversionError({ ...cfg, spec: { build: {}, template } }, ConfigurationType), 'build cannot be migrated forward.: spec.build');
  assert.equal(conversionError({ ...cfg, spec: { template: {} } }, ConfigurationType),
    'expected exactly one, got neither: spec.template.spec.container, spec.template.spec.containers');
});

test('TrafficTarget name is the old tag', () => {
  const rt: KObject = { apiVersion: 'serving.knative.dev/v1alpha1', kind: 'Route', metadata: { name: 'r' },
    spec: { traffic: [{ name: 'blue', revisionName: 'a', percent: 100 }] } };
  assert.deepEqual(toStorageVersion(RouteType, rt).spec.traffic, [{ tag: 'blue', revisionName: 'a', percent: 100 }]);
  rt.spec.traffic[0].tag = 'green';
  assert.equal(conversionError(rt, RouteType), 'expected exactly one, got both: spec.traffic[0].name, spec.traffic[0].tag');
});

test('v1beta1 and v1 only change apiVersion; inputs are not mutated', () => {
  const obj: KObject = { apiVersion: 'serving.knative.dev/v1beta1', kind: 'Route', metadata: { name: 'r' }, spec: { traffic: [] } };
  const v1 = toStorageVersion(RouteType, obj);
  assert.equal(v1.apiVersion, 'serving.knative.dev/v1');
  assert.equal(obj.apiVersion, 'serving.knative.dev/v1beta1');
  assert.equal(fromStorageVersion(RouteType, v1, 'v1beta1').apiVersion, 'serving.knative.dev/v1beta1');
});

test('v1 → v1alpha1 keeps the v1 shape and adds deprecated route status fields', () => {
  const stored: KObject = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' },
    spec: { template: { spec: { containers: [{ image: 'a' }] } }, traffic: [] },
    status: { url: 'http://s.ns.example.com', address: { url: 'http://s.ns.svc.cluster.local' } } };
  const alpha = fromStorageVersion(ServiceType, stored, 'v1alpha1');
  assert.equal(alpha.apiVersion, 'serving.knative.dev/v1alpha1');
  assert.deepEqual(alpha.spec, stored.spec);
  assert.equal(alpha.status.domain, 's.ns.example.com');
  assert.equal(alpha.status.domainInternal, 's.ns.svc.cluster.local');
  assert.equal(alpha.status.address.hostname, 's.ns.svc.cluster.local');
  assert.equal(stored.status.domain, undefined);
  // ...and the deprecated fields are dropped on the way back.
  const back = toStorageVersion(ServiceType, alpha);
  assert.deepEqual(back.status, stored.status);
});

test('core types pass through with their apiVersion', () => {
  const ns: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } };
  assert.deepEqual(toStorageVersion(NamespaceType, ns), ns);
  assert.deepEqual(fromStorageVersion(NamespaceType, ns, 'v1'), ns);
});

// --- The seed manifests, applied in order as kubectl apply would (JSON merge patch over the live object).

function mergePatchFor(from: any, to: any): any {
  const patch: any = {};
  for (const k of new Set([...Object.keys(from ?? {}), ...Object.keys(to ?? {})])) {
    const a = from?.[k]; const b = to?.[k];
    if (b === undefined) patch[k] = null;
    else if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const sub = mergePatchFor(a, b);
      if (Object.keys(sub).length > 0) patch[k] = sub;
    } else if (JSON.stringify(a) !== JSON.stringify(b)) patch[k] = b;
  }
  return patch;
}

function applyMergePatch(target: any, patch: any): any {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]; else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

function seed(name: string): KObject {
  return parse(readFileSync(new URL(`../../../test/fixtures/seed/${name}.yaml`, import.meta.url), 'utf8'));
}

test('seed manifests convert and pass admission end to end', () => {
  let live: KObject | undefined;
  let lastApplied: KObject | undefined;
  const revisions: string[] = [];
  for (const name of ['revision-v1', 'revision-v2', 'revision-v3', 'revision-v3-2']) {
    const manifest = seed(name);
    assert.equal(manifest.apiVersion, 'serving.knative.dev/v1alpha1');
    const desired = toStorageVersion(ServiceType, manifest);
    assert.deepEqual(desired.spec, manifest.spec, `${name}: v1alpha1 template/traffic form converts unchanged`);
    const object = live ? applyMergePatch(live, mergePatchFor(lastApplied, desired)) : desired;
    const { object: stored } = admit({ operation: live ? 'UPDATE' : 'CREATE', type: ServiceType, object, oldObject: live, username: 'kubernetes-admin' });
    revisions.push(stored.spec.template.metadata.name);
    assert.equal(stored.metadata.annotations!['serving.knative.dev/creator'], 'kubernetes-admin');
    // The containers list is stored exactly as applied, so re-applying the file changes nothing.
    assert.deepEqual(stored.spec.template.spec.containers, desired.spec.template.spec.containers);
    const sum = stored.spec.traffic.reduce((n: number, t: any) => n + t.percent, 0);
    assert.equal(sum, 100);
    lastApplied = desired;
    live = stored;
    // Reading back as v1alpha1 gives the same spec the user applied (plus defaults).
    assert.equal(fromStorageVersion(ServiceType, stored, 'v1alpha1').spec.template.metadata.name, manifest.spec.template.metadata.name);
  }
  assert.deepEqual(revisions, ['stock-service-example-v1', 'stock-service-example-v2', 'stock-service-example-v3', 'stock-service-example-v3']);
  assert.deepEqual(live!.spec.traffic, [
    { tag: 'v1', revisionName: 'stock-service-example-v1', percent: 40 },
    { tag: 'v2', revisionName: 'stock-service-example-v2', percent: 30 },
    { tag: 'v3', revisionName: 'stock-service-example-v3', percent: 30 },
    { tag: 'latest', latestRevision: true, percent: 0 },
  ]);
});

test('seed v3 with a different image but the same name is refused (BYO name rule)', () => {
  const first = admit({ operation: 'CREATE', type: ServiceType, object: toStorageVersion(ServiceType, seed('revision-v3')) }).object;
  const changed = structuredClone(first);
  changed.spec.template.spec.containers[0].env[0].value = 'v4';
  assert.throws(() => admit({ operation: 'UPDATE', type: ServiceType, object: changed, oldObject: first }),
    (e: any) => e.message.includes('Saw the following changes without a name change (-old +new): spec.template.metadata.name'));
});
