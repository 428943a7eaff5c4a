import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventType, ServiceType } from '../apis/resources.ts';
import { recordEvent } from './events.ts';
import { newRegistry, service } from './testing.ts';

test('recordEvent creates an Event, then aggregates repeats into count/lastTimestamp', async () => {
  const { registry, close } = await newRegistry();
  try {
    const svc = (await registry.create(ServiceType, service('hello'))).object;
    let now = new Date('2024-05-01T10:00:00Z');
    const clock = () => now;
    const first = await recordEvent(registry, svc, 'Normal', 'Created', 'Created Configuration "hello"', 'service-controller', clock);
    assert.match(first.metadata.name!, /^hello\.[0-9a-f]{16}$/);
    assert.equal(first.metadata.namespace, 'default');
    assert.equal(first.count, 1);
    assert.deepEqual(first.involvedObject, {
      apiVersion: 'serving.knative.dev/v1', kind: 'Service', namespace: 'default', name: 'hello',
      uid: svc.metadata.uid, resourceVersion: svc.metadata.resourceVersion,
    });
    assert.deepEqual(first.source, { component: 'service-controller' });
    assert.equal(first.firstTimestamp, '2024-05-01T10:00:00Z');

    now = new Date('2024-05-01T10:05:00Z');
    const again = await recordEvent(registry, svc, 'Normal', 'Created', 'Created Configuration "hello"', 'service-controller', clock);
    assert.equal(again.metadata.name, first.metadata.name);
    assert.equal(again.count, 2);
    assert.equal(again.firstTimestamp, '2024-05-01T10:00:00Z');
    assert.equal(again.lastTimestamp, '2024-05-01T10:05:00Z');

    const other = await recordEvent(registry, svc, 'Warning', 'InternalError', 'boom', 'service-controller', clock);
    assert.notEqual(other.metadata.name, first.metadata.name);
    const listed = await registry.list(EventType, { fieldSelector: 'involvedObject.name=hello,type=Warning' });
    assert.deepEqual(listed.items.map((e) => e.reason), ['InternalError']);
  } finally { await close(); }
});

test('concurrent identical events aggregate without losing a count', async () => {
  const { registry, close } = await newRegistry();
  try {
    const svc = (await registry.create(ServiceType, service('hello'))).object;
    await Promise.all([1, 2, 3].map(() => recordEvent(registry, svc, 'Normal', 'Ready', 'ready', 'c')));
    const events = (await registry.list(EventType)).items;
    assert.equal(events.length, 1);
    assert.equal(events[0]!.count, 3);
  } finally { await close(); }
});
