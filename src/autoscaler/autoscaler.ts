/**
 * The KPA autoscaler of ksrv: Knative's autoscaler process and KPA reconciler in one object.
 * Every second it samples each tracked revision's traffic (TrafficSampler → MetricsCollector);
 * every 2 s it runs each revision's Decider and then the scaler rules (reconcileScale), and tells
 * `onChange` listeners about revisions whose scale or Active state changed. The revision
 * reconciler feeds it (`track`) and applies what it says (`status`, `desiredScale`).
 */

import type { KObject } from '../apis/meta.ts';
import { DEFAULT_AUTOSCALER_CONFIG, type AutoscalerConfig } from '../config/autoscaler.ts';
import { resolveScalingSpec, type RevisionScalingSpec } from './annotations.ts';
import { Decider, TICK_INTERVAL_MS, type DeciderSpec, type Decision } from './decider.ts';
import { MetricsCollector, TrafficSampler, type RevisionMetricsSource } from './metrics.ts';
import { newScalerState, reconcileScale, type ActiveCondition, type PathMode, type ScalerState } from './scaler.ts';

export const SAMPLE_INTERVAL_MS = 1000;

export interface AutoscalerOptions {
  /** The current `autoscaler` configuration (read on every decision). */
  config?: () => AutoscalerConfig;
  /** Where traffic is read; without one, revisions look idle. */
  source?: RevisionMetricsSource;
  /** Milliseconds since the epoch. */
  clock?: () => number;
  /** Start the sampling and decision timers (default true; tests drive `sample()`/`tick()`). */
  timers?: boolean;
  /** Decision records kept per revision (default 60, two minutes of ticks). */
  historySize?: number;
}

/** A decision as kept for metrics and dashboards. */
export interface DecisionRecord extends Decision {
  /** The scale the scaler wanted after bounds and scale-to-zero rules (-1 = unknown). */
  want: number;
  /** Instances the runtime was asked to run afterwards. */
  instances: number;
}

export interface ScalingStatus {
  /** Instances the runtime should run. */
  instances: number;
  /** Knative's status.desiredReplicas: undefined until the autoscaler decided once. */
  desiredScale: number | undefined;
  /** Ready instances last reported by `track`. */
  actualScale: number;
  active: Omit<ActiveCondition, 'sinceMs'> & { sinceMs: number };
  /** The revision reached its initial scale once. */
  scaleTargetInitialized: boolean;
  /** Whether the gateway has to stay in the request path (Knative SKS mode). */
  mode: PathMode;
  excessBurstCapacity: number;
  panicking: boolean;
}

interface Entry {
  revision: KObject;
  reachable: boolean;
  ready: number;
  spec: RevisionScalingSpec;
  decider: Decider;
  /** Last valid decision (Knative's decider status). */
  decided: number;
  excessBurstCapacity: number;
  scaler: ScalerState;
  history: DecisionRecord[];
}

export function revisionKey(revision: KObject): string {
  return `${revision.metadata.namespace ?? ''}/${revision.metadata.name}`;
}

function deciderSpec(spec: RevisionScalingSpec, reachable: boolean): DeciderSpec {
  return {
    maxScaleUpRate: spec.maxScaleUpRate,
    maxScaleDownRate: spec.maxScaleDownRate,
    targetValue: spec.targetValue,
    totalValue: spec.totalValue,
    targetBurstCapacity: spec.targetBurstCapacity,
    panicThreshold: spec.panicThreshold,
    stableWindowMs: spec.stableWindowMs,
    scaleDownDelayMs: spec.scaleDownDelayMs,
    activationScale: spec.activationScale,
    reachable,
  };
}

/** The excess burst capacity a new decider starts with (multiscaler.go createScaler). */
function initialExcessBurstCapacity(spec: RevisionScalingSpec): number {
  const tbc = spec.targetBurstCapacity;
  return tbc === -1 || tbc === 0 ? tbc : Math.trunc(spec.initialScale * spec.totalValue - tbc);
}

/**
 * A revision seen for the first time may have been scaled by an earlier run of ksrv: its status
 * tells whether it was active, and since when.
 */
function seededState(revision: KObject, spec: RevisionScalingSpec, nowMs: number): ScalerState {
  const s = newScalerState(spec, nowMs);
  const conds: any[] = revision.status?.conditions ?? [];
  const active = conds.find((c) => c?.type === 'Active');
  const since = Date.parse(active?.lastTransitionTime ?? '');
  const sinceMs = Number.isFinite(since) ? Math.min(since, nowMs) : nowMs;
  if (conds.find((c) => c?.type === 'ResourcesAvailable')?.status === 'True') s.scaleTargetInitialized = true;
  if (active?.status === 'False') {
    s.active = { status: 'False', reason: active.reason ?? '', message: active.message ?? '', sinceMs };
    s.appliedScale = 0;
  } else if (active?.status === 'True') {
    s.active = { status: 'True', reason: '', message: '', sinceMs };
  }
  const desired = revision.status?.desiredReplicas;
  if (typeof desired === 'number' && desired >= 0 && active?.status === 'True') s.appliedScale = desired;
  return s;
}

/** What listeners hear about: a changed scale, Active state or path mode (not every new average). */
function fingerprint(s: ScalingStatus): string {
  const a = s.active;
  return JSON.stringify([s.instances, s.desiredScale, a.status, a.reason, a.message, s.scaleTargetInitialized, s.mode, s.excessBurstCapacity >= 0]);
}

