import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_AUTOSCALER_CONFIG } from '../config/autoscaler.ts';
import { resolveScalingSpec, type RevisionScalingSpec } from './annotations.ts';
import { applyBounds, newScalerState, reconcileScale, type ScalerState } from './scaler.ts';

const DEFAULT_SPEC: RevisionScalingSpec = resolveScalingSpec(
  { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: 'r' }, spec: {} } as any, DEFAULT_AUTOSCALER_CONFIG);

/**
 * One reconcile: [second, ready, decided, want, applied, active]. `active` is 'True',
 * 'Unknown:<reason>' or 'False:<reason>'. Options per step: ebc (default -1), reachable (default true).
 */
type Step = [t: number, ready: number, decided: number, want: number, applied: number, active: string, opts?: { ebc?: number; reachable?: boolean }];

function run(overrides: Partial<RevisionScalingSpec>, steps: Step[], start?: (s: ScalerState) => ScalerState): ScalerState {
  const spec = { ...DEFAULT_SPEC, ...overrides };
  let state = newScalerState(spec, 0);
  if (start) state = start(state);
  for (const [t, ready, decided, want, applied, active, opts] of steps) {
    const r = reconcileScale(state, {
      nowMs: t * 1000, spec, reachable: opts?.reachable ?? true, readyInstances: ready,
      decidedScale: decided, excessBurstCapacity: opts?.ebc ?? -1,
    });
    state = r.state;
    const a = state.active;
    const got = a.status === 'True' ? 'True' : `${a.status}:${a.reason}`;
    assert.deepEqual([r.want, state.appliedScale, got], [want, applied, active], `t=${t}s`);
  }
  return state;
}

const scenarios: [string, Partial<RevisionScalingSpec>, Step[]][] = [
  ['new revision runs initial-scale and waits for it', {}, [
    [0, 0, -1, -1, 1, 'Unknown:Queued'],
    [1, 1, -1, -1, 1, 'True'],
  ]],
  ['idle: one instance kept until active for a stable window, then inactive, then zero (fast path)', {}, [
    [0, 1, -1, -1, 1, 'True'],
    [2, 1, 0, 1, 1, 'True'],
    [59, 1, 0, 1, 1, 'True'],
    [60, 1, 0, 0, 1, 'False:NoTraffic'],
    [62, 1, 0, 0, 0, 'False:NoTraffic'],
    [64, 0, 0, 0, 0, 'False:NoTraffic'],
  ]],
  ['gateway out of the path (ebc ≥ 0): zero only after the grace period in proxy mode', {}, [
    [0, 1, 1, 1, 1, 'True', { ebc: 5 }],
    [60, 1, 0, 0, 1, 'False:NoTraffic', { ebc: 5 }],
    [62, 1, 0, 0, 1, 'False:NoTraffic', { ebc: 5 }],
    [89, 1, 0, 0, 1, 'False:NoTraffic', { ebc: 5 }],
    [90, 1, 0, 0, 0, 'False:NoTraffic', { ebc: 5 }],
  ]],
  ['scale-to-zero-pod-retention-period keeps the last instance', { scaleToZeroPodRetentionMs: 90_000 }, [
    [0, 1, -1, -1, 1, 'True'],
    [60, 1, 0, 0, 1, 'False:NoTraffic'],
    [149, 1, 0, 0, 1, 'False:NoTraffic'],
    [150, 1, 0, 0, 0, 'False:NoTraffic'],
  ]],
  ['pod retention ignored for a reserve revision', { scaleToZeroPodRetentionMs: 90_000 }, [
    [0, 1, -1, -1, 1, 'True', { reachable: false }],
    [60, 1, 0, 0, 1, 'False:NoTraffic', { reachable: false }],
    [62, 1, 0, 0, 0, 'False:NoTraffic', { reachable: false }],
  ]],
  ['enable-scale-to-zero false keeps one instance', { enableScaleToZero: false }, [
    [0, 1, -1, 1, 1, 'True'],
    [100, 1, 0, 1, 1, 'True'],
  ]],
  ['min-scale holds a reachable revision up', { minScale: 2, initialScale: 1 }, [
    [0, 0, -1, 2, 2, 'Unknown:Queued'],
    [2, 0, 0, 2, 2, 'Unknown:Queued'],
    [4, 2, 0, 2, 2, 'True'],
    [100, 2, 0, 2, 2, 'True'],
  ]],
  ['min-scale ignored once the revision is reserve', { minScale: 2 }, [
    [0, 2, 0, 2, 2, 'True'],
    [70, 2, 0, 0, 2, 'False:NoTraffic', { reachable: false }],
    [72, 2, 0, 0, 0, 'False:NoTraffic', { reachable: false }],
  ]],
  ['max-scale caps the decision', { maxScale: 3 }, [
    [0, 1, 10, 3, 3, 'True'],
  ]],
  ['initial-scale is a floor until first reached', { initialScale: 3 }, [
    [0, 0, -1, 3, 3, 'Unknown:Queued'],
    [2, 1, 1, 3, 3, 'Unknown:Queued'],
    [4, 3, 1, 3, 3, 'True'],
    [6, 3, 1, 1, 1, 'True'],
  ]],
  ['initial-scale ignored for a reserve revision', { initialScale: 3 }, [
    [0, 0, 1, 1, 1, 'Unknown:Queued', { reachable: false }],
  ]],
  ['activation that never succeeds gives up after progress deadline + 30 s', { progressDeadlineMs: 60_000 }, [
    [0, 0, -1, -1, 1, 'Unknown:Queued'],
    [90, 0, -1, -1, 1, 'Unknown:Queued'],
    [91, 0, -1, 0, 0, 'False:TimedOut'],
  ]],
  ['scale from zero: a decision of 1 activates, ready makes it Active', {}, [
    [0, 1, -1, -1, 1, 'True'],
    [60, 1, 0, 0, 1, 'False:NoTraffic'],
    [62, 1, 0, 0, 0, 'False:NoTraffic'],
    [63, 0, -1, -1, 0, 'False:NoTraffic'],
    [200, 0, 1, 1, 1, 'Unknown:Queued'],
    [201, 1, 1, 1, 1, 'True'],
  ]],
  ['allowed initial-scale 0: inactive at once', { initialScale: 0 }, [
    [0, 0, -1, -1, 0, 'False:NoTraffic'],
    [2, 0, -1, -1, 0, 'False:NoTraffic'],
  ]],
];

