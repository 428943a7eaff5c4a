import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceType } from '../apis/resources.ts';
import { collector, newRegistry, service } from './testing.ts';

test('watch from 0 replays current objects as ADDED, then streams live changes in order', async () => {
  const { registry, close } = await newRegistry();
  try {
    await registry.create(ServiceType, service('b'));
    await registry.create(ServiceType, service('a'));
    const c = collector();
    const w = await registry.watch(ServiceType, { namespace: 'default', resourceVersion: '0' }, c.onEvent, c.onEnd);
    await registry.patch(ServiceType, 'default', 'a', 'merge', { metadata: { labels: { x: '1' } } });
    await registry.delete(ServiceType, 'default', 'b');
    await c.until((evs) => evs.length >= 4);
    assert.deepEqual(c.summary(), ['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b']);
    w.stop();
  } finally { await close(); }
});

test('watch from a list RV misses nothing written after the list', async () => {
  const { registry, close } = await newRegistry();
  try {
    await registry.create(ServiceType, service('a'));
    const list = await registry.list(ServiceType);
    await registry.create(ServiceType, service('b'));  // between list and watch
    const c = collector();
    const w = await registry.watch(ServiceType, { resourceVersion: list.resourceVersion }, c.onEvent);
    await registry.create(ServiceType, service('c'));
    await c.until((evs) => evs.length >= 2);
    assert.deepEqual(c.summary(), ['ADDED b', 'ADDED c']);
    w.stop();
  } finally { await close(); }
});

test('label selector transitions: leaving the selection is DELETED, entering it is ADDED', async () => {
  const { registry, close } = await newRegistry();
  try {
    await registry.create(ServiceType, service('s', 'img', { metadata: { name: 's', namespace: 'default', labels: { app: 'x' } } }));
    await registry.create(ServiceType, service('other'));
    for (const start of ['0', undefined]) {
      const c = collector();
      const w = await registry.watch(ServiceType, { labelSelector: 'app=x', resourceVersion: start }, c.onEvent);
      await c.until((evs) => evs.length >= 1);
      await registry.patch(ServiceType, 'default', 's', 'merge', { metadata: { labels: { app: 'y' } } });
      await registry.patch(ServiceType, 'default', 'other', 'merge', { metadata: { annotations: { n: start ?? 'u' } } });
      await registry.patch(ServiceType, 'default', 's', 'merge', { metadata: { labels: { app: 'x' } } });
      await registry.patch(ServiceType, 'default', 's', 'merge', { metadata: { annotations: { touched: start ?? 'u' } } });
      await c.until((evs) => evs.length >= 4);
      assert.deepEqual(c.summary(), ['ADDED s', 'DELETED s', 'ADDED s', 'MODIFIED s']);
      w.stop();
    }
  } finally { await close(); }
});

test('field selector metadata.name filters events', async () => {
  const { registry, close } = await newRegistry();
  try {
    const c = collector();
    const w = await registry.watch(ServiceType, { fieldSelector: 'metadata.name=b' }, c.onEvent);
    await registry.create(ServiceType, service('a'));
    await registry.create(ServiceType, service('b'));
    await registry.delete(ServiceType, 'default', 'a');
    await registry.delete(ServiceType, 'default', 'b');
    await c.until((evs) => evs.length >= 2);
    assert.deepEqual(c.summary(), ['ADDED b', 'DELETED b']);
    w.stop();
  } finally { await close(); }
});

test('a too-old resourceVersion yields one 410 Expired ERROR event and ends', async () => {
  const { registry, close } = await newRegistry({ historyLimit: 2 });
  try {
    for (const n of ['a', 'b', 'c', 'd']) await registry.create(ServiceType, service(n));
    const c = collector();
    await registry.watch(ServiceType, { resourceVersion: '1' }, c.onEvent, c.onEnd);
    await c.until(() => c.ended);
    assert.equal(c.events.length, 1);
    const ev = c.events[0]!;
    assert.equal(ev.type, 'ERROR');
    assert.equal(ev.object.kind, 'Status');
    assert.equal((ev.object as any).code, 410);
    assert.equal((ev.object as any).reason, 'Expired');
    assert.match((ev.object as any).message, /^too old resource version: 1 \(\d+\)$/);
  } finally { await close(); }
});

test('a bad selector is rejected before watching', async () => {
  const { registry, close } = await newRegistry();
  try {
    await assert.rejects(registry.watch(ServiceType, { labelSelector: '!' }, () => {}), (e: any) => e.code === 400);
  } finally { await close(); }
});