export class Autoscaler {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners: ((key: string) => void)[] = [];
  readonly #collector = new MetricsCollector();
  readonly #sampler: TrafficSampler;
  readonly #config: () => AutoscalerConfig;
  readonly #clock: () => number;
  readonly #historySize: number;
  readonly #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(opts: AutoscalerOptions = {}) {
    this.#config = opts.config ?? (() => DEFAULT_AUTOSCALER_CONFIG);
    this.#clock = opts.clock ?? Date.now;
    this.#historySize = opts.historySize ?? 60;
    this.#sampler = new TrafficSampler(opts.source ?? { revision: () => undefined }, this.#collector);
    if (opts.timers ?? true) {
      const sample = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
      const tick = setInterval(() => this.tick(), TICK_INTERVAL_MS);
      sample.unref();
      tick.unref();
      this.#timers.push(sample, tick);
    }
  }

  /**
   * Starts or refreshes autoscaling of a revision and re-evaluates the scaler rules with what the
   * caller knows now (no new decision). `reachable` = routingState is not `reserve`;
   * `readyInstances` = instances ready to serve.
   */
  track(revision: KObject, reachable: boolean, readyInstances: number): ScalingStatus {
    const key = revisionKey(revision);
    const now = this.#clock();
    const spec = resolveScalingSpec(revision, this.#config());
    let e = this.#entries.get(key);
    if (!e) {
      e = {
        revision, reachable, ready: readyInstances, spec,
        decider: new Decider(deciderSpec(spec, reachable), readyInstances, now),
        decided: -1,
        excessBurstCapacity: initialExcessBurstCapacity(spec),
        scaler: seededState(revision, spec, now),
        history: [],
      };
      this.#entries.set(key, e);
    } else {
      e.revision = revision;
      e.reachable = reachable;
      e.ready = readyInstances;
      this.#refreshSpec(e, spec);
    }
    this.#collector.ensure(key, spec.stableWindowMs, spec.panicWindowMs, now / 1000);
    this.#reconcile(e, now);
    return this.#status(e);
  }

  forget(key: string): void {
    this.#entries.delete(key);
    this.#collector.delete(key);
    this.#sampler.forget(key);
  }

  /** Instances the runtime should run, or undefined when the revision is not tracked. */
  desiredScale(key: string): number | undefined {
    return this.#entries.get(key)?.scaler.appliedScale;
  }

  status(key: string): ScalingStatus | undefined {
    const e = this.#entries.get(key);
    return e && this.#status(e);
  }

  /** Recent decisions, oldest first. */
  decisions(key: string): readonly DecisionRecord[] {
    return this.#entries.get(key)?.history ?? [];
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  /** Called with the revision key (namespace/name) whenever its scaling status changed. */
  onChange(listener: (key: string) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * A request arrived for a revision: when its last decision was to run no instance, report the
   * request at once and decide now instead of at the next tick (Knative's activator stat + Poke).
   */
  poke(key: string): void {
    const e = this.#entries.get(key);
    if (!e || this.#closed || e.decided > 0) return;
    const now = this.#clock();
    this.#sampler.activation(key, now);
    this.#decide(key, e, now);
  }

  /** Samples every tracked revision's traffic (every second). */
  sample(): void {
    if (this.#closed) return;
    const now = this.#clock();
    for (const [key, e] of this.#entries) this.#sampler.sample(key, now, e.ready);
  }

  /** One decision round over every tracked revision (every 2 s). */
  tick(): void {
    if (this.#closed) return;
    const now = this.#clock();
    const config = this.#config();
    for (const [key, e] of this.#entries) {
      this.#refreshSpec(e, resolveScalingSpec(e.revision, config));
      this.#collector.ensure(key, e.spec.stableWindowMs, e.spec.panicWindowMs, now / 1000);
      this.#decide(key, e, now);
    }
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    this.#timers.length = 0;
  }

  #refreshSpec(e: Entry, spec: RevisionScalingSpec): void {
    e.spec = spec;
    e.decider.update(deciderSpec(spec, e.reachable));
  }

  #decide(key: string, e: Entry, now: number): void {
    const before = fingerprint(this.#status(e));
    const decision = e.decider.decide(now, e.ready, this.#collector.averages(key, e.spec.metric, now / 1000));
    if (decision.valid) {
      e.decided = decision.desired;
      e.excessBurstCapacity = decision.excessBurstCapacity;
    }
    const want = this.#reconcile(e, now);
    e.history.push({ ...decision, want, instances: e.scaler.appliedScale });
    if (e.history.length > this.#historySize) e.history.splice(0, e.history.length - this.#historySize);
    if (fingerprint(this.#status(e)) !== before) for (const l of this.#listeners) l(key);
  }

  #reconcile(e: Entry, now: number): number {
    const r = reconcileScale(e.scaler, {
      nowMs: now, spec: e.spec, reachable: e.reachable, readyInstances: e.ready,
      decidedScale: e.decided, excessBurstCapacity: e.excessBurstCapacity,
    });
    e.scaler = r.state;
    return r.want;
  }

  #status(e: Entry): ScalingStatus {
    const s = e.scaler;
    return {
      instances: s.appliedScale,
      desiredScale: s.desiredScale,
      actualScale: e.ready,
      active: { ...s.active },
      scaleTargetInitialized: s.scaleTargetInitialized,
      mode: s.mode,
      excessBurstCapacity: e.excessBurstCapacity,
      panicking: e.decider.panicking,
    };
  }
}
