/**
 * A small in-memory Client for the HTTP layer's tests: enough semantics to exercise the server
 * (CRUD, merge patch, watch with replay), and a record of the calls it received.
 */

import { randomUUID } from 'node:crypto';
import type { KObject } from '../../apis/meta.ts';
import { apiVersionOf, type ResourceType } from '../../apis/resources.ts';
import type {
  Client, ClientWatch, ClientWatchEvent, DeleteOptions, ListQuery, ListResponse, PatchType, WatchQuery,
  WriteOptions, WriteResult,
} from '../../client/client.ts';
import { errors } from '../../lib/errors.ts';
import { applyMergePatch } from '../../lib/merge-patch.ts';

interface Watcher {
  type: ResourceType;
  query: WatchQuery;
  onEvent: (ev: ClientWatchEvent) => void;
}

export interface RecordedCall {
  method: string;
  type: string;
  args: unknown[];
}

export class FakeClient implements Client {
  readonly calls: RecordedCall[] = [];
  readonly watchers = new Set<Watcher>();
  /** Warnings every write returns. */
  writeWarnings: string[] = [];
  private objects = new Map<string, KObject>();
  private rv = 0;

  private key(type: ResourceType, ns: string, name: string): string {
    return `${type.group}/${type.plural}/${ns}/${name}`;
  }

  private record(method: string, type: ResourceType, ...args: unknown[]): void {
    this.calls.push({ method, type: type.plural, args });
  }

  private matches(type: ResourceType, query: ListQuery, obj: KObject): boolean {
    if (query.namespace && obj.metadata.namespace !== query.namespace) return false;
    for (const term of (query.fieldSelector ?? '').split(',').filter(Boolean)) {
      const [k, v] = term.split('=');
      if (k === 'metadata.name' && obj.metadata.name !== v) return false;
      if (k === 'metadata.namespace' && obj.metadata.namespace !== v) return false;
      if (k !== 'metadata.name' && k !== 'metadata.namespace') throw errors.badRequest(`field label not supported: ${k}`);
    }
    for (const term of (query.labelSelector ?? '').split(',').filter(Boolean)) {
      const [k, v] = term.split('=');
      if (obj.metadata.labels?.[k!] !== v) return false;
    }
    return obj.apiVersion === apiVersionOf(type) && obj.kind === type.kind;
  }

  private notify(type: ResourceType, evType: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KObject): void {
    for (const w of this.watchers) {
      if (w.type === type && this.matches(type, w.query, obj)) w.onEvent({ type: evType, object: structuredClone(obj) });
    }
  }

  async get(type: ResourceType, namespace: string, name: string): Promise<KObject> {
    this.record('get', type, namespace, name);
    const obj = this.objects.get(this.key(type, namespace, name));
    if (!obj) throw errors.notFound({ group: type.group, resource: type.plural }, name);
    return structuredClone(obj);
  }

  async list(type: ResourceType, query: ListQuery = {}): Promise<ListResponse> {
    this.record('list', type, query);
    const items = [...this.objects.values()].filter((o) => this.matches(type, query, o)).map((o) => structuredClone(o));
    return { items, resourceVersion: String(this.rv) };
  }

  async watch(type: ResourceType, query: WatchQuery, onEvent: (ev: ClientWatchEvent) => void): Promise<ClientWatch> {
    this.record('watch', type, query);
    if (query.resourceVersion && query.resourceVersion !== '0' && Number(query.resourceVersion) < this.rv - 100) {
      onEvent({ type: 'ERROR', object: errors.gone(`too old resource version: ${query.resourceVersion} (${this.rv})`).toStatus() as unknown as KObject });
      return { stop() {} };
    }
    if (!query.resourceVersion || query.resourceVersion === '0') {
      for (const o of this.objects.values()) if (this.matches(type, query, o)) onEvent({ type: 'ADDED', object: structuredClone(o) });
    }
    const w: Watcher = { type, query, onEvent };
    this.watchers.add(w);
    return { stop: () => { this.watchers.delete(w); } };
  }

  private stamp(type: ResourceType, obj: KObject): KObject {
    obj.apiVersion = apiVersionOf(type);
    obj.kind = type.kind;
    obj.metadata.resourceVersion = String(++this.rv);
    return obj;
  }

  async create(type: ResourceType, obj: KObject, opts: WriteOptions = {}): Promise<WriteResult> {
    this.record('create', type, structuredClone(obj), opts);
    const ns = type.namespaced ? obj.metadata.namespace ?? '' : '';
    const name = obj.metadata.name ?? '';
    const k = this.key(type, ns, name);
    if (this.objects.has(k)) throw errors.alreadyExists({ group: type.group, resource: type.plural }, name);
    const stored = structuredClone(obj);
    stored.metadata.uid = randomUUID();
    stored.metadata.generation = 1;
    stored.metadata.creationTimestamp = new Date().toISOString();
    if (opts.dryRun) return { object: { ...stored, apiVersion: apiVersionOf(type), kind: type.kind }, created: true, warnings: this.writeWarnings };
    this.stamp(type, stored);
    this.objects.set(k, stored);
    this.notify(type, 'ADDED', stored);
    return { object: structuredClone(stored), created: true, warnings: this.writeWarnings };
  }

  private async write(type: ResourceType, next: KObject, opts: WriteOptions): Promise<WriteResult> {
    const k = this.key(type, next.metadata.namespace ?? '', next.metadata.name ?? '');
    if (opts.dryRun) return { object: next, created: false, warnings: this.writeWarnings };
    this.stamp(type, next);
    this.objects.set(k, next);
    this.notify(type, 'MODIFIED', next);
    return { object: structuredClone(next), created: false, warnings: this.writeWarnings };
  }

  async update(type: ResourceType, obj: KObject, opts: WriteOptions = {}): Promise<WriteResult> {
    this.record('update', type, structuredClone(obj), opts);
    const cur = await this.get(type, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
    return this.write(type, { ...structuredClone(obj), status: cur.status, metadata: { ...cur.metadata, ...obj.metadata } }, opts);
  }

  async updateStatus(type: ResourceType, obj: KObject, opts: WriteOptions = {}): Promise<WriteResult> {
    this.record('updateStatus', type, structuredClone(obj), opts);
    const cur = await this.get(type, obj.metadata.namespace ?? '', obj.metadata.name ?? '');
    return this.write(type, { ...cur, status: obj.status }, opts);
  }

  async patch(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown,
    opts: WriteOptions & { subresource?: 'status' } = {}): Promise<WriteResult> {
    this.record('patch', type, namespace, name, patchType, patch, opts);
    if (patchType !== 'merge') throw errors.unsupportedMediaType();
    const cur = await this.get(type, namespace, name);
    return this.write(type, applyMergePatch(cur, patch) as KObject, opts);
  }

  async delete(type: ResourceType, namespace: string, name: string, opts: DeleteOptions = {}): Promise<KObject> {
    this.record('delete', type, namespace, name, opts);
    const cur = await this.get(type, namespace, name);
    if (opts.dryRun) return cur;
    this.objects.delete(this.key(type, namespace, name));
    this.stamp(type, cur);
    this.notify(type, 'DELETED', cur);
    return cur;
  }

  async deleteCollection(type: ResourceType, query: ListQuery, opts: DeleteOptions = {}): Promise<KObject[]> {
    this.record('deleteCollection', type, query, opts);
    const { items } = await this.list(type, query);
    const out: KObject[] = [];
    for (const o of items) out.push(await this.delete(type, o.metadata.namespace ?? '', o.metadata.name!, opts));
    return out;
  }
}