describe('reconcileScale', () => {
  for (const [name, overrides, steps] of scenarios) it(name, () => { run(overrides, steps); });

  it('keeps the last desired scale when metrics vanish', () => {
    const s = run({}, [[0, 2, 2, 2, 2, 'True'], [2, 2, -1, -1, 2, 'True']]);
    assert.equal(s.desiredScale, 2);
    assert.equal(s.scaleTargetInitialized, true);
  });

  it('mode follows want and excess burst capacity', () => {
    const spec = DEFAULT_SPEC;
    let s = newScalerState(spec, 0);
    assert.equal(s.mode, 'proxy');
    s = reconcileScale(s, { nowMs: 0, spec, reachable: true, readyInstances: 1, decidedScale: 1, excessBurstCapacity: 0 }).state;
    assert.deepEqual([s.mode, s.proxySinceMs], ['serve', undefined]);
    s = reconcileScale(s, { nowMs: 5000, spec, reachable: true, readyInstances: 1, decidedScale: 1, excessBurstCapacity: -1 }).state;
    assert.deepEqual([s.mode, s.proxySinceMs], ['proxy', 5000]);
  });

  it('Active transition time changes only with status, reason or message', () => {
    const spec = DEFAULT_SPEC;
    let s = newScalerState(spec, 0);
    s = reconcileScale(s, { nowMs: 1000, spec, reachable: true, readyInstances: 0, decidedScale: -1, excessBurstCapacity: -1 }).state;
    assert.equal(s.active.sinceMs, 1000);
    s = reconcileScale(s, { nowMs: 3000, spec, reachable: true, readyInstances: 0, decidedScale: -1, excessBurstCapacity: -1 }).state;
    assert.equal(s.active.sinceMs, 1000);
  });
});

describe('applyBounds', () => {
  const cases: [number, number, number, number][] = [[0, 0, 5, 5], [2, 0, 1, 2], [0, 3, 5, 3], [1, 3, 2, 2], [0, 0, -1, 0], [2, 4, -1, 2]];
  for (const [min, max, x, want] of cases) it(`(${min}, ${max}, ${x}) → ${want}`, () => assert.equal(applyBounds(min, max, x), want));
});
