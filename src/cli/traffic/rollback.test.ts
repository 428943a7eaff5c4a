import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../apis/meta.ts';
import { currentRevision, planRollback } from './rollback.ts';

function rev(name: string, gen: number, ready = true): KObject {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Revision',
    metadata: { name, labels: { 'serving.knative.dev/configurationGeneration': String(gen) } },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function svc(spec: unknown[], status: unknown[], latestReady = 'v3'): KObject {
  return { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 's' }, spec: { traffic: spec }, status: { traffic: status, latestReadyRevisionName: latestReady } };
}

const revs = [rev('v1', 1), rev('v2', 2), rev('v3', 3)];
const split = svc(
  [{ tag: 'v1', revisionName: 'v1', percent: 40 }, { tag: 'v2', revisionName: 'v2', percent: 30 }, { tag: 'v3', revisionName: 'v3', percent: 30 }, { tag: 'latest', latestRevision: true, percent: 0 }],
  [{ tag: 'v1', revisionName: 'v1', percent: 40 }, { tag: 'v2', revisionName: 'v2', percent: 30 }, { tag: 'v3', revisionName: 'v3', percent: 30 }, { tag: 'latest', revisionName: 'v3', latestRevision: true, percent: 0 }],
);

describe('planRollback', () => {
  it('defaults to the ready revision before the latest ready one, keeping every tag at 0 %', () => {
    const plan = planRollback(split, revs);
    assert.equal(plan.from, 'v3');
    assert.equal(plan.to, 'v2');
    assert.deepEqual(plan.traffic, [
      { tag: 'v1', revisionName: 'v1', percent: 0 }, { tag: 'v2', revisionName: 'v2', percent: 100 },
      { tag: 'v3', revisionName: 'v3', percent: 0 }, { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
  });
  it('walks further back from a revision that already has all traffic', () => {
    const pinned = svc([{ revisionName: 'v2', percent: 100 }], [{ revisionName: 'v2', percent: 100 }]);
    assert.equal(currentRevision(pinned), 'v2');
    assert.deepEqual(planRollback(pinned, revs), { from: 'v2', to: 'v1', traffic: [{ revisionName: 'v1', latestRevision: false, percent: 100 }] });
  });
  it('skips revisions that are not ready', () => {
    assert.equal(planRollback(split, [rev('v1', 1), rev('v2', 2, false), rev('v3', 3)]).to, 'v1');
  });
  it('--to names the revision', () => {
    assert.equal(planRollback(split, revs, 'v1').to, 'v1');
    assert.throws(() => planRollback(split, revs, 'nope'), { message: "revision 'nope' of service 's' not found" });
    assert.throws(() => planRollback(split, [...revs, rev('v4', 4, false)], 'v4'), { message: "revision 'v4' is not ready, refusing to route traffic to it" });
  });
  it('fails when there is nothing older', () => {
    const first = svc([], [{ revisionName: 'v1', latestRevision: true, percent: 100 }], 'v1');
    assert.throws(() => planRollback(first, [rev('v1', 1)]), { message: "service 's' has no ready revision older than 'v1' to roll back to" });
  });
});
