/**
 * An in-memory Client for controller unit tests: resourceVersions from one counter, generation
 * bumped on spec change, status subresource, compare-and-swap (409 on a stale resourceVersion),
 * merge patch, owner-reference cascading delete, list/watch with replay from a resourceVersion.
 * Serving objects go through the shared admission (defaulting + validation) like in the registry.
 */

import { randomUUID } from 'node:crypto';
import type { KObject } from '../../apis/meta.ts';
import { ALL_TYPES, apiVersionOf, type ResourceType } from '../../apis/resources.ts';
import { admit } from '../../apis/serving/admission.ts';
import type {
  Client, ClientWatch, ClientWatchEvent, DeleteOptions, ListQuery, ListResponse, PatchType, WatchQuery,
  WriteOptions, WriteResult,
} from '../../client/client.ts';
import { errors } from '../../lib/errors.ts';
import { deepClone, deepEqual } from '../../lib/json.ts';

interface Watcher {
  type: ResourceType;
  namespace?: string;
  labels?: Record<string, string>;
  onEvent: (ev: ClientWatchEvent) => void;
  stopped: boolean;
}

function parseSelector(sel?: string): Record<string, string> | undefined {
  if (!sel) return undefined;
  const out: Record<string, string> = {};
  for (const part of sel.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    out[k!] = v ?? '';
  }
  return out;
}

