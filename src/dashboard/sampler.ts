/**
 * Once a second, turns the gateway's cumulative counters into per-revision rates and latency
 * percentiles over the last interval (deltas of the counters and of the latency histogram), adds
 * the instance counts, and appends them to the 15-minute ring. It also counts what only shows as
 * a transition between two readings: cold starts (a revision asked to go from zero instances to
 * some) and autoscaler decisions.
 */
import type { Autoscaler } from '../autoscaler/autoscaler.ts';
import type { GatewayMetrics, RevisionStats } from '../gateway/metrics.ts';
import { cumulativeDelta, histogramQuantile } from './histogram.ts';
import { SeriesRing, type Sample } from './series-ring.ts';
import type { RevisionView } from './views.ts';

/** The autoscaler's read API the dashboard uses. */
export type AutoscalerView = Pick<Autoscaler, 'keys' | 'status' | 'decisions'>;

/** Every 2 s, the autoscaler's decision period: finer points would show nothing more about scaling. */
export const SAMPLE_INTERVAL_MS = 2000;
/** 15 minutes of samples. */
export const RING_CAPACITY = (15 * 60 * 1000) / SAMPLE_INTERVAL_MS;

interface Previous {
  at: number;
  requests: number;
  errors: number;
  cumulative: number[];
}

export interface SamplerDeps {
  metrics?: GatewayMetrics;
  autoscaler?: AutoscalerView;
  /** The revisions known from the API (their instance counts, and which keys to sample). */
  revisions: () => Iterable<RevisionView>;
  clock?: () => number;
  capacity?: number;
}

export interface SampleTick {
  t: number;
  samples: Record<string, Sample>;
}

export class Sampler {
  readonly ring: SeriesRing;
  /** Per revision key: times the revision was asked to scale up from zero since the dashboard started. */
  readonly coldStarts = new Map<string, number>();
  /** Per revision key: autoscaler decisions seen since the dashboard started. */
  readonly decisions = new Map<string, number>();
  readonly #previous = new Map<string, Previous>();
  readonly #lastScale = new Map<string, number>();
  readonly #lastDecisionAt = new Map<string, number>();
  readonly #listeners: ((tick: SampleTick) => void)[] = [];
  readonly #clock: () => number;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: SamplerDeps) {
    this.ring = new SeriesRing(deps.capacity ?? RING_CAPACITY);
    this.#clock = deps.clock ?? Date.now;
  }

  start(intervalMs = SAMPLE_INTERVAL_MS): void {
    this.#timer ??= setInterval(() => this.tick(), intervalMs);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  onSample(listener: (tick: SampleTick) => void): () => void {
    this.#listeners.push(listener);
    return () => { const i = this.#listeners.indexOf(listener); if (i >= 0) this.#listeners.splice(i, 1); };
  }

  /** Takes one sample of every revision now. */
  tick(): SampleTick {
    const now = this.#clock();
    const stats = new Map<string, RevisionStats>();
    for (const s of this.deps.metrics?.revisions() ?? []) stats.set(`${s.namespace}/${s.revision}`, s);
    const revisions = new Map<string, RevisionView>();
    for (const r of this.deps.revisions()) revisions.set(`${r.namespace}/${r.name}`, r);

    const samples = new Map<string, Sample>();
    for (const key of new Set([...revisions.keys(), ...stats.keys()])) {
      samples.set(key, this.#sample(key, now, stats.get(key), revisions.get(key)));
    }
    for (const key of this.ring.keys()) if (!samples.has(key)) this.#forget(key);
    this.#countAutoscaler(revisions);

    this.ring.push(now, samples);
    const tick: SampleTick = { t: now, samples: Object.fromEntries(samples) };
    for (const l of this.#listeners) l(tick);
    return tick;
  }

  #sample(key: string, now: number, s: RevisionStats | undefined, rev: RevisionView | undefined): Sample {
    const instances = rev?.actualReplicas ?? s?.instances.length ?? null;
    if (!this.deps.metrics) return { rps: null, p50: null, p99: null, errorRate: null, instances, inFlight: null };
    if (!s) {
      this.#previous.delete(key);
      return { rps: 0, p50: null, p99: null, errorRate: null, instances, inFlight: 0 };
    }
    const errors = s.byClass['5xx'] ?? 0;
    const prev = this.#previous.get(key);
    this.#previous.set(key, { at: now, requests: s.requests, errors, cumulative: [...s.latency.cumulative] });
    // The first reading only sets the baseline: what it counts happened before the dashboard looked.
    if (!prev || now <= prev.at) return { rps: null, p50: null, p99: null, errorRate: null, instances, inFlight: s.inFlight };
    const restarted = s.requests < prev.requests;
    const requests = restarted ? s.requests : s.requests - prev.requests;
    const errorCount = restarted || errors < prev.errors ? errors : errors - prev.errors;
    const delta = cumulativeDelta(prev.cumulative, s.latency.cumulative);
    const round = (v: number | undefined) => (v === undefined ? null : Math.round(v * 1000) / 1000);
    return {
      rps: Math.round((requests / ((now - prev.at) / 1000)) * 1000) / 1000,
      p50: round(histogramQuantile(0.5, s.latency.bucketsMs, delta)),
      p99: round(histogramQuantile(0.99, s.latency.bucketsMs, delta)),
      errorRate: requests > 0 ? errorCount / requests : null,
      instances,
      inFlight: s.inFlight,
    };
  }

  #countAutoscaler(revisions: Map<string, RevisionView>): void {
    const autoscaler = this.deps.autoscaler;
    const keys = new Set(autoscaler ? autoscaler.keys() : []);
    for (const key of keys) {
      const scale = autoscaler!.status(key)?.instances;
      if (scale !== undefined) this.#scaleSeen(key, scale);
      const history = autoscaler!.decisions(key);
      const last = this.#lastDecisionAt.get(key) ?? -Infinity;
      const fresh = history.filter((d) => d.atMs > last).length;
      if (history.length) this.#lastDecisionAt.set(key, history[history.length - 1]!.atMs);
      if (fresh || !this.decisions.has(key)) this.decisions.set(key, (this.decisions.get(key) ?? 0) + fresh);
    }
    // Without an autoscaler (or for revisions it does not track), the reported instance count tells.
    for (const [key, rev] of revisions) if (!keys.has(key) && rev.actualReplicas !== null) this.#scaleSeen(key, rev.actualReplicas);
  }

  #scaleSeen(key: string, scale: number): void {
    const last = this.#lastScale.get(key);
    if (last === 0 && scale > 0) this.coldStarts.set(key, (this.coldStarts.get(key) ?? 0) + 1);
    else if (!this.coldStarts.has(key)) this.coldStarts.set(key, 0);
    this.#lastScale.set(key, scale);
  }

  #forget(key: string): void {
    this.ring.drop(key);
    this.#previous.delete(key);
    this.#lastScale.delete(key);
    this.#lastDecisionAt.delete(key);
    this.coldStarts.delete(key);
    this.decisions.delete(key);
  }
}
