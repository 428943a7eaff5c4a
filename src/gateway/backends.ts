/**
 * The gateway's view of each revision: its settings (protocol, timeouts), its ready instances with
 * one upstream client each (H1Pool with keep-alive for HTTP/1.1, undici's H2CClient for h2c) and its
 * traffic counters. Endpoints come from an EndpointSource (the process runtime) on change, never
 * by polling; an instance that leaves is closed gracefully, so requests already on it finish.
 */
import { H2CClient } from 'undici';
import type { KObject } from '../apis/meta.ts';
import { H1Pool, type UpstreamClient } from './upstream-h1.ts';
import { type GatewayMetrics, type InstanceStats, type RevisionStats, revisionStats, TrafficCounters } from './metrics.ts';

export interface Endpoint { host: string; port: number }

/** Where ready instances come from (ProcessRuntime satisfies it). */
export interface EndpointSource {
  endpoints(namespace: string, revision: string): Endpoint[];
  onEndpointsChange(listener: (namespace: string, revision: string) => void): void;
}

export interface RevisionSettings {
  protocol: 'http1' | 'h2c';
  /** Hard limit of a request (Knative timeoutSeconds, default 300 s). */
  timeoutMs: number;
  /** Max wait for the first response byte; 0 = only timeoutMs. */
  responseStartTimeoutMs: number;
  /** Max time without bytes from the app; 0 = none. */
  idleTimeoutMs: number;
  /** Knative containerConcurrency: requests one instance takes at once; 0 or absent = unlimited. */
  containerConcurrency?: number;
}

export const DEFAULT_SETTINGS: RevisionSettings = { protocol: 'http1', timeoutMs: 300_000, responseStartTimeoutMs: 0, idleTimeoutMs: 0, containerConcurrency: 0 };

/** Reads the per-request settings from a Revision (storage version). */
export function revisionSettings(rev: KObject): RevisionSettings {
  const spec = rev.spec ?? {};
  const seconds = (v: unknown) => (typeof v === 'number' && v > 0 ? v * 1000 : 0);
  const h2c = (spec.containers ?? []).some((c: any) => (c?.ports ?? []).some((p: any) => p?.name === 'h2c'));
  return {
    protocol: h2c ? 'h2c' : 'http1',
    timeoutMs: seconds(spec.timeoutSeconds) || DEFAULT_SETTINGS.timeoutMs,
    responseStartTimeoutMs: seconds(spec.responseStartTimeoutSeconds),
    idleTimeoutMs: seconds(spec.idleTimeoutSeconds),
    containerConcurrency: typeof spec.containerConcurrency === 'number' && spec.containerConcurrency > 0 ? spec.containerConcurrency : 0,
  };
}

export interface UpstreamOptions {
  /** Max keep-alive connections per HTTP/1.1 instance (default 256). */
  connectionsPerInstance?: number;
}

export class UpstreamInstance {
  readonly address: string;
  readonly client: UpstreamClient;
  inFlight = 0;
  requests = 0;

  constructor(readonly endpoint: Endpoint, readonly protocol: RevisionSettings['protocol'], opts: UpstreamOptions) {
    const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
    this.address = `${host}:${endpoint.port}`;
    const origin = `http://${this.address}`;
    // Timeouts are per request (dispatch options); the clients' own defaults would cut long requests.
    this.client = protocol === 'h2c'
      ? new H2CClient(origin, { headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 60_000 })
      : new H1Pool(endpoint.host, endpoint.port, { connections: opts.connectionsPerInstance ?? 256, keepAliveTimeoutMs: 30_000 });
  }
}

export class RevisionBackend {
  settings: RevisionSettings = DEFAULT_SETTINGS;
  /** Ready instances, replaced as a whole on change. */
  instances: UpstreamInstance[] = [];
  readonly counters = new TrafficCounters();
  /** The Revision object is gone (its metrics stop being reported once it has nothing left in flight). */
  deleted = false;
  private cursor = 0;

  constructor(readonly namespace: string, readonly name: string) {}

  /**
   * The instance with the fewest requests in flight (ties rotate), skipping `except` and, under a
   * containerConcurrency limit, instances that are full.
   */
  pick(except?: UpstreamInstance[]): UpstreamInstance | undefined {
    const list = this.instances;
    const n = list.length;
    const cc = this.settings.containerConcurrency ?? 0;
    if (n === 1) return except?.includes(list[0]!) || (cc > 0 && list[0]!.inFlight >= cc) ? undefined : list[0];
    let best: UpstreamInstance | undefined;
    const start = this.cursor++ % (n || 1);
    for (let k = 0; k < n; k++) {
      const candidate = list[(start + k) % n]!;
      if (except?.includes(candidate) || (cc > 0 && candidate.inFlight >= cc)) continue;
      if (!best || candidate.inFlight < best.inFlight) best = candidate;
    }
    return best;
  }
}

