import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RevisionType, ServiceType } from '../apis/resources.ts';
import { newRegistry, service } from '../registry/testing.ts';
import { LiveState, type LiveChange } from './live-state.ts';

function until(state: LiveState, pred: (c: LiveChange) => boolean): Promise<LiveChange> {
  return new Promise((resolve) => {
    const off = state.onChange((c) => { if (pred(c)) { off(); resolve(c); } });
  });
}

test('lists, then follows Services and Revisions; history records creations, traffic changes and deletions', async () => {
  const reg = await newRegistry();
  const client = reg.registry;
  const state = await LiveState.start(client, { clock: () => new Date('2030-01-01T00:00:00Z') });
  try {
    assert.deepEqual(state.snapshot().services, []);
    const created = until(state, (c) => c.type === 'upsert' && c.kind === 'service');
    await client.create(ServiceType, service('web'));
    await created;
    assert.equal(state.services.get('default/web')?.specTraffic[0]?.latestRevision, true, 'the defaulted split');

    const revisionSeen = until(state, (c) => c.type === 'history' && c.entry.kind === 'revision-created');
    await client.create(RevisionType, {
      apiVersion: 'serving.knative.dev/v1', kind: 'Revision',
      metadata: { name: 'web-00001', namespace: 'default', labels: { 'serving.knative.dev/service': 'web', 'serving.knative.dev/configurationGeneration': '1' } },
      spec: { containers: [{ image: 'img:v1' }] },
    });
    const revEntry = await revisionSeen;
    assert.equal(revEntry.type === 'history' && revEntry.entry.message, 'Revision web-00001 created (img:v1)');
    assert.equal(state.revisions.get('default/web-00001')?.generation, 1);

    const trafficSeen = until(state, (c) => c.type === 'history' && c.entry.kind === 'traffic');
    const svc = await client.get(ServiceType, 'default', 'web');
    await client.updateStatus(ServiceType, { ...svc, status: { traffic: [{ revisionName: 'web-00001', percent: 100, latestRevision: true }] } });
    const traffic = await trafficSeen;
    assert.deepEqual(traffic.type === 'history' && [traffic.entry.message, traffic.entry.at], ['Traffic: web-00001 100%', '2030-01-01T00:00:00Z']);

    // A status write that leaves the split as it was adds nothing.
    const latest = await client.get(ServiceType, 'default', 'web');
    const sameSplit = until(state, (c) => c.type === 'upsert' && c.kind === 'service' && c.view.url === 'http://web.default.example.com');
    await client.updateStatus(ServiceType, { ...latest, status: { ...latest.status, url: 'http://web.default.example.com' } });
    await sameSplit;
    assert.equal(state.history.filter((h) => h.kind === 'traffic').length, 1);

    const deleted = until(state, (c) => c.type === 'delete' && c.kind === 'service');
    await client.delete(ServiceType, 'default', 'web');
    await deleted;
    assert.deepEqual(state.history.map((h) => h.kind), ['service-created', 'revision-created', 'traffic', 'service-deleted']);
    assert.equal(state.services.size, 0);
  } finally {
    state.close();
    await reg.close();
  }
});

test('objects that exist at start are listed, with their creation in the history at their own times', async () => {
  const reg = await newRegistry({ clock: () => new Date('2029-05-05T10:00:00Z') });
  await reg.registry.create(ServiceType, service('early'));
  const state = await LiveState.start(reg.registry);
  try {
    assert.deepEqual(state.snapshot().services.map((s) => s.name), ['early']);
    assert.deepEqual(state.history.map((h) => [h.kind, h.at]), [['service-created', '2029-05-05T10:00:00Z']]);
  } finally {
    state.close();
    await reg.close();
  }
});
