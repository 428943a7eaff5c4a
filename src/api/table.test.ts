import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventType, RevisionType } from '../apis/resources.ts';
import { humanDuration, table } from './table.ts';

test('humanDuration follows kubectl', () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  assert.equal(humanDuration(-5 * s), '<invalid>');
  assert.equal(humanDuration(-500), '0s');
  assert.equal(humanDuration(45 * s), '45s');
  assert.equal(humanDuration(119 * s), '119s');
  assert.equal(humanDuration(5 * m + 30 * s), '5m30s');
  assert.equal(humanDuration(5 * m), '5m');
  assert.equal(humanDuration(90 * m), '90m');
  assert.equal(humanDuration(3 * h + 15 * m), '3h15m');
  assert.equal(humanDuration(20 * h), '20h');
  assert.equal(humanDuration(2 * d + 3 * h), '2d3h');
  assert.equal(humanDuration(30 * d), '30d');
  assert.equal(humanDuration(3 * 365 * d + 4 * d), '3y4d');
  assert.equal(humanDuration(10 * 365 * d), '10y');
});

test('integer columns keep numbers; labels feed string columns', () => {
  const rev = {
    apiVersion: 'serving.knative.dev/v1', kind: 'Revision',
    metadata: { name: 'hello-00001', namespace: 'default', labels: { 'serving.knative.dev/configuration': 'hello', 'serving.knative.dev/configurationGeneration': '1' } },
    status: { actualReplicas: 1, desiredReplicas: 0, conditions: [{ type: 'Ready', status: 'Unknown', reason: 'Deploying' }] },
  };
  const t = table(RevisionType, [rev], { include: 'None', resourceVersion: '7' }) as any;
  assert.deepEqual(t.metadata, { resourceVersion: '7' });
  assert.deepEqual(t.rows[0].cells, ['hello-00001', 'hello', '1', 'Unknown', 'Deploying', 1, 0]);
  assert.equal(t.rows[0].object, undefined);
  assert.equal(t.columnDefinitions[5].type, 'integer');
});

test('date columns render as ages', () => {
  const ev = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1', namespace: 'default' },
    lastTimestamp: new Date(Date.now() - 5 * 60 * 1000).toISOString(), type: 'Normal', reason: 'Ready',
    involvedObject: { name: 'hello' }, message: 'ok',
  };
  const t = table(EventType, [ev, { ...ev, lastTimestamp: undefined }], { include: 'Metadata' }) as any;
  assert.deepEqual(t.rows[0].cells, ['e1', '5m', 'Normal', 'Ready', 'hello', 'ok']);
  assert.equal(t.rows[1].cells[1], null);
  assert.equal(t.rows[0].object.kind, 'PartialObjectMetadata');
});
