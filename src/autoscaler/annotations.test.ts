import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../apis/meta.ts';
import { DEFAULT_AUTOSCALER_CONFIG, parseAutoscalerConfig, type AutoscalerConfig } from '../config/autoscaler.ts';
import { initialScale, panicWindowMs, resolveMetricTarget, resolveScalingSpec } from './annotations.ts';

const G = 'autoscaling.knative.dev';

function rev(annotations: Record<string, string> = {}, containerConcurrency = 0): KObject {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Revision',
    metadata: { namespace: 'default', name: 'r-00001', annotations },
    spec: { containerConcurrency, containers: [{ image: 'x' }] },
  } as KObject;
}

describe('resolveMetricTarget (knative.md §4.2)', () => {
  const cases: [string, 'concurrency' | 'rps', number, Record<string, string>, Partial<AutoscalerConfig>, number, number][] = [
    ['CC=0 → default 100 × 0.7', 'concurrency', 0, {}, {}, 70, 100],
    ['CC=1', 'concurrency', 1, {}, {}, 0.7, 1],
    ['CC=10', 'concurrency', 10, {}, {}, 7, 10],
    ['rps default', 'rps', 0, {}, {}, 140, 200],
    ['rps ignores CC', 'rps', 5, {}, {}, 140, 200],
    ['target annotation, CC=0', 'concurrency', 0, { [`${G}/target`]: '50' }, {}, 35, 50],
    ['target annotation capped by CC', 'concurrency', 10, { [`${G}/target`]: '50' }, {}, 7, 10],
    ['target annotation below CC', 'concurrency', 10, { [`${G}/target`]: '4' }, {}, 2.8, 4],
    ['rps target annotation not capped by CC', 'rps', 10, { [`${G}/target`]: '50' }, {}, 35, 50],
    ['utilization annotation', 'concurrency', 0, { [`${G}/target-utilization-percentage`]: '50' }, {}, 50, 100],
    ['legacy utilization alias', 'concurrency', 0, { [`${G}/targetUtilizationPercentage`]: '50' }, {}, 50, 100],
    ['rps utilization annotation', 'rps', 0, { [`${G}/target-utilization-percentage`]: '100' }, {}, 200, 200],
    ['config target default and percentage', 'concurrency', 0, {}, { containerConcurrencyTargetDefault: 20, containerConcurrencyTargetFraction: 0.5 }, 10, 20],
    ['rps not affected by container-concurrency-target-percentage', 'rps', 0, {}, { containerConcurrencyTargetFraction: 0.5 }, 140, 200],
    ['floor at 0.01', 'concurrency', 1, { [`${G}/target-utilization-percentage`]: '0.1' }, {}, 0.01, 1],
    ['unparsable target ignored', 'concurrency', 0, { [`${G}/target`]: 'many' }, {}, 70, 100],
  ];
  for (const [name, metric, cc, ann, cfg, target, total] of cases) {
    it(name, () => {
      const r = resolveMetricTarget(metric, cc, ann, { ...DEFAULT_AUTOSCALER_CONFIG, ...cfg });
      assert.ok(Math.abs(r.target - target) < 1e-9, `target ${r.target} != ${target}`);
      assert.equal(r.total, total);
    });
  }
});

describe('initialScale', () => {
  const cases: [Record<string, string>, Partial<AutoscalerConfig>, number][] = [
    [{}, {}, 1],
    [{}, { initialScale: 3 }, 3],
    [{ [`${G}/initial-scale`]: '4' }, {}, 4],
    [{ [`${G}/initialScale`]: '4' }, {}, 4],
    [{ [`${G}/initial-scale`]: '0' }, {}, 1],
    [{ [`${G}/initial-scale`]: '0' }, { allowZeroInitialScale: true }, 0],
    [{ [`${G}/initial-scale`]: 'x' }, { initialScale: 2 }, 2],
    [{ [`${G}/initial-scale`]: '5', [`${G}/initialScale`]: '7' }, {}, 5],
  ];
  for (const [ann, cfg, want] of cases) {
    it(`${JSON.stringify(ann)} ${JSON.stringify(cfg)} → ${want}`, () => {
      assert.equal(initialScale(ann, { ...DEFAULT_AUTOSCALER_CONFIG, ...cfg }), want);
    });
  }
});

describe('panicWindowMs', () => {
  const cases: [number, number, number][] = [[60_000, 10, 6000], [6000, 10, 1000], [6000, 1, 1000], [60_000, 100, 60_000], [10_000, 15, 2000], [10_000, 25, 3000]];
  for (const [stable, pct, want] of cases) it(`${stable} × ${pct}% → ${want}`, () => assert.equal(panicWindowMs(stable, pct), want));
});

