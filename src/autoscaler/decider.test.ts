import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decider, MaxTimeWindow, type DeciderSpec } from './decider.ts';

/** Concurrency target annotation 10 with the default 70 % utilization: 7 per instance. */
const BASE: DeciderSpec = {
  maxScaleUpRate: 1000, maxScaleDownRate: 2, targetValue: 7, totalValue: 10, targetBurstCapacity: 211,
  panicThreshold: 2, stableWindowMs: 60_000, scaleDownDelayMs: 0, activationScale: 0, reachable: true,
};

/** [second, ready, stable, panic] → [desired, mode]; stable undefined = no data. */
type Step = [t: number, ready: number, stable: number | undefined, panic: number, want: number, mode: 'stable' | 'panic'];

// The third column is the ready count the decider is created with (> 1 starts in panic mode).
const scenarios: [string, Partial<DeciderSpec>, number, Step[]][] = [
  ['no data: no decision', {}, 0, [[0, 0, undefined, 0, -1, 'stable']]],
  ['0 → 50 concurrent at target 10 from one instance: ceil(50/7) = 8, panicking', {}, 1, [
    [0, 1, 0, 0, 0, 'stable'],
    [2, 1, 50, 50, 8, 'panic'],
  ]],
  ['steady 50 over 8 instances stays stable', {}, 1, [[0, 8, 50, 50, 8, 'stable'], [2, 8, 50, 50, 8, 'stable']]],
  ['panic exactly at 2× the ready instances', {}, 4, [[0, 4, 28, 56, 8, 'panic']]],
  ['below 2× no panic', {}, 1, [[0, 4, 28, 49, 4, 'stable']]],
  ['custom panic threshold 1.5', { panicThreshold: 1.5 }, 4, [[0, 4, 28, 42, 6, 'panic']]],
  ['stable window wants more than panic: the larger wins in panic', {}, 1, [[0, 1, 70, 14, 10, 'panic']]],
  ['no scale-down while panicking; exit strictly after a stable window', {}, 1, [
    [0, 1, 7, 70, 10, 'panic'],
    [2, 10, 14, 14, 10, 'panic'],
    [60, 10, 14, 14, 10, 'panic'],
    [61, 10, 14, 14, 5, 'stable'],
  ]],
  ['panic extended while over the threshold', {}, 1, [
    [0, 1, 7, 70, 10, 'panic'],
    [50, 5, 7, 70, 10, 'panic'],
    [100, 10, 7, 7, 10, 'panic'],
    [111, 10, 7, 7, 5, 'stable'],
  ]],
  ['max-scale-up-rate 2 from 3 instances: at most 6', { maxScaleUpRate: 2 }, 1, [[0, 3, 105, 0, 6, 'stable']]],
  ['max-scale-up-rate counts 0 ready as 1', { maxScaleUpRate: 2 }, 0, [[0, 0, 105, 0, 2, 'stable']]],
  ['tiny up-rate still grows by one instance', { maxScaleUpRate: 1.1, targetValue: 1 }, 1, [[0, 2, 3, 3, 3, 'stable']]],
  ['max-scale-down-rate 2 halves at most', {}, 1, [[0, 10, 0, 0, 5, 'stable']]],
  ['max-scale-down-rate 4', { maxScaleDownRate: 4 }, 1, [[0, 10, 0, 0, 2, 'stable']]],
  ['unreachable revision scales down without limit', { reachable: false }, 1, [[0, 10, 0, 0, 0, 'stable']]],
  ['down-rate floor lets one instance go to zero', {}, 1, [[0, 1, 0, 0, 0, 'stable']]],
  ['activation-scale raises a non-zero decision', { activationScale: 3 }, 0, [[0, 0, 1, 1, 3, 'stable']]],
  ['activation-scale keeps zero at zero', { activationScale: 3 }, 1, [[0, 1, 0, 0, 0, 'stable']]],
  ['activation-scale does not lower a bigger decision', { activationScale: 3 }, 1, [[0, 5, 35, 35, 5, 'stable']]],
  ['activation-scale 1 is ignored', { activationScale: 1 }, 0, [[0, 0, 1, 0, 1, 'stable']]],
  ['scale-down-delay 10 s holds the maximum of the last 10 s', { scaleDownDelayMs: 10_000 }, 1, [
    [0, 5, 35, 35, 5, 'stable'],
    [2, 5, 0, 0, 5, 'stable'],
    [4, 5, 0, 0, 5, 'stable'],
    [8, 5, 0, 0, 5, 'stable'],
    [10, 5, 0, 0, 2, 'stable'],
  ]],
  ['scale-down-delay does not hold scale-ups back', { scaleDownDelayMs: 10_000 }, 1, [
    [0, 1, 0, 0, 0, 'stable'],
    [2, 1, 7, 7, 1, 'stable'],
  ]],
  ['scale-down-delay ignored for an unreachable revision', { scaleDownDelayMs: 10_000, reachable: false }, 1, [
    [0, 5, 35, 35, 5, 'stable'],
    [2, 5, 0, 0, 0, 'stable'],
  ]],
];

