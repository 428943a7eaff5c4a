import assert from 'node:assert/strict';
import { test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { DecisionRecord, ScalingStatus } from '../autoscaler/autoscaler.ts';
import { renderControlPlaneMetrics } from './metrics-exposition.ts';
import type { AutoscalerView } from './sampler.ts';
import type { RevisionView } from './views.ts';

const rev = (name: string, actual: number | null, desired: number | null, ready: RevisionView['ready'] = 'True'): RevisionView => ({
  namespace: 'default', name, service: 'web', configuration: 'web', generation: 1, created: '', image: '', imageDigest: '',
  routingState: 'active', actualReplicas: actual, desiredReplicas: desired, ready, reason: '', message: '',
});

const decision = (atMs: number, valid: boolean, desired: number, stable: number, panic: number): DecisionRecord => ({
  atMs, valid, desired, excessBurstCapacity: -5, mode: 'panic', readyInstances: 1, stable, panic, stablePods: 1, panicPods: 3, want: desired, instances: desired,
});

function values(text: string, name: string): Record<string, string> {
  const family = parsePrometheusTextFormat(text).find((f) => f.name === name);
  assert.ok(family, `${name} is exposed`);
  return Object.fromEntries(family.metrics.map((m) => [`${m.labels!.namespace}/${m.labels!.revision}`, m.value!]));
}

test('instances, cold starts and autoscaler decisions parse as Prometheus text with the given values', () => {
  const autoscaler: AutoscalerView = {
    keys: () => ['default/web-1'],
    status: () => ({ instances: 3, actualScale: 2, excessBurstCapacity: -5, panicking: true } as ScalingStatus),
    decisions: () => [decision(1000, true, 3, 1.5, 4.25), decision(3000, false, 0, 0, 0)],
  };
  const text = renderControlPlaneMetrics({
    revisions: [rev('web-1', 2, 3), rev('web-"2"', null, null, 'False')],
    autoscaler,
    coldStarts: new Map([['default/web-1', 4]]),
    decisions: new Map([['default/web-1', 17]]),
  });
  const families = parsePrometheusTextFormat(text);
  assert.equal(families.find((f) => f.name === 'ksrv_revision_cold_starts_total')?.type, 'COUNTER');
  assert.equal(families.find((f) => f.name === 'ksrv_autoscaler_panic_mode')?.type, 'GAUGE');

  assert.deepEqual(values(text, 'ksrv_revision_ready_instances'), { 'default/web-1': '2' }, 'unknown counts are left out');
  assert.deepEqual(values(text, 'ksrv_revision_desired_instances'), { 'default/web-1': '3' });
  assert.deepEqual(values(text, 'ksrv_revision_ready'), { 'default/web-1': '1', 'default/web-"2"': '0' }, 'label values are escaped');
  assert.deepEqual(values(text, 'ksrv_revision_cold_starts_total'), { 'default/web-1': '4' });
  assert.deepEqual(values(text, 'ksrv_autoscaler_decisions_total'), { 'default/web-1': '17' });
  // The last *valid* decision: an invalid one (no data) decides nothing.
  assert.deepEqual(values(text, 'ksrv_autoscaler_desired_pods'), { 'default/web-1': '3' });
  assert.deepEqual(values(text, 'ksrv_autoscaler_stable_window_average'), { 'default/web-1': '1.5' });
  assert.deepEqual(values(text, 'ksrv_autoscaler_panic_window_average'), { 'default/web-1': '4.25' });
  assert.deepEqual(values(text, 'ksrv_autoscaler_requested_pods'), { 'default/web-1': '3' });
  assert.deepEqual(values(text, 'ksrv_autoscaler_actual_pods'), { 'default/web-1': '2' });
  assert.deepEqual(values(text, 'ksrv_autoscaler_excess_burst_capacity'), { 'default/web-1': '-5' });
  assert.deepEqual(values(text, 'ksrv_autoscaler_panic_mode'), { 'default/web-1': '1' });
  assert.deepEqual(values(text, 'ksrv_autoscaler_last_decision_timestamp_seconds'), { 'default/web-1': '3' });
});

test('without an autoscaler its families are empty but present', () => {
  const text = renderControlPlaneMetrics({ revisions: [], coldStarts: new Map(), decisions: new Map() });
  assert.match(text, /# TYPE ksrv_autoscaler_panic_mode gauge\n/);
  assert.doesNotThrow(() => parsePrometheusTextFormat(text));
});