describe('resolveScalingSpec', () => {
  it('defaults', () => {
    const s = resolveScalingSpec(rev(), DEFAULT_AUTOSCALER_CONFIG);
    assert.deepEqual(s, {
      class: 'kpa.autoscaling.knative.dev', metric: 'concurrency', targetValue: 70, totalValue: 100, targetBurstCapacity: 211,
      panicThreshold: 2, stableWindowMs: 60_000, panicWindowMs: 6000, scaleDownDelayMs: 0, maxScaleUpRate: 1000, maxScaleDownRate: 2,
      activationScale: 0, minScale: 0, maxScale: 0, initialScale: 1, scaleToZeroPodRetentionMs: 0, scaleToZeroGracePeriodMs: 30_000,
      enableScaleToZero: true, progressDeadlineMs: 600_000, activatorCapacity: 100,
    });
  });

  it('every annotation overrides the config', () => {
    const s = resolveScalingSpec(rev({
      [`${G}/class`]: 'kpa.autoscaling.knative.dev',
      [`${G}/metric`]: 'rps',
      [`${G}/target`]: '10',
      [`${G}/target-utilization-percentage`]: '80',
      [`${G}/min-scale`]: '1',
      [`${G}/max-scale`]: '9',
      [`${G}/initial-scale`]: '3',
      [`${G}/activation-scale`]: '2',
      [`${G}/window`]: '20s',
      [`${G}/panic-window-percentage`]: '50',
      [`${G}/panic-threshold-percentage`]: '150',
      [`${G}/scale-down-delay`]: '30s',
      [`${G}/target-burst-capacity`]: '-1',
      [`${G}/scale-to-zero-pod-retention-period`]: '1m',
      'serving.knative.dev/progress-deadline': '2m',
    }, 5), parseAutoscalerConfig({ 'scale-to-zero-grace-period': '45s', 'max-scale-up-rate': '3' }));
    assert.equal(s.metric, 'rps');
    assert.equal(s.targetValue, 8);
    assert.equal(s.totalValue, 10);
    assert.deepEqual([s.minScale, s.maxScale, s.initialScale, s.activationScale], [1, 9, 3, 2]);
    assert.deepEqual([s.stableWindowMs, s.panicWindowMs, s.panicThreshold], [20_000, 10_000, 1.5]);
    assert.deepEqual([s.scaleDownDelayMs, s.targetBurstCapacity, s.scaleToZeroPodRetentionMs, s.progressDeadlineMs], [30_000, -1, 60_000, 120_000]);
    assert.deepEqual([s.scaleToZeroGracePeriodMs, s.maxScaleUpRate], [45_000, 3]);
  });

  it('legacy camelCase aliases', () => {
    const s = resolveScalingSpec(rev({
      [`${G}/minScale`]: '2', [`${G}/maxScale`]: '4', [`${G}/initialScale`]: '3', [`${G}/panicWindowPercentage`]: '20',
      [`${G}/panicThresholdPercentage`]: '400', [`${G}/scaleDownDelay`]: '5s', [`${G}/targetBurstCapacity`]: '0',
      [`${G}/scaleToZeroPodRetentionPeriod`]: '10s',
    }), DEFAULT_AUTOSCALER_CONFIG);
    assert.deepEqual([s.minScale, s.maxScale, s.initialScale, s.panicWindowMs, s.panicThreshold, s.scaleDownDelayMs, s.targetBurstCapacity, s.scaleToZeroPodRetentionMs],
      [2, 4, 3, 12_000, 4, 5000, 0, 10_000]);
  });

  it('canonical key wins over the alias', () => {
    const s = resolveScalingSpec(rev({ [`${G}/min-scale`]: '1', [`${G}/minScale`]: '3' }), DEFAULT_AUTOSCALER_CONFIG);
    assert.equal(s.minScale, 1);
  });

  it('config min/max apply without annotations; unparsable annotations fall back', () => {
    const cfg = parseAutoscalerConfig({ 'min-scale': '1', 'max-scale': '6' });
    const s = resolveScalingSpec(rev({ [`${G}/max-scale`]: 'lots', [`${G}/window`]: 'soon' }), cfg);
    assert.deepEqual([s.minScale, s.maxScale, s.stableWindowMs], [1, 6, 60_000]);
  });

  it('metrics other than rps scale on concurrency; containerConcurrency sets the target', () => {
    const s = resolveScalingSpec(rev({ [`${G}/metric`]: 'cpu' }, 10), DEFAULT_AUTOSCALER_CONFIG);
    assert.equal(s.metric, 'concurrency');
    assert.equal(s.targetValue, 7);
  });
});
