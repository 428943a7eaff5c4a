import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../apis/meta.ts';
import { ConfigurationType, EventType, NamespaceType, RevisionType, RouteType, ServiceType } from '../apis/resources.ts';
import type { Registry } from './registry.ts';
import { newRegistry, service } from './testing.ts';

const owner = (o: KObject) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true });

async function chain(registry: Registry, ns = 'default') {
  const svc = (await registry.create(ServiceType, { ...service('hello'), metadata: { name: 'hello', namespace: ns } })).object;
  const cfg = (await registry.create(ConfigurationType, {
    apiVersion: 'serving.knative.dev/v1', kind: 'Configuration',
    metadata: { name: 'hello', namespace: ns, ownerReferences: [owner(svc)] },
    spec: { template: { spec: { containers: [{ image: 'img' }] } } },
  })).object;
  const route = (await registry.create(RouteType, {
    apiVersion: 'serving.knative.dev/v1', kind: 'Route',
    metadata: { name: 'hello', namespace: ns, ownerReferences: [owner(svc)] },
    spec: { traffic: [{ configurationName: 'hello', percent: 100 }] },
  })).object;
  const revs: KObject[] = [];
  for (const n of ['hello-00001', 'hello-00002']) {
    revs.push((await registry.create(RevisionType, {
      apiVersion: 'serving.knative.dev/v1', kind: 'Revision',
      metadata: { name: n, namespace: ns, ownerReferences: [owner(cfg)] },
      spec: { containers: [{ image: 'img' }] },
    })).object);
  }
  return { svc, cfg, route, revs };
}

const count = async (registry: Registry) => {
  const out: Record<string, number> = {};
  for (const t of [ServiceType, ConfigurationType, RouteType, RevisionType]) out[t.plural] = (await registry.list(t)).items.length;
  return out;
};

test('deleting a Service cascades to Configuration, Route and Revisions', async () => {
  const { registry, gcErrors, close } = await newRegistry();
  try {
    await chain(registry);
    const bystander = (await registry.create(RevisionType, {
      apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: 'lonely', namespace: 'default' },
      spec: { containers: [{ image: 'img' }] },
    })).object;
    await registry.delete(ServiceType, 'default', 'hello');
    await registry.gcIdle();
    assert.deepEqual(await count(registry), { services: 0, configurations: 0, routes: 0, revisions: 1 });
    assert.equal((await registry.get(RevisionType, 'default', 'lonely')).metadata.uid, bystander.metadata.uid);
    assert.deepEqual(gcErrors, []);
  } finally { await close(); }
});

test('Orphan propagation keeps dependents and strips the owner reference', async () => {
  const { registry, close } = await newRegistry();
  try {
    const { cfg } = await chain(registry);
    await registry.delete(ConfigurationType, 'default', 'hello', { propagationPolicy: 'Orphan' });
    await registry.gcIdle();
    const revs = (await registry.list(RevisionType)).items;
    assert.equal(revs.length, 2);
    for (const r of revs) assert.equal(r.metadata.ownerReferences, undefined, `${r.metadata.name} still points at ${cfg.metadata.uid}`);
    assert.equal((await registry.list(ServiceType)).items.length, 1);
  } finally { await close(); }
});

test('a dependent with another live owner only loses the reference', async () => {
  const { registry, close } = await newRegistry();
  try {
    const { svc, cfg } = await chain(registry);
    const shared = (await registry.create(RevisionType, {
      apiVersion: 'serving.knative.dev/v1', kind: 'Revision',
      metadata: { name: 'shared', namespace: 'default', ownerReferences: [owner(cfg), { ...owner(svc), controller: false }] },
      spec: { containers: [{ image: 'img' }] },
    })).object;
    await registry.delete(ConfigurationType, 'default', 'hello');
    await registry.gcIdle();
    const kept = await registry.get(RevisionType, 'default', 'shared');
    assert.equal(kept.metadata.uid, shared.metadata.uid);
    assert.deepEqual(kept.metadata.ownerReferences!.map((r) => r.uid), [svc.metadata.uid]);
    assert.equal((await registry.list(RevisionType)).items.length, 1);
  } finally { await close(); }
});

test('deleting a Namespace deletes everything in it, and nothing elsewhere', async () => {
  const { registry, close } = await newRegistry();
  try {
    await registry.ensureNamespace('doomed');
    await chain(registry, 'doomed');
    await chain(registry, 'default');
    await registry.create(EventType, { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'doomed' }, reason: 'r' });
    await registry.delete(NamespaceType, '', 'doomed');
    await registry.gcIdle();
    assert.deepEqual(await count(registry), { services: 1, configurations: 1, routes: 1, revisions: 2 });
    assert.equal((await registry.list(EventType)).items.length, 0);
    assert.deepEqual((await registry.list(NamespaceType)).items.map((n) => n.metadata.name), ['default']);
  } finally { await close(); }
});
