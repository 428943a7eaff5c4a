/**
 * The autoscaler's metric pipeline: per revision, one-second buckets of observed concurrency and
 * request counts, averaged over the stable and the panic window exactly as Knative's
 * aggregation/bucketing.go (TimedFloat64Buckets) and metrics/collector.go do:
 * - a sample lands in the bucket of its whole second; several samples of one second add up;
 * - the average divides by the number of seconds from the first write (within the window) to the
 *   last write, so seconds without a sample in between count as 0;
 * - nothing written for a whole window → no data (the decider then makes no decision).
 *
 * `TrafficSampler` feeds the collector by reading cumulative counters (RevisionMetricsSource, which
 * the gateway implements) once a second; see README.md.
 */

import type { ScalingMetric } from './annotations.ts';

/** What happened to one revision during one second. */
export interface SecondSample {
  /** The second (Unix seconds, fractions are truncated) the sample belongs to. */
  timestampSec: number;
  /** Time-weighted average of concurrent requests during that second. */
  averageConcurrency: number;
  /** Requests that arrived (or completed) during that second. */
  requestCount: number;
}

const PRECISION = 1e6;

/** A sliding window of one-second buckets (Knative's TimedFloat64Buckets with granularity 1 s). */
export class SecondBuckets {
  #buckets: number[];
  #windowSec: number;
  #firstWrite: number | undefined;
  #lastWrite = -Infinity;
  #total = 0;

  constructor(windowMs: number) {
    this.#windowSec = windowMs / 1000;
    this.#buckets = new Array<number>(Math.ceil(this.#windowSec)).fill(0);
  }

  get windowMs(): number { return this.#windowSec * 1000; }

  #index(sec: number): number {
    const n = this.#buckets.length;
    return ((sec % n) + n) % n;
  }

  /** True when nothing was written during the last window. */
  isEmpty(nowSec: number): boolean {
    return Math.floor(nowSec) - this.#lastWrite > this.#windowSec;
  }

