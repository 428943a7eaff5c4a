import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../apis/meta.ts';
import { childName, revisionName } from './configuration/resources/names.ts';
import { makeRevision } from './configuration/resources/revision.ts';
import { makeMetadataPatch } from './route/labeler.ts';
import { makeConfiguration } from './service/resources/configuration.ts';
import { makeRoute } from './service/resources/route.ts';

const service: KObject = {
  apiVersion: 'serving.knative.dev/v1', kind: 'Service',
  metadata: {
    name: 'web', namespace: 'ns', uid: 'svc-uid', generation: 2,
    labels: { team: 'a' },
    annotations: { note: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'serving.knative.dev/rollout-duration': '10s' },
  },
  spec: {
    template: { spec: { containers: [{ image: 'img' }] } },
    traffic: [{ tag: 'cur', revisionName: 'web-00001', percent: 50 }, { latestRevision: true, percent: 50 }],
  },
};

describe('names', () => {
  const cases: [string, string, string][] = [
    ['hello', '-00001', 'hello-00001'],
    ['a'.repeat(57), '-00001', 'a'.repeat(57) + '-00001'],
  ];
  for (const [p, s, want] of cases) it(`childName(${p.length} chars)`, () => assert.equal(childName(p, s), want));

  it('hashes parents that would exceed 63 characters', () => {
    const parent = 'a'.repeat(60);
    const n = childName(parent, '-00001');
    assert.equal(n.length, 63);
    // parent[:31-6] + md5(parent) + suffix
    assert.equal(n, 'a'.repeat(25) + 'cc7ed669cf88f201c3297c6a91e1d18d' + '-00001');
    assert.match(n, /^a{25}[0-9a-f]{32}-00001$/);
    assert.equal(revisionName('hello', 12), 'hello-00012');
  });
});

describe('service children', () => {
  it('makeConfiguration', () => {
    const c = makeConfiguration(service, { apiVersion: '', kind: '', metadata: { annotations: { 'serving.knative.dev/routes': 'other' } } });
    assert.deepEqual(c.metadata.labels, { team: 'a', 'serving.knative.dev/service': 'web', 'serving.knative.dev/serviceUID': 'svc-uid' });
    assert.deepEqual(c.metadata.annotations, { note: 'x', 'serving.knative.dev/routes': 'other,web' });
    assert.deepEqual(c.metadata.ownerReferences, [{ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(c.spec, { template: service.spec.template });
  });

  it('makeRoute', () => {
    const r = makeRoute(service);
    assert.deepEqual(r.metadata.labels, { team: 'a', 'serving.knative.dev/service': 'web' });
    assert.deepEqual(r.metadata.annotations, { note: 'x', 'serving.knative.dev/rollout-duration': '10s' });
    assert.deepEqual(r.spec.traffic, [
      { tag: 'cur', revisionName: 'web-00001', percent: 50 },
      { latestRevision: true, percent: 50, configurationName: 'web' },
    ]);
  });
});

describe('makeRevision', () => {
  const config: KObject = {
    apiVersion: 'serving.knative.dev/v1', kind: 'Configuration',
    metadata: {
      name: 'web', namespace: 'ns', uid: 'cfg-uid', generation: 3,
      labels: { 'serving.knative.dev/service': 'web', 'serving.knative.dev/serviceUID': 'svc-uid' },
      annotations: { 'serving.knative.dev/lastModifier': 'alice', 'serving.knative.dev/routes': 'web' },
    },
    spec: { template: { metadata: { labels: { app: 'x' }, annotations: { a: 'b' } }, spec: { containers: [{ image: 'img' }] } } },
  };
  it('labels, annotations, owner, name', () => {
    const rev = makeRevision(config, new Date('2024-02-03T04:05:06.789Z'));
    assert.equal(rev.metadata.name, 'web-00003');
    assert.deepEqual(rev.metadata.labels, {
      app: 'x', 'serving.knative.dev/routingState': 'active', 'serving.knative.dev/configuration': 'web',
      'serving.knative.dev/service': 'web', 'serving.knative.dev/configurationGeneration': '3',
      'serving.knative.dev/configurationUID': 'cfg-uid', 'serving.knative.dev/serviceUID': 'svc-uid',
    });
    assert.deepEqual(rev.metadata.annotations, {
      a: 'b', 'serving.knative.dev/routingStateModified': '2024-02-03T04:05:06Z',
      'serving.knative.dev/creator': 'alice', 'serving.knative.dev/routes': 'web',
    });
    assert.deepEqual(rev.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]), [['Configuration', 'web', 'cfg-uid', true]]);
    assert.deepEqual(rev.spec, config.spec.template.spec);
  });
  it('pending without routes, BYO name kept', () => {
    const c = structuredClone(config);
    delete c.metadata.annotations!['serving.knative.dev/routes'];
    c.spec.template.metadata.name = 'web-blue';
    const rev = makeRevision(c, new Date(0));
    assert.equal(rev.metadata.name, 'web-blue');
    assert.equal(rev.metadata.labels!['serving.knative.dev/routingState'], 'pending');
  });
});

describe('labeler patches', () => {
  const rev = (ann: Record<string, string>, state: string): KObject => ({ apiVersion: 'v', kind: 'Revision', metadata: { annotations: ann, labels: { 'serving.knative.dev/routingState': state } } });
  const now = new Date('2024-01-01T00:00:00Z');
  it('adds the route and activates', () => {
    assert.deepEqual(makeMetadataPatch(rev({}, 'pending'), 'r', true, false, now), { metadata: {
      labels: { 'serving.knative.dev/routingState': 'active' },
      annotations: { 'serving.knative.dev/routes': 'r', 'serving.knative.dev/routingStateModified': '2024-01-01T00:00:00Z' } } });
  });
  it('removing the last route moves to reserve', () => {
    assert.deepEqual(makeMetadataPatch(rev({ 'serving.knative.dev/routes': 'r' }, 'active'), 'r', true, true, now), { metadata: {
      labels: { 'serving.knative.dev/routingState': 'reserve' },
      annotations: { 'serving.knative.dev/routes': null, 'serving.knative.dev/routingStateModified': '2024-01-01T00:00:00Z' } } });
  });
  it('no-op when already labelled', () => {
    assert.equal(makeMetadataPatch(rev({ 'serving.knative.dev/routes': 'a,r' }, 'active'), 'r', true, false, now), undefined);
    assert.deepEqual(makeMetadataPatch(rev({ 'serving.knative.dev/routes': 'a,r' }, 'active'), 'r', true, true, now),
      { metadata: { annotations: { 'serving.knative.dev/routes': 'a' } } });
  });
});