describe('Decider', () => {
  for (const [name, overrides, ready0, steps] of scenarios) {
    it(name, () => {
      const d = new Decider({ ...BASE, ...overrides }, ready0, 0);
      for (const [t, ready, stable, panic, want, mode] of steps) {
        const r = d.decide(t * 1000, ready, stable === undefined ? undefined : { stable, panic });
        assert.equal(r.desired, want, `t=${t}s desired`);
        assert.equal(r.mode, mode, `t=${t}s mode`);
        assert.equal(r.valid, stable !== undefined);
      }
    });
  }

  it('starts in panic when more than one instance is ready, holding the current scale', () => {
    const d = new Decider(BASE, 3, 0);
    assert.equal(d.panicking, true);
    assert.equal(d.decide(2000, 3, { stable: 0, panic: 0 }).desired, 3);
    assert.equal(d.decide(61_000, 3, { stable: 0, panic: 0 }).desired, 1);
    assert.equal(new Decider(BASE, 1, 0).panicking, false);
  });

  const ebc: [number, number, number, number, number][] = [
    // tbc, ready, total, panic → excess burst capacity
    [0, 3, 10, 5, 0],
    [-1, 3, 10, 5, -1],
    [211, 1, 100, 0, -111],
    [211, 3, 100, 50, 39],
    [10, 3, 10, 5.5, 14],
    [10, 0, 10, 0, -10],
  ];
  for (const [tbc, ready, total, panic, want] of ebc) {
    it(`excess burst capacity tbc=${tbc} ready=${ready} total=${total} panic=${panic} → ${want}`, () => {
      const d = new Decider({ ...BASE, targetBurstCapacity: tbc, totalValue: total }, ready, 0);
      assert.equal(d.decide(0, ready, { stable: panic, panic }).excessBurstCapacity, want);
    });
  }

  it('reports the observed values and the per-window pod counts', () => {
    const r = new Decider(BASE, 2, 0).decide(0, 2, { stable: 14, panic: 21 });
    assert.deepEqual([r.stable, r.panic, r.stablePods, r.panicPods, r.readyInstances], [14, 21, 2, 3, 2]);
  });

  it('update() swaps the spec and rebuilds the delay window when the delay changes', () => {
    const d = new Decider(BASE, 4, 0);
    d.update({ ...BASE, scaleDownDelayMs: 20_000, targetValue: 1 });
    assert.equal(d.decide(0, 4, { stable: 4, panic: 4 }).desired, 4);
    assert.equal(d.decide(2000, 4, { stable: 0, panic: 0 }).desired, 4);
  });
});

describe('MaxTimeWindow', () => {
  it('keeps the maximum over the window in 2 s slots', () => {
    const w = new MaxTimeWindow(6000);
    w.record(0, 3);
    w.record(1000, 1); // same slot: max 3
    assert.equal(w.current(), 3);
    w.record(2000, 2);
    w.record(4000, 1);
    assert.equal(w.current(), 3);
    w.record(6000, 1); // slot 3: slot 0 expires
    assert.equal(w.current(), 2);
    w.record(10_000, 0);
    assert.equal(w.current(), 1);
  });
});