  record(timestampSec: number, value: number): void {
    const sec = Math.floor(timestampSec);
    if (sec !== this.#lastWrite) {
      // Older than a window behind the newest write: dropped.
      if (sec + this.#windowSec <= this.#lastWrite) return;
      if (this.#firstWrite === undefined || this.#firstWrite > sec) this.#firstWrite = sec;
      if (sec > this.#lastWrite) {
        if (sec - this.#lastWrite >= this.#windowSec) {
          // Silence for a whole window: start afresh.
          this.#firstWrite = sec;
          this.#buckets.fill(0);
          this.#total = 0;
        } else {
          for (let s = this.#lastWrite + 1; s <= sec; s++) {
            const i = this.#index(s);
            this.#total -= this.#buckets[i]!;
            this.#buckets[i] = 0;
          }
        }
        this.#lastWrite = sec;
      }
    }
    this.#buckets[this.#index(sec)]! += value;
    this.#total += value;
  }

  /** Average over the window ending at `nowSec`; 0 when nothing was written for a window. */
  average(nowSec: number): number {
    const now = Math.floor(nowSec);
    const n = this.#buckets.length;
    const d = now - this.#lastWrite;
    const span = this.#lastWrite - (this.#firstWrite ?? this.#lastWrite) + 1;
    if (d <= 0) return round(this.#total / Math.min(span, n));
    if (d >= this.#windowSec) return 0;
    let total = this.#total;
    // Buckets after the last write still hold values from a window ago.
    for (let s = this.#lastWrite + 1; s <= now; s++) total -= this.#buckets[this.#index(s)]!;
    return round(total / Math.min(span, n - d));
  }

  /** Changes the window length, keeping the newest buckets (Knative's ResizeWindow). */
  resize(windowMs: number, nowSec: number): void {
    if (windowMs === this.windowMs) return;
    const n = Math.ceil(windowMs / 1000);
    const next = new Array<number>(n).fill(0);
    let total = 0;
    if (Math.floor(nowSec) - this.#lastWrite <= this.#windowSec) {
      const old = this.#buckets.length;
      for (let k = 0, s = this.#lastWrite; k < Math.min(n, old); k++, s--) {
        const v = this.#buckets[this.#index(s)]!;
        next[((s % n) + n) % n] = v;
        total += v;
      }
      this.#firstWrite = this.#lastWrite - (old - 1);
    } else {
      this.#firstWrite = undefined;
    }
    this.#windowSec = windowMs / 1000;
    this.#buckets = next;
    this.#total = total;
  }
}

function round(v: number): number {
  return Math.round(v * PRECISION) / PRECISION;
}

export interface WindowAverages {
  stable: number;
  panic: number;
}

/** The four windows of one revision (collector.go `collection`). */
export class RevisionMetrics {
  readonly #concurrency: [SecondBuckets, SecondBuckets];
  readonly #rps: [SecondBuckets, SecondBuckets];

  constructor(stableWindowMs: number, panicWindowMs: number) {
    this.#concurrency = [new SecondBuckets(stableWindowMs), new SecondBuckets(panicWindowMs)];
    this.#rps = [new SecondBuckets(stableWindowMs), new SecondBuckets(panicWindowMs)];
  }

  record(s: SecondSample): void {
    for (const b of this.#concurrency) b.record(s.timestampSec, s.averageConcurrency);
    for (const b of this.#rps) b.record(s.timestampSec, s.requestCount);
  }

  resize(stableWindowMs: number, panicWindowMs: number, nowSec: number): void {
    for (const [stable, panic] of [this.#concurrency, this.#rps]) {
      stable.resize(stableWindowMs, nowSec);
      panic.resize(panicWindowMs, nowSec);
    }
  }

  /** Stable and panic averages, or undefined when the stable window holds no data. */
  averages(metric: ScalingMetric, nowSec: number): WindowAverages | undefined {
    const [stable, panic] = metric === 'rps' ? this.#rps : this.#concurrency;
    if (stable.isEmpty(nowSec)) return undefined;
    return { stable: stable.average(nowSec), panic: panic.average(nowSec) };
  }
}

/** Revision key → its windows. Samples for revisions not being collected are dropped. */
export class MetricsCollector {
  readonly #revisions = new Map<string, RevisionMetrics>();

  /** Starts (or re-sizes) collection for a revision. */
  ensure(key: string, stableWindowMs: number, panicWindowMs: number, nowSec: number): void {
    const cur = this.#revisions.get(key);
    if (cur) cur.resize(stableWindowMs, panicWindowMs, nowSec);
    else this.#revisions.set(key, new RevisionMetrics(stableWindowMs, panicWindowMs));
  }

  delete(key: string): void {
    this.#revisions.delete(key);
  }

  has(key: string): boolean {
    return this.#revisions.has(key);
  }

  record(key: string, sample: SecondSample): void {
    this.#revisions.get(key)?.record(sample);
  }

  averages(key: string, metric: ScalingMetric, nowSec: number): WindowAverages | undefined {
    return this.#revisions.get(key)?.averages(metric, nowSec);
  }
}

/** Cumulative traffic counters of one revision, as the gateway keeps them. */
export interface RevisionTrafficReading {
  /** ∫ in-flight requests dt, in ms·requests, up to the moment of the reading. */
  concurrencyIntegralMs: number;
  /** Requests finished so far. */
  requests: number;
  /** Requests in flight now. */
  inFlight: number;
}

/**
 * What the autoscaler reads once a second (pull). The gateway's `GatewayMetrics` satisfies it:
 * `revision(namespace, name)` returns its cumulative counters, or undefined when it has seen no
 * request for the revision.
 */
export interface RevisionMetricsSource {
  revision(namespace: string, name: string): RevisionTrafficReading | undefined;
}

interface Baseline {
  atMs: number;
  /** The last second a regular sample went to. */
  second: number;
  integral: number;
  requests: number;
  /** What an activation sample already reported and the next regular sample must not count again. */
  activationCredit: number;
}

/**
 * Turns cumulative counters into per-second samples. `sample` is called about once a second per
 * revision (see secondsCovered for how an interval maps to buckets).
 */
export class TrafficSampler {
  readonly #baselines = new Map<string, Baseline>();

  constructor(private readonly source: RevisionMetricsSource, private readonly collector: MetricsCollector) {}

  /**
   * Reads the source for one revision and records what happened since the previous reading.
   * Like the queue-proxy, which reports zeros while a pod runs, a revision with ready instances
   * gets a sample every second even without traffic; one at zero gets samples only when there is
   * traffic (otherwise its windows drain and it has no data, as in Knative).
   */
  sample(key: string, nowMs: number, readyInstances: number): void {
    const [ns, name] = splitKey(key);
    const reading = this.source.revision(ns, name);
    const prev = this.#baselines.get(key);
    if (!reading) {
      if (readyInstances > 0) this.collector.record(key, { timestampSec: nowMs / 1000, averageConcurrency: 0, requestCount: 0 });
      return;
    }
    let concurrency: number;
    let requests: number;
    let seconds: number[];
    if (!prev || nowMs <= prev.atMs || reading.concurrencyIntegralMs < prev.integral) {
      // First reading (or the counters restarted): what is in flight now is the best estimate.
      concurrency = reading.inFlight;
      requests = 0;
      seconds = [Math.floor(nowMs / 1000)];
    } else {
      const elapsed = nowMs - prev.atMs;
      concurrency = Math.max(0, (reading.concurrencyIntegralMs - prev.integral) / elapsed - prev.activationCredit);
      // Requests of the interval, as a per-second rate.
      requests = Math.max(0, (Math.max(0, reading.requests - prev.requests) * 1000) / elapsed - prev.activationCredit);
      seconds = secondsCovered(prev.second, prev.atMs, nowMs);
    }
    this.#baselines.set(key, {
      atMs: nowMs, second: seconds[seconds.length - 1]!, integral: reading.concurrencyIntegralMs, requests: reading.requests, activationCredit: 0,
    });
    if (readyInstances > 0 || concurrency > 0 || requests > 0 || reading.inFlight > 0) {
      for (const sec of seconds) this.collector.record(key, { timestampSec: sec, averageConcurrency: concurrency, requestCount: requests });
    }
  }

  /**
   * A request arrived for a revision at zero: report one request of concurrency 1 at once (the
   * activator's first-request stat) and discount it from the next regular sample.
   */
  activation(key: string, nowMs: number): void {
    this.collector.record(key, { timestampSec: nowMs / 1000, averageConcurrency: 1, requestCount: 1 });
    const b = this.#baselines.get(key);
    if (b) b.activationCredit = 1;
  }

  forget(key: string): void {
    this.#baselines.delete(key);
  }
}

/** Longest gap filled with the interval's average (e.g. after the event loop stalled). */
const MAX_FILLED_SECONDS = 10;

/**
 * The seconds an interval's sample is recorded in: one per second up to the interval's middle,
 * and never the second the previous sample went to, so that timer jitter neither doubles a
 * bucket nor leaves one empty.
 */
function secondsCovered(lastSecond: number, fromMs: number, toMs: number): number[] {
  const end = Math.max(lastSecond + 1, Math.floor((fromMs + toMs) / 2000));
  const out: number[] = [];
  for (let s = Math.max(lastSecond + 1, end - MAX_FILLED_SECONDS + 1); s <= end; s++) out.push(s);
  return out;
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}
