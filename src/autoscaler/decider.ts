/**
 * Knative's KPA decider (pkg/autoscaler/scaling/autoscaler.go): from the stable/panic window
 * averages and the ready instance count, the instance count a revision wants. Pure; time is
 * passed in. One Decider per revision keeps the panic state and the scale-down-delay window.
 */

import type { WindowAverages } from './metrics.ts';

export interface DeciderSpec {
  maxScaleUpRate: number;
  maxScaleDownRate: number;
  /** Per-instance target of the metric. */
  targetValue: number;
  /** Per-instance capacity of the metric (for the excess burst capacity). */
  totalValue: number;
  targetBurstCapacity: number;
  /** Fraction (2.0 = 200 %). */
  panicThreshold: number;
  stableWindowMs: number;
  scaleDownDelayMs: number;
  /** 0 or 1 = unset. */
  activationScale: number;
  /** False for a `reserve` revision: no scale-down rate limit, no scale-down delay. */
  reachable: boolean;
}

export type DeciderMode = 'stable' | 'panic';

export interface Decision {
  atMs: number;
  /** False when there was no metric data: nothing is decided, the last decision stands. */
  valid: boolean;
  desired: number;
  excessBurstCapacity: number;
  mode: DeciderMode;
  readyInstances: number;
  /** Observed window averages (0 when not valid). */
  stable: number;
  panic: number;
  /** Instance counts the windows ask for, after the rate limits and activation-scale. */
  stablePods: number;
  panicPods: number;
}

/** Decisions are taken every tickInterval (2 s); the scale-down delay window uses the same granularity. */
export const TICK_INTERVAL_MS = 2000;

/** Maximum over a sliding time window in TICK_INTERVAL_MS slots (aggregation/max.TimeWindow). */
export class MaxTimeWindow {
  readonly #slots: number;
  #entries: { index: number; value: number }[] = [];

  constructor(durationMs: number, readonly granularityMs = TICK_INTERVAL_MS) {
    this.#slots = Math.ceil(durationMs / granularityMs);
  }

  record(nowMs: number, value: number): void {
    const index = Math.floor(Math.floor(nowMs / 1000) / (this.granularityMs / 1000));
    this.#entries = this.#entries.filter((e) => index - e.index < this.#slots);
    const last = this.#entries[this.#entries.length - 1];
    if (last && last.index === index) last.value = Math.max(last.value, value);
    else this.#entries.push({ index, value });
  }

  current(): number {
    return this.#entries.reduce((m, e) => Math.max(m, e.value), 0);
  }
}

export class Decider {
  #spec: DeciderSpec;
  /** When panic mode was entered or last extended; undefined = stable mode. */
  #panicSinceMs: number | undefined;
  #maxPanicPods: number;
  #delayWindow: MaxTimeWindow | undefined;

  /**
   * A decider that finds more than one instance ready starts in panic mode, so that losing the
   * metric history (restart) does not scale down before there is enough data.
   */
  constructor(spec: DeciderSpec, readyInstances: number, nowMs: number) {
    this.#spec = spec;
    this.#panicSinceMs = readyInstances > 1 ? nowMs : undefined;
    this.#maxPanicPods = readyInstances;
    this.#delayWindow = spec.scaleDownDelayMs > 0 ? new MaxTimeWindow(spec.scaleDownDelayMs) : undefined;
  }

  get spec(): DeciderSpec { return this.#spec; }

  get panicking(): boolean { return this.#panicSinceMs !== undefined; }

  update(spec: DeciderSpec): void {
    if (spec.scaleDownDelayMs !== this.#spec.scaleDownDelayMs) {
      this.#delayWindow = spec.scaleDownDelayMs > 0 ? new MaxTimeWindow(spec.scaleDownDelayMs) : undefined;
    }
    this.#spec = spec;
  }

  decide(nowMs: number, readyInstances: number, observed: WindowAverages | undefined): Decision {
    const spec = this.#spec;
    const mode: DeciderMode = this.panicking ? 'panic' : 'stable';
    if (!observed) {
      return {
        atMs: nowMs, valid: false, desired: -1, excessBurstCapacity: 0, mode, readyInstances,
        stable: 0, panic: 0, stablePods: 0, panicPods: 0,
      };
    }
    const ready = Math.max(1, readyInstances);
    // ceil: grow by at least one instance even with a tiny rate.
    const maxUp = Math.ceil(spec.maxScaleUpRate * ready);
    const maxDown = spec.reachable ? Math.floor(ready / spec.maxScaleDownRate) : 0;

    const dspc = Math.ceil(observed.stable / spec.targetValue);
    const dppc = Math.ceil(observed.panic / spec.targetValue);
    let stablePods = Math.min(Math.max(dspc, maxDown), maxUp);
    let panicPods = Math.min(Math.max(dppc, maxDown), maxUp);
    if (spec.activationScale > 1) {
      if (dspc > 0 && spec.activationScale > stablePods) stablePods = spec.activationScale;
      if (dppc > 0 && spec.activationScale > panicPods) panicPods = spec.activationScale;
    }

    const overThreshold = dppc / ready >= spec.panicThreshold;
    if (overThreshold) {
      this.#panicSinceMs = nowMs;
    } else if (this.#panicSinceMs !== undefined && this.#panicSinceMs + spec.stableWindowMs < nowMs) {
      // The surge has made it into the stable window.
      this.#panicSinceMs = undefined;
      this.#maxPanicPods = 0;
    }

    let desired = stablePods;
    if (this.#panicSinceMs !== undefined) {
      // The stable window may want more than the panic one; take the larger, never scale down.
      desired = Math.max(desired, panicPods);
      if (desired > this.#maxPanicPods) this.#maxPanicPods = desired;
      desired = this.#maxPanicPods;
    }

    if (spec.reachable && this.#delayWindow) {
      this.#delayWindow.record(nowMs, desired);
      desired = this.#delayWindow.current();
    }

    let ebc = -1;
    if (spec.targetBurstCapacity === 0) ebc = 0;
    else if (spec.targetBurstCapacity > 0) {
      ebc = Math.floor(readyInstances * spec.totalValue - spec.targetBurstCapacity - observed.panic);
    }

    return {
      atMs: nowMs, valid: true, desired, excessBurstCapacity: ebc,
      mode: this.#panicSinceMs !== undefined ? 'panic' : 'stable', readyInstances,
      stable: observed.stable, panic: observed.panic, stablePods, panicPods,
    };
  }
}
