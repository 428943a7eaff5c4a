/** Test fixtures: gateway metrics driven by hand. */
import { revisionStats, TrafficCounters, type GatewayMetrics, type RevisionStats } from '../gateway/metrics.ts';

export class FakeGatewayMetrics implements GatewayMetrics {
  readonly #counters = new Map<string, { namespace: string; revision: string; c: TrafficCounters; instances: number }>();
  #now = 0;

  /** Records `count` finished requests of `latencyMs` each with the given status. */
  serve(namespace: string, revision: string, count: number, status = 200, latencyMs = 10): void {
    const e = this.#entry(namespace, revision);
    for (let i = 0; i < count; i++) {
      const start = this.#now;
      e.c.started(start);
      this.#now += latencyMs;
      e.c.finished(this.#now, status, start);
    }
  }

  setInstances(namespace: string, revision: string, n: number): void {
    this.#entry(namespace, revision).instances = n;
  }

  revision(namespace: string, name: string): RevisionStats | undefined {
    const e = this.#counters.get(`${namespace}/${name}`);
    return e && this.#stats(e);
  }

  revisions(): RevisionStats[] {
    return [...this.#counters.values()].map((e) => this.#stats(e));
  }

  #entry(namespace: string, revision: string) {
    const key = `${namespace}/${revision}`;
    let e = this.#counters.get(key);
    if (!e) { e = { namespace, revision, c: new TrafficCounters(), instances: 0 }; this.#counters.set(key, e); }
    return e;
  }

  #stats(e: { namespace: string; revision: string; c: TrafficCounters; instances: number }): RevisionStats {
    const instances = Array.from({ length: e.instances }, (_, i) => ({ address: `127.0.0.1:${9000 + i}`, inFlight: 0, requests: 0 }));
    return revisionStats(e.namespace, e.revision, e.c, instances, this.#now);
  }
}
