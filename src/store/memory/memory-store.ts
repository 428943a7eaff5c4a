/**
 * An in-memory Store: the same contract as SQLite (checked by the conformance suite), for fast unit
 * tests of the layers above. Objects are held as stamped JSON so callers never share references.
 */

import type { KObject } from '../../apis/meta.ts';
import type {
  ListOptions, ListResult, ObjectRef, ResourceRef, Store, StoreEvent, Watch, WatchOptions,
} from '../store.ts';
import {
  alreadyExists, assertObjectMatchesRef, conflict, hasPrecondition, notFound, parseWatchStart,
  resourceKey, restampJson, stampedJson, tooOldResourceVersion,
} from '../backend-checks.ts';
import { WatchFanout, type Change } from '../watch-fanout.ts';

export interface MemoryStoreOptions {
  /** How many recent changes are kept for watch replay (default 10000). */
  historyLimit?: number;
}

interface Entry {
  ref: ObjectRef;
  rv: number;
  json: string;
}

export class MemoryStore implements Store {
  private readonly historyLimit: number;
  /** resourceKey → "namespace/name" → entry */
  private readonly objects = new Map<string, Map<string, Entry>>();
  /** Change log in RV order; entries before `logStart` are discarded and compacted lazily. */
  private log: Change[] = [];
  private logStart = 0;
  private rv = 0;
  private readonly fanout = new WatchFanout();
  private closed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    this.historyLimit = Math.max(1, opts.historyLimit ?? 10000);
  }

  async get(ref: ObjectRef): Promise<KObject | undefined> {
    this.assertOpen();
    const entry = this.bucket(ref)?.get(objectName(ref));
    return entry ? (JSON.parse(entry.json) as KObject) : undefined;
  }

  async list(res: ResourceRef, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const entries = [...(this.bucket(res)?.values() ?? [])]
      .filter((e) => !opts.namespace || e.ref.namespace === opts.namespace)
      .sort(byNamespaceThenName);
    return { items: entries.map((e) => JSON.parse(e.json) as KObject), resourceVersion: String(this.rv) };
  }

  async create(ref: ObjectRef, obj: KObject): Promise<KObject> {
    this.assertOpen();
    assertObjectMatchesRef(ref, obj);
    const bucket = this.bucketFor(ref);
    const name = objectName(ref);
    if (bucket.has(name)) throw alreadyExists(ref);
    const rv = ++this.rv;
    const entry: Entry = { ref: copyRef(ref), rv, json: stampedJson(obj, rv) };
    bucket.set(name, entry);
    this.record({ rv, type: 'ADDED', ref: entry.ref, json: entry.json });
    return JSON.parse(entry.json) as KObject;
  }

  /** The stored entry of `ref`, checked against the caller's resourceVersion precondition. */
  private existing(ref: ObjectRef, expectedResourceVersion: string | undefined) {
    const bucket = this.bucket(ref);
    const name = objectName(ref);
    const current = bucket?.get(name);
    if (!bucket || !current) throw notFound(ref);
    if (hasPrecondition(expectedResourceVersion) && expectedResourceVersion !== String(current.rv)) {
      throw conflict(ref, String(current.rv));
    }
    return { bucket, name, current };
  }

  async update(ref: ObjectRef, obj: KObject, expectedResourceVersion?: string): Promise<KObject> {
    this.assertOpen();
    assertObjectMatchesRef(ref, obj);
    const { bucket, name, current } = this.existing(ref, expectedResourceVersion);
    const rv = ++this.rv;
    const entry: Entry = { ref: current.ref, rv, json: stampedJson(obj, rv) };
    bucket.set(name, entry);
    this.record({ rv, type: 'MODIFIED', ref: entry.ref, json: entry.json });
    return JSON.parse(entry.json) as KObject;
  }

  async delete(ref: ObjectRef, expectedResourceVersion?: string): Promise<KObject> {
    this.assertOpen();
    const { bucket, name, current } = this.existing(ref, expectedResourceVersion);
    const rv = ++this.rv;
    bucket.delete(name);
    const json = restampJson(current.json, rv);
    this.record({ rv, type: 'DELETED', ref: current.ref, json });
    return JSON.parse(json) as KObject;
  }

  async watch(res: ResourceRef, opts: WatchOptions, onEvent: (ev: StoreEvent) => void): Promise<Watch> {
    this.assertOpen();
    const from = parseWatchStart(opts.fromResourceVersion);
    if (from === undefined) return this.fanout.subscribe(res, opts.namespace, this.rv, [], onEvent);
    const oldest = this.logStart < this.log.length ? this.log[this.logStart]!.rv : this.rv + 1;
    if (from < oldest - 1) throw tooOldResourceVersion(from, oldest);
    const backlog = this.changesAfter(from).filter((c) => resourceKey(c.ref) === resourceKey(res));
    return this.fanout.subscribe(res, opts.namespace, from, backlog, onEvent);
  }

  async currentResourceVersion(): Promise<string> {
    this.assertOpen();
    return String(this.rv);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fanout.stopAll();
  }

  private record(change: Change): void {
    this.log.push(change);
    if (this.log.length - this.logStart > this.historyLimit) this.logStart++;
    // Compact once the discarded prefix outgrows the kept history, keeping pushes amortised O(1).
    if (this.logStart > this.historyLimit) { this.log = this.log.slice(this.logStart); this.logStart = 0; }
    this.fanout.publish(change);
  }

  private changesAfter(rv: number): Change[] {
    let lo = this.logStart, hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]!.rv <= rv) lo = mid + 1; else hi = mid;
    }
    return this.log.slice(lo);
  }

  private bucket(res: ResourceRef): Map<string, Entry> | undefined {
    return this.objects.get(resourceKey(res));
  }

  private bucketFor(res: ResourceRef): Map<string, Entry> {
    const key = resourceKey(res);
    let bucket = this.objects.get(key);
    if (!bucket) { bucket = new Map(); this.objects.set(key, bucket); }
    return bucket;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }
}

function objectName(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.name}`;
}

function copyRef(ref: ObjectRef): ObjectRef {
  return { group: ref.group, resource: ref.resource, namespace: ref.namespace, name: ref.name };
}

function byNamespaceThenName(a: Entry, b: Entry): number {
  if (a.ref.namespace !== b.ref.namespace) return a.ref.namespace < b.ref.namespace ? -1 : 1;
  return a.ref.name < b.ref.name ? -1 : a.ref.name > b.ref.name ? 1 : 0;
}