/** All revisions the gateway knows, by `namespace/name`. */
export class RevisionBackends implements GatewayMetrics {
  private readonly backends = new Map<string, RevisionBackend>();
  private readonly settings = new Map<string, RevisionSettings>();
  private readonly changeListeners: ((backend: RevisionBackend) => void)[] = [];
  private closed = false;

  constructor(private readonly source: EndpointSource | undefined, private readonly opts: UpstreamOptions = {}) {
    source?.onEndpointsChange((ns, name) => {
      const backend = this.backends.get(`${ns}/${name}`);
      if (backend) this.refresh(backend);
    });
  }

  /** The backend of a revision, created on first use. */
  get(namespace: string, name: string): RevisionBackend {
    const key = `${namespace}/${name}`;
    let backend = this.backends.get(key);
    if (!backend) {
      backend = new RevisionBackend(namespace, name);
      backend.settings = this.settings.get(key) ?? DEFAULT_SETTINGS;
      this.backends.set(key, backend);
      this.refresh(backend);
    }
    return backend;
  }

  /** Called after a revision's instance list (or its containerConcurrency) changed: the activator wakes its waiters. */
  onInstancesChange(listener: (backend: RevisionBackend) => void): void {
    this.changeListeners.push(listener);
  }

  /** Records a revision's settings (from the Revision informer). */
  setSettings(namespace: string, name: string, settings: RevisionSettings): void {
    const key = `${namespace}/${name}`;
    this.settings.set(key, settings);
    const backend = this.backends.get(key);
    if (!backend) return;
    backend.deleted = false;
    const protocolChanged = backend.settings.protocol !== settings.protocol;
    const limitChanged = (backend.settings.containerConcurrency ?? 0) !== (settings.containerConcurrency ?? 0);
    backend.settings = settings;
    if (protocolChanged) this.refresh(backend);
    else if (limitChanged) for (const l of this.changeListeners) l(backend);
  }

  /**
   * The revision was deleted: forget its settings; instances go when the runtime reports them gone.
   * The backend object stays, because installed route groups may still hold it (a route keeps its
   * last table while a target is missing, and a recreated revision of the same name must be the
   * same backend); it only drops out of the metrics.
   */
  forget(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.settings.delete(key);
    const backend = this.backends.get(key);
    if (backend) backend.deleted = true;
  }

  /** Replaces the instance list from the endpoint source, keeping clients of unchanged endpoints. */
  refresh(backend: RevisionBackend): void {
    if (this.closed) return;
    const wanted = this.source?.endpoints(backend.namespace, backend.name) ?? [];
    const protocol = backend.settings.protocol;
    const old = backend.instances;
    const next = wanted.map((ep) => old.find((i) => i.endpoint.host === ep.host && i.endpoint.port === ep.port && i.protocol === protocol)
      ?? new UpstreamInstance(ep, protocol, this.opts));
    backend.instances = next;
    for (const gone of old) if (!next.includes(gone)) void gone.client.close().catch(() => undefined);
    for (const l of this.changeListeners) l(backend);
  }

  revision(namespace: string, name: string): RevisionStats | undefined {
    const backend = this.backends.get(`${namespace}/${name}`);
    return backend && this.stats(backend, performance.now());
  }

  revisions(): RevisionStats[] {
    const now = performance.now();
    const reported = [...this.backends.values()].filter((b) => !b.deleted || b.instances.length > 0 || b.counters.inFlight > 0);
    return reported.map((b) => this.stats(b, now));
  }

  private stats(b: RevisionBackend, now: number): RevisionStats {
    const instances: InstanceStats[] = b.instances.map((i) => ({ address: i.address, inFlight: i.inFlight, requests: i.requests }));
    return revisionStats(b.namespace, b.name, b.counters, instances, now);
  }

  async close(): Promise<void> {
    this.closed = true;
    const clients = [...this.backends.values()].flatMap((b) => b.instances.map((i) => i.client));
    for (const b of this.backends.values()) b.instances = [];
    await Promise.all(clients.map((c) => c.destroy().catch(() => undefined)));
  }
}
