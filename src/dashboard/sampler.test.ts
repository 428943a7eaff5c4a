import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecisionRecord, ScalingStatus } from '../autoscaler/autoscaler.ts';
import { Sampler, type AutoscalerView } from './sampler.ts';
import { FakeGatewayMetrics } from './testing.ts';
import type { RevisionView } from './views.ts';

function rev(name: string, actualReplicas: number | null = 1): RevisionView {
  return {
    namespace: 'default', name, service: 'web', configuration: 'web', generation: 1, created: '', image: '', imageDigest: '',
    routingState: 'active', actualReplicas, desiredReplicas: actualReplicas, ready: 'True', reason: '', message: '',
  };
}

test('rates, latency percentiles and error rates come from the counters\' change over the interval', () => {
  let now = 10_000;
  const metrics = new FakeGatewayMetrics();
  metrics.serve('default', 'web-1', 100, 200, 5);
  const sampler = new Sampler({ metrics, revisions: () => [rev('web-1', 2)], clock: () => now });
  const first = sampler.tick().samples['default/web-1']!;
  assert.deepEqual(first, { rps: null, p50: null, p99: null, errorRate: null, instances: 2, inFlight: 0 }, 'the first reading is only a baseline');

  now += 2000;
  metrics.serve('default', 'web-1', 16, 200, 30);
  metrics.serve('default', 'web-1', 4, 503, 30);
  const s = sampler.tick().samples['default/web-1']!;
  assert.equal(s.rps, 10);
  assert.equal(s.errorRate, 0.2);
  // All 20 in the (25, 50] ms bucket: interpolated, not mixed with the 100 earlier 5 ms requests.
  assert.equal(s.p50, 37.5);
  assert.equal(s.p99, 49.75);

  now += 1000;
  const idle = sampler.tick().samples['default/web-1']!;
  assert.equal(idle.rps, 0);
  assert.equal(idle.p50, null);
  assert.equal(idle.errorRate, null);

  const snap = sampler.ring.snapshot();
  assert.deepEqual(snap.times, [10_000, 12_000, 13_000]);
  assert.deepEqual(snap.series['default/web-1']!.rps, [null, 10, 0]);
});

test('without gateway metrics only instances are known; revisions seen only by the gateway are sampled too', () => {
  const sampler = new Sampler({ revisions: () => [rev('a', 3)], clock: () => 1 });
  assert.deepEqual(sampler.tick().samples, { 'default/a': { rps: null, p50: null, p99: null, errorRate: null, instances: 3, inFlight: null } });

  const metrics = new FakeGatewayMetrics();
  metrics.setInstances('other', 'b', 2);
  const withGateway = new Sampler({ metrics, revisions: () => [rev('a', 3)], clock: () => 1 });
  const samples = withGateway.tick().samples;
  assert.equal(samples['default/a']!.rps, 0, 'a revision without traffic has rate 0');
  assert.equal(samples['other/b']!.instances, 2);
});

test('deleted revisions leave the ring', () => {
  let revisions = [rev('a'), rev('b')];
  const sampler = new Sampler({ revisions: () => revisions, clock: () => 1 });
  sampler.tick();
  revisions = [rev('a')];
  sampler.tick();
  assert.deepEqual(Object.keys(sampler.ring.snapshot().series), ['default/a']);
});

test('counts cold starts (0 → some instances) and autoscaler decisions, each once', () => {
  const statuses = new Map<string, number>([['default/a', 1]]);
  const history: DecisionRecord[] = [];
  const decision = (atMs: number): DecisionRecord => ({
    atMs, valid: true, desired: 1, excessBurstCapacity: 0, mode: 'stable', readyInstances: 1, stable: 1, panic: 1,
    stablePods: 1, panicPods: 1, want: 1, instances: 1,
  });
  const autoscaler: AutoscalerView = {
    keys: () => [...statuses.keys()],
    status: (k) => (statuses.has(k) ? { instances: statuses.get(k)! } as ScalingStatus : undefined),
    decisions: () => history,
  };
  let revisions = [rev('a'), rev('untracked', 0)];
  const sampler = new Sampler({ autoscaler, revisions: () => revisions, clock: () => 1 });

  history.push(decision(1), decision(2));
  sampler.tick();
  assert.equal(sampler.coldStarts.get('default/a'), 0, 'starting with instances is not a cold start');
  assert.equal(sampler.decisions.get('default/a'), 2);

  statuses.set('default/a', 0);
  history.push(decision(3));
  sampler.tick();
  sampler.tick();
  assert.equal(sampler.decisions.get('default/a'), 3);
  statuses.set('default/a', 2);
  revisions = [rev('a'), rev('untracked', 1)];
  sampler.tick();
  sampler.tick();
  assert.equal(sampler.coldStarts.get('default/a'), 1);
  assert.equal(sampler.coldStarts.get('default/untracked'), 1, 'without the autoscaler, the reported instances tell');
});