function matches(obj: KObject, namespace?: string, labels?: Record<string, string>): boolean {
  if (namespace && obj.metadata.namespace !== namespace) return false;
  if (labels) for (const [k, v] of Object.entries(labels)) if (obj.metadata.labels?.[k] !== v) return false;
  return true;
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return deepClone(patch);
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target)
    ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeClient implements Client {
  private rv = 0;
  private readonly objects = new Map<string, KObject>(); // type|ns|name
  private readonly history: { type: ResourceType; ev: ClientWatchEvent; rv: number }[] = [];
  private readonly watchers = new Set<Watcher>();
  /** Counts writes per verb, for tests about redundant writes. */
  readonly writes = { create: 0, update: 0, updateStatus: 0, patch: 0, delete: 0 };
  /** Hook to inject failures: throw from it to fail a write. */
  beforeWrite?: (verb: string, type: ResourceType, obj: KObject) => void;
  /** When false, watch events are delivered synchronously within the write. */
  asyncEvents = true;

  private k(type: ResourceType, ns: string | undefined, name: string): string {
    return `${type.plural}.${type.group}|${ns ?? ''}|${name}`;
  }

  private gr(type: ResourceType) {
    return { group: type.group, resource: type.plural };
  }

  private emit(type: ResourceType, evType: ClientWatchEvent['type'], obj: KObject): void {
    const ev: ClientWatchEvent = { type: evType, object: deepClone(obj) };
    this.history.push({ type, ev, rv: this.rv });
    for (const w of this.watchers) {
      if (w.type !== type || !matches(obj, w.namespace, w.labels)) continue;
      const deliver = () => { if (!w.stopped) w.onEvent({ type: ev.type, object: deepClone(ev.object) }); };
      if (this.asyncEvents) queueMicrotask(deliver); else deliver();
    }
  }

  async get(type: ResourceType, namespace: string, name: string): Promise<KObject> {
    const o = this.objects.get(this.k(type, namespace, name));
    if (!o) throw errors.notFound(this.gr(type), name);
    return deepClone(o);
  }

  async list(type: ResourceType, query: ListQuery = {}): Promise<ListResponse> {
    return this.listNow(type, query);
  }

  private listNow(type: ResourceType, query: ListQuery = {}): ListResponse {
    const labels = parseSelector(query.labelSelector);
    const items = [...this.objects.values()]
      .filter((o) => o.kind === type.kind && apiGroupOf(o) === type.group && matches(o, query.namespace, labels))
      .map(deepClone);
    return { items, resourceVersion: String(this.rv) };
  }

  async watch(type: ResourceType, query: WatchQuery, onEvent: (ev: ClientWatchEvent) => void): Promise<ClientWatch> {
    const w: Watcher = { type, namespace: query.namespace, labels: parseSelector(query.labelSelector), onEvent, stopped: false };
    const from = query.resourceVersion && query.resourceVersion !== '0' ? Number(query.resourceVersion) : undefined;
    const replay: ClientWatchEvent[] = [];
    if (from === undefined) {
      const { items } = this.listNow(type, query);
      for (const o of items) replay.push({ type: 'ADDED', object: o });
    } else {
      for (const h of this.history) {
        if (h.rv > from && h.type === type && matches(h.ev.object, w.namespace, w.labels)) replay.push(deepClone(h.ev));
      }
    }
    this.watchers.add(w);
    for (const ev of replay) queueMicrotask(() => { if (!w.stopped) onEvent(ev); });
    return { stop: () => { w.stopped = true; this.watchers.delete(w); } };
  }

  private admitted(type: ResourceType, obj: KObject, old?: KObject): KObject {
    if (type.group !== 'serving.knative.dev') return obj;
    return admit({ operation: old ? 'UPDATE' : 'CREATE', type, object: obj, oldObject: old }).object;
  }

  async create(type: ResourceType, input: KObject, opts?: WriteOptions): Promise<WriteResult> {
    let obj = deepClone(input);
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = obj.metadata.generateName + Math.random().toString(36).slice(2, 7);
    }
    const key = this.k(type, obj.metadata.namespace, obj.metadata.name!);
    if (this.objects.has(key)) throw errors.alreadyExists(this.gr(type), obj.metadata.name!);
    obj = this.admitted(type, obj);
    this.beforeWrite?.('create', type, obj);
    if (opts?.dryRun) return { object: obj, created: true, warnings: [] };
    this.writes.create++;
    obj.metadata.uid = randomUUID();
    obj.metadata.generation = 1;
    obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    obj.metadata.resourceVersion = String(++this.rv);
    if (type.hasStatus && type.group) obj.status = {};
    this.objects.set(key, obj);
    this.emit(type, 'ADDED', obj);
    return { object: deepClone(obj), created: true, warnings: [] };
  }

  private current(type: ResourceType, obj: KObject): KObject {
    const cur = this.objects.get(this.k(type, obj.metadata.namespace, obj.metadata.name!));
    if (!cur) throw errors.notFound(this.gr(type), obj.metadata.name!);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) {
      throw errors.conflict(this.gr(type), obj.metadata.name!);
    }
    return cur;
  }

  private store(type: ResourceType, cur: KObject, next: KObject): KObject {
    next.metadata = { ...next.metadata, uid: cur.metadata.uid, creationTimestamp: cur.metadata.creationTimestamp };
    if (deepEqual(next, cur)) return deepClone(cur); // no-op: no new resourceVersion, no event
    next.metadata.resourceVersion = String(++this.rv);
    this.objects.set(this.k(type, cur.metadata.namespace, cur.metadata.name!), next);
    this.emit(type, 'MODIFIED', next);
    return deepClone(next);
  }

  async update(type: ResourceType, input: KObject, opts?: WriteOptions): Promise<WriteResult> {
    const cur = this.current(type, input);
    let next = deepClone(input);
    next.apiVersion = apiVersionOf(type);
    next.kind = type.kind;
    if (type.hasStatus && type.group) next.status = deepClone(cur.status);
    next = this.admitted(type, next, cur);
    next.metadata.generation = cur.metadata.generation;
    next.metadata.resourceVersion = cur.metadata.resourceVersion;
    if (!deepEqual(next.spec, cur.spec)) next.metadata.generation = (cur.metadata.generation ?? 0) + 1;
    this.beforeWrite?.('update', type, next);
    if (opts?.dryRun) return { object: next, created: false, warnings: [] };
    this.writes.update++;
    return { object: this.store(type, cur, next), created: false, warnings: [] };
  }

  async updateStatus(type: ResourceType, input: KObject, opts?: WriteOptions): Promise<WriteResult> {
    const cur = this.current(type, input);
    const next = deepClone(cur);
    next.status = deepClone(input.status);
    this.beforeWrite?.('updateStatus', type, next);
    if (opts?.dryRun) return { object: next, created: false, warnings: [] };
    this.writes.updateStatus++;
    return { object: this.store(type, cur, next), created: false, warnings: [] };
  }

  async patch(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown,
    opts?: WriteOptions & { subresource?: 'status' }): Promise<WriteResult> {
    if (patchType !== 'merge') throw errors.unsupportedMediaType();
    const cur = await this.get(type, namespace, name);
    const patched = mergePatch(cur, patch) as KObject;
    patched.metadata.resourceVersion = cur.metadata.resourceVersion;
    this.writes.patch++;
    if (opts?.subresource === 'status') return this.updateStatus(type, patched, opts);
    this.writes.update--;
    return this.update(type, patched, opts);
  }

  async delete(type: ResourceType, namespace: string, name: string, opts?: DeleteOptions): Promise<KObject> {
    const key = this.k(type, namespace, name);
    const cur = this.objects.get(key);
    if (!cur) throw errors.notFound(this.gr(type), name);
    if (opts?.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== cur.metadata.resourceVersion) {
      throw errors.conflict(this.gr(type), name);
    }
    if (opts?.dryRun) return deepClone(cur);
    this.writes.delete++;
    this.objects.delete(key);
    const gone = deepClone(cur);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit(type, 'DELETED', gone);
    if (opts?.propagationPolicy !== 'Orphan') this.collectDependents(cur.metadata.uid!);
    return gone;
  }

  private collectDependents(uid: string): void {
    for (const o of [...this.objects.values()]) {
      if (!o.metadata.ownerReferences?.some((r) => r.uid === uid)) continue;
      const t = ALL_TYPES.find((t) => t.kind === o.kind && apiGroupOf(o) === t.group);
      if (t) void this.delete(t, o.metadata.namespace ?? '', o.metadata.name!).catch(() => undefined);
    }
  }

  async deleteCollection(type: ResourceType, query: ListQuery, opts?: DeleteOptions): Promise<KObject[]> {
    const { items } = await this.list(type, query);
    const out: KObject[] = [];
    for (const o of items) out.push(await this.delete(type, o.metadata.namespace ?? '', o.metadata.name!, opts));
    return out;
  }
}

function apiGroupOf(o: KObject): string {
  const i = o.apiVersion.indexOf('/');
  return i < 0 ? '' : o.apiVersion.slice(0, i);
}
