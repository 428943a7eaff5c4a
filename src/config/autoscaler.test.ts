import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_AUTOSCALER_CONFIG, goDuration, goFloat, parseAutoscalerConfig } from './autoscaler.ts';

describe('parseAutoscalerConfig', () => {
  it('gives Knative defaults for an empty section', () => {
    const c = parseAutoscalerConfig({});
    assert.deepEqual(c, { ...DEFAULT_AUTOSCALER_CONFIG });
    assert.equal(c.stableWindowMs, 60_000);
    assert.equal(c.targetBurstCapacity, 211);
    assert.equal(c.containerConcurrencyTargetFraction, 0.7);
    assert.equal(c.initialScale, 1);
  });

  const accepted: [string, Record<string, unknown>, Partial<typeof DEFAULT_AUTOSCALER_CONFIG>][] = [
    ['durations', { 'stable-window': '2m', 'scale-to-zero-grace-period': '10s', 'scale-down-delay': '15s', 'scale-to-zero-pod-retention-period': '1m30s' },
      { stableWindowMs: 120_000, scaleToZeroGracePeriodMs: 10_000, scaleDownDelayMs: 15_000, scaleToZeroPodRetentionPeriodMs: 90_000 }],
    ['percentage above 1 becomes a fraction', { 'container-concurrency-target-percentage': '80' }, { containerConcurrencyTargetFraction: 0.8 }],
    ['legacy fraction kept', { 'container-concurrency-target-percentage': '0.5' }, { containerConcurrencyTargetFraction: 0.5 }],
    ['exactly 1 is a fraction', { 'container-concurrency-target-percentage': '1' }, { containerConcurrencyTargetFraction: 1 }],
    ['YAML numbers and booleans', { 'max-scale-up-rate': 10, 'enable-scale-to-zero': false, 'min-scale': 2 },
      { maxScaleUpRate: 10, enableScaleToZero: false, minScale: 2 }],
    ['ParseBool spellings', { 'enable-scale-to-zero': 'F', 'allow-zero-initial-scale': '1', 'initial-scale': '0' },
      { enableScaleToZero: false, allowZeroInitialScale: true, initialScale: 0 }],
    ['tbc -1', { 'target-burst-capacity': '-1' }, { targetBurstCapacity: -1 }],
    ['tbc 0', { 'target-burst-capacity': '0' }, { targetBurstCapacity: 0 }],
    ['min/max within limit', { 'min-scale': '1', 'max-scale': '5', 'max-scale-limit': '10' }, { minScale: 1, maxScale: 5, maxScaleLimit: 10 }],
    ['class, rps, panic', { 'pod-autoscaler-class': 'hpa.autoscaling.knative.dev', 'requests-per-second-target-default': '50', 'panic-window-percentage': '20', 'panic-threshold-percentage': '300' },
      { podAutoscalerClass: 'hpa.autoscaling.knative.dev', rpsTargetDefault: 50, panicWindowPercentage: 20, panicThresholdPercentage: 300 }],
    ['stable window bounds inclusive', { 'stable-window': '6s' }, { stableWindowMs: 6000 }],
    ['stable window 1h', { 'stable-window': '1h' }, { stableWindowMs: 3_600_000 }],
    ['null value = absent', { 'stable-window': null }, { stableWindowMs: 60_000 }],
    ['unknown keys ignored', { '_example': 'x', 'foo': 'bar' }, {}],
  ];
  for (const [name, raw, want] of accepted) {
    it(`accepts: ${name}`, () => {
      assert.deepEqual(parseAutoscalerConfig(raw), { ...DEFAULT_AUTOSCALER_CONFIG, ...want });
    });
  }

  const rejected: [Record<string, unknown>, string][] = [
    [{ 'stable-window': 'forever' }, 'failed to parse data: failed to parse "stable-window": time: invalid duration "forever"'],
    [{ 'stable-window': 60 }, 'failed to parse data: failed to parse "stable-window": time: invalid duration "60"'],
    [{ 'max-scale-up-rate': 'fast' }, 'failed to parse data: failed to parse "max-scale-up-rate": strconv.ParseFloat: parsing "fast": invalid syntax'],
    [{ 'min-scale': '1.5' }, 'failed to parse data: failed to parse "min-scale": strconv.ParseInt: parsing "1.5": invalid syntax'],
    [{ 'max-scale': '99999999999' }, 'failed to parse data: failed to parse "max-scale": strconv.ParseInt: parsing "99999999999": value out of range'],
    [{ 'enable-scale-to-zero': 'yes' }, 'failed to parse data: failed to parse "enable-scale-to-zero": strconv.ParseBool: parsing "yes": invalid syntax'],
    [{ 'scale-to-zero-grace-period': '0s' }, 'scale-to-zero-grace-period must be positive, was: 0s'],
    [{ 'scale-to-zero-grace-period': '-1m' }, 'scale-to-zero-grace-period must be positive, was: -1m0s'],
    [{ 'scale-down-delay': '-5s' }, 'scale-down-delay cannot be negative, was: -5s'],
    [{ 'scale-down-delay': '1500ms' }, 'scale-down-delay = 1.5s, must be specified with at most second precision'],
    [{ 'scale-to-zero-pod-retention-period': '-1s' }, 'scale-to-zero-pod-retention-period cannot be negative, was: -1s'],
    [{ 'target-burst-capacity': '-2' }, 'target-burst-capacity must be either non-negative or -1 (for unlimited), was: -2.000000'],
    [{ 'container-concurrency-target-percentage': '0' }, 'container-concurrency-target-percentage = 0.000000 is outside of valid range of (0, 100]'],
    [{ 'container-concurrency-target-percentage': '101' }, 'container-concurrency-target-percentage = 1.010000 is outside of valid range of (0, 100]'],
    [{ 'container-concurrency-target-default': '0.001' },
      "container-concurrency-target-percentage and container-concurrency-target-default yield target concurrency of 0.0007, can't be less than 0.01"],
    [{ 'requests-per-second-target-default': '0.001' }, 'requests-per-second-target-default must be at least 0.01, was: 0.001'],
    [{ 'activator-capacity': '0.5' }, 'activator-capacity = 0.5, must be at least 1'],
    [{ 'max-scale-up-rate': '1' }, 'max-scale-up-rate = 1, must be greater than 1.0'],
    [{ 'max-scale-down-rate': '0.5' }, 'max-scale-down-rate = 0.5, must be greater than 1.0'],
    [{ 'stable-window': '5s' }, 'stable-window = 5s, must be in [6s; 1h0m0s] range'],
    [{ 'stable-window': '2h' }, 'stable-window = 2h0m0s, must be in [6s; 1h0m0s] range'],
    [{ 'stable-window': '6500ms' }, 'stable-window = 6.5s, must be specified with at most second precision'],
    [{ 'panic-window-percentage': '0.5' }, 'panic-window-percentage = 0.5, must be in [1, 100] interval'],
    [{ 'panic-window-percentage': '101' }, 'panic-window-percentage = 101, must be in [1, 100] interval'],
    [{ 'initial-scale': '0' }, 'initial-scale = 0, must be at least 0 (or at least 1 when allow-zero-initial-scale is false)'],
    [{ 'initial-scale': '-1', 'allow-zero-initial-scale': 'true' }, 'initial-scale = -1, must be at least 0 (or at least 1 when allow-zero-initial-scale is false)'],
    [{ 'min-scale': '-1' }, 'min-scale = -1, must be at least 0'],
    [{ 'max-scale': '-1' }, 'max-scale = -1, must be in [0, max-scale-limit(0)] range'],
    [{ 'max-scale-limit': '10' }, 'max-scale = 0, must be in [1, max-scale-limit(10)] range'],
    [{ 'max-scale-limit': '10', 'max-scale': '11' }, 'max-scale = 11, must be in [1, max-scale-limit(10)] range'],
    [{ 'max-scale-limit': '-1' }, 'max-scale-limit = -1, must be at least 0'],
    [{ 'min-scale': '5', 'max-scale': '2' }, 'min-scale (5) must be less than max-scale (2)'],
  ];
  for (const [raw, message] of rejected) {
    it(`rejects ${JSON.stringify(raw)}`, () => {
      assert.throws(() => parseAutoscalerConfig(raw), { message });
    });
  }
});

describe('Go formatting helpers', () => {
  const durations: [number, string][] = [[0, '0s'], [60_000, '1m0s'], [6000, '6s'], [3_600_000, '1h0m0s'], [1500, '1.5s'], [500, '500ms'], [-5000, '-5s'], [90_061_000, '25h1m1s']];
  for (const [ms, s] of durations) it(`goDuration(${ms}) = ${s}`, () => assert.equal(goDuration(ms), s));
  const floats: [number, string][] = [[0.01, '0.01'], [1, '1'], [0.0007, '0.0007'], [0.00001, '1e-05'], [1e21, '1e+21'], [2.5, '2.5']];
  for (const [f, s] of floats) it(`goFloat(${f}) = ${s}`, () => assert.equal(goFloat(f), s));
});
