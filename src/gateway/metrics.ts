/**
 * Data-path metrics, kept as plain counters on the hot path and turned into Prometheus text only
 * when scraped. The autoscaler reads the same numbers in-process through `GatewayMetrics`.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Upper bounds (ms) of the latency histogram buckets; +Inf is implied. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000] as const;

/** Counters of one revision (or one instance: only inFlight/requests are used there). */
export class TrafficCounters {
  inFlight = 0;
  /** Finished requests. */
  requests = 0;
  /** Finished requests by status class: index 1..5 for 1xx..5xx, 0 for "no status" (aborted). */
  readonly byClass = [0, 0, 0, 0, 0, 0];
  readonly latencyBuckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  latencySumMs = 0;
  /** ∫ inFlight dt in ms, for the average concurrency over any window (autoscaler). */
  private concurrencyIntegralMs = 0;
  private lastChange = 0;

  started(now: number): void {
    this.concurrencyIntegralMs += this.inFlight * (now - this.lastChange);
    this.lastChange = now;
    this.inFlight++;
  }

  /**
   * A request stops counting as in flight without having finished: it waited for an instance (the
   * activator counts waiting requests, as Knative's does) and now goes on to an exchange, which
   * counts it again.
   */
  left(now: number): void {
    this.concurrencyIntegralMs += this.inFlight * (now - this.lastChange);
    this.lastChange = now;
    this.inFlight--;
  }

  finished(now: number, status: number, startedAt: number): void {
    this.concurrencyIntegralMs += this.inFlight * (now - this.lastChange);
    this.lastChange = now;
    this.inFlight--;
    this.requests++;
    this.byClass[status >= 100 && status < 600 ? (status / 100) | 0 : 0]!++;
    const ms = now - startedAt;
    this.latencySumMs += ms;
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
    this.latencyBuckets[i]!++;
  }

  /** ∫ inFlight dt (ms·requests) up to `now`; the difference of two readings / elapsed ms is the average concurrency. */
  concurrencyIntegral(now: number): number {
    return this.concurrencyIntegralMs + this.inFlight * (now - this.lastChange);
  }
}

export interface InstanceStats {
  /** host:port */
  address: string;
  inFlight: number;
  requests: number;
}

export interface RevisionStats {
  namespace: string;
  revision: string;
  inFlight: number;
  requests: number;
  /** Finished requests by class: { '2xx': n, ... , 'aborted': n }. */
  byClass: Record<string, number>;
  /** Cumulative counts per bucket of LATENCY_BUCKETS_MS (last one is +Inf), sum in ms. */
  latency: { bucketsMs: readonly number[]; cumulative: number[]; sumMs: number; count: number };
  /** ∫ inFlight dt in ms at the time of the reading (see TrafficCounters.concurrencyIntegral). */
  concurrencyIntegralMs: number;
  instances: InstanceStats[];
}

/** What the autoscaler reads from the gateway, in-process. */
export interface GatewayMetrics {
  revision(namespace: string, name: string): RevisionStats | undefined;
  revisions(): RevisionStats[];
}

const CLASS_NAMES = ['aborted', '1xx', '2xx', '3xx', '4xx', '5xx'];

export function revisionStats(namespace: string, revision: string, c: TrafficCounters, instances: InstanceStats[], now: number): RevisionStats {
  const byClass: Record<string, number> = {};
  CLASS_NAMES.forEach((name, i) => { byClass[name] = c.byClass[i]!; });
  let running = 0;
  const cumulative = c.latencyBuckets.map((n) => (running += n));
  return {
    namespace, revision, inFlight: c.inFlight, requests: c.requests, byClass,
    latency: { bucketsMs: LATENCY_BUCKETS_MS, cumulative, sumMs: c.latencySumMs, count: c.requests },
    concurrencyIntegralMs: c.concurrencyIntegral(now), instances,
  };
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Prometheus text exposition of the gateway's data-path metrics plus Node process metrics. */
export class PrometheusExporter {
  private readonly registry = new Registry();

  constructor(private readonly metrics: GatewayMetrics) {
    collectDefaultMetrics({ register: this.registry, prefix: 'ksrv_gateway_process_' });
  }

  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';

  async render(): Promise<string> {
    const out: string[] = [];
    const stats = this.metrics.revisions();
    const lbl = (s: RevisionStats) => `namespace="${escapeLabel(s.namespace)}",revision="${escapeLabel(s.revision)}"`;
    out.push('# HELP ksrv_gateway_revision_requests_in_flight Requests being proxied to the revision.');
    out.push('# TYPE ksrv_gateway_revision_requests_in_flight gauge');
    for (const s of stats) out.push(`ksrv_gateway_revision_requests_in_flight{${lbl(s)}} ${s.inFlight}`);
    out.push('# HELP ksrv_gateway_instance_requests_in_flight Requests being proxied to one instance.');
    out.push('# TYPE ksrv_gateway_instance_requests_in_flight gauge');
    for (const s of stats) for (const i of s.instances) out.push(`ksrv_gateway_instance_requests_in_flight{${lbl(s)},instance="${i.address}"} ${i.inFlight}`);
    out.push('# HELP ksrv_gateway_requests_total Finished requests by response status class.');
    out.push('# TYPE ksrv_gateway_requests_total counter');
    for (const s of stats) for (const [cls, n] of Object.entries(s.byClass)) out.push(`ksrv_gateway_requests_total{${lbl(s)},code_class="${cls}"} ${n}`);
    out.push('# HELP ksrv_gateway_request_duration_seconds Time from request arrival to the end of the response.');
    out.push('# TYPE ksrv_gateway_request_duration_seconds histogram');
    for (const s of stats) {
      s.latency.bucketsMs.forEach((b, i) => out.push(`ksrv_gateway_request_duration_seconds_bucket{${lbl(s)},le="${b / 1000}"} ${s.latency.cumulative[i]}`));
      out.push(`ksrv_gateway_request_duration_seconds_bucket{${lbl(s)},le="+Inf"} ${s.latency.count}`);
      out.push(`ksrv_gateway_request_duration_seconds_sum{${lbl(s)}} ${s.latency.sumMs / 1000}`);
      out.push(`ksrv_gateway_request_duration_seconds_count{${lbl(s)}} ${s.latency.count}`);
    }
    return `${out.join('\n')}\n${await this.registry.metrics()}`;
  }
}
