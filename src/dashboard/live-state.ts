/**
 * The dashboard's picture of Services, Revisions and Routes, kept current by Client watches
 * (list, then watch from the list's resourceVersion; relisted when a watch ends), and the history
 * of traffic changes and revision creations derived from what the watches see.
 */
import type { Logger } from 'pino';
import type { KObject } from '../apis/meta.ts';
import { RevisionType, RouteType, ServiceType, type ResourceType } from '../apis/resources.ts';
import type { Client, ClientWatch } from '../client/client.ts';
import {
  describeSplit, objectKey, revisionView, routeView, serviceView,
  type RevisionView, type RouteView, type ServiceView,
} from './views.ts';

export type Kind = 'service' | 'revision' | 'route';

export interface HistoryEntry {
  /** RFC 3339 time. */
  at: string;
  namespace: string;
  service: string;
  kind: 'service-created' | 'service-deleted' | 'traffic' | 'revision-created' | 'revision-deleted';
  revision?: string;
  message: string;
}

export type LiveChange =
  | { type: 'upsert'; kind: 'service'; key: string; view: ServiceView }
  | { type: 'upsert'; kind: 'revision'; key: string; view: RevisionView }
  | { type: 'upsert'; kind: 'route'; key: string; view: RouteView }
  | { type: 'delete'; kind: Kind; key: string }
  | { type: 'history'; entry: HistoryEntry };

export interface LiveSnapshot {
  services: ServiceView[];
  revisions: RevisionView[];
  routes: RouteView[];
  history: HistoryEntry[];
}

const HISTORY_LIMIT = 500;
const RELIST_DELAY_MS = 1000;

export class LiveState {
  readonly services = new Map<string, ServiceView>();
  readonly revisions = new Map<string, RevisionView>();
  readonly routes = new Map<string, RouteView>();
  readonly history: HistoryEntry[] = [];
  readonly #listeners: ((c: LiveChange) => void)[] = [];
  readonly #watches = new Map<Kind, ClientWatch>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  private constructor(private readonly client: Client, private readonly logger: Logger | undefined, private readonly clock: () => Date) {}

  /** Resolves once the current objects are listed and the watches run. */
  static async start(client: Client, opts: { logger?: Logger; clock?: () => Date } = {}): Promise<LiveState> {
    const state = new LiveState(client, opts.logger, opts.clock ?? (() => new Date()));
    try {
      await Promise.all((['service', 'revision', 'route'] as const).map((k) => state.#sync(k)));
    } catch (err) {
      state.close();
      throw err;
    }
    return state;
  }

  onChange(listener: (c: LiveChange) => void): () => void {
    this.#listeners.push(listener);
    return () => { const i = this.#listeners.indexOf(listener); if (i >= 0) this.#listeners.splice(i, 1); };
  }

  snapshot(): LiveSnapshot {
    return {
      services: [...this.services.values()], revisions: [...this.revisions.values()],
      routes: [...this.routes.values()], history: [...this.history],
    };
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#watches.values()) w.stop();
    this.#watches.clear();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  async #sync(kind: Kind): Promise<void> {
    const type = TYPES[kind];
    const list = await this.client.list(type);
    if (this.#closed) return;
    const seen = new Set<string>();
    for (const obj of list.items) {
      seen.add(objectKey(obj));
      this.#apply(kind, 'ADDED', obj);
    }
    for (const key of [...this.#map(kind).keys()]) {
      const prior = this.#map(kind).get(key)!;
      if (!seen.has(key)) this.#remove(kind, key, prior);
    }
    const watch = await this.client.watch(type, { resourceVersion: list.resourceVersion }, (ev) => {
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') this.#apply(kind, ev.type, ev.object);
      else if (ev.type === 'ERROR') this.logger?.debug({ kind, status: ev.object }, 'dashboard watch expired; relisting');
    }, () => this.#relistLater(kind));
    if (this.#closed) { watch.stop(); return; }
    this.#watches.set(kind, watch);
  }

  #relistLater(kind: Kind): void {
    this.#watches.delete(kind);
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#sync(kind).catch((err) => {
        this.logger?.warn({ err, kind }, 'dashboard relist failed');
        this.#relistLater(kind);
      });
    }, RELIST_DELAY_MS);
    timer.unref();
    this.#timers.add(timer);
  }

  #map(kind: Kind): Map<string, ServiceView | RevisionView | RouteView> {
    return kind === 'service' ? this.services : kind === 'revision' ? this.revisions : this.routes;
  }

  #apply(kind: Kind, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KObject): void {
    const key = objectKey(obj);
    if (type === 'DELETED') {
      const prior = this.#map(kind).get(key);
      if (prior) this.#remove(kind, key, prior);
      return;
    }
    if (kind === 'service') {
      const view = serviceView(obj);
      const prior = this.services.get(key);
      this.services.set(key, view);
      this.#emit({ type: 'upsert', kind, key, view });
      if (!prior) this.#record({ at: view.created || this.#now(), namespace: view.namespace, service: view.name, kind: 'service-created', message: `Service ${view.name} created` });
      const split = describeSplit(view.statusTraffic);
      if (view.statusTraffic.length && split !== describeSplit(prior?.statusTraffic ?? [])) {
        this.#record({ at: this.#now(), namespace: view.namespace, service: view.name, kind: 'traffic', message: `Traffic: ${split}` });
      }
    } else if (kind === 'revision') {
      const view = revisionView(obj);
      const prior = this.revisions.get(key);
      this.revisions.set(key, view);
      this.#emit({ type: 'upsert', kind, key, view });
      if (!prior) {
        this.#record({
          at: view.created || this.#now(), namespace: view.namespace, service: view.service, kind: 'revision-created', revision: view.name,
          message: `Revision ${view.name} created${view.image ? ` (${view.image})` : ''}`,
        });
      }
    } else {
      const view = routeView(obj);
      this.routes.set(key, view);
      this.#emit({ type: 'upsert', kind, key, view });
    }
  }

  #remove(kind: Kind, key: string, prior: ServiceView | RevisionView | RouteView): void {
    this.#map(kind).delete(key);
    this.#emit({ type: 'delete', kind, key });
    if (kind === 'service') {
      this.#record({ at: this.#now(), namespace: prior.namespace, service: prior.name, kind: 'service-deleted', message: `Service ${prior.name} deleted` });
    } else if (kind === 'revision') {
      const rev = prior as RevisionView;
      this.#record({ at: this.#now(), namespace: rev.namespace, service: rev.service, kind: 'revision-deleted', revision: rev.name, message: `Revision ${rev.name} deleted` });
    }
  }

  #record(entry: HistoryEntry): void {
    // Creations carry their objects' own times (older ones come from the initial list): keep time order.
    let i = this.history.length;
    while (i > 0 && this.history[i - 1]!.at > entry.at) i--;
    this.history.splice(i, 0, entry);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    this.#emit({ type: 'history', entry });
  }

  #now(): string {
    return this.clock().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  #emit(change: LiveChange): void {
    for (const l of this.#listeners) {
      try { l(change); } catch (err) { this.logger?.error({ err }, 'dashboard listener failed'); }
    }
  }
}

const TYPES: Record<Kind, ResourceType> = { service: ServiceType, revision: RevisionType, route: RouteType };
