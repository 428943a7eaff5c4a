/**
 * The Store holds every object ksrv knows, keyed by (group, resource, namespace, name), in the
 * storage version (v1 for serving.knative.dev). It knows nothing of Kubernetes semantics beyond
 * resourceVersion: admission, generation and status rules live in the registry above it.
 *
 * Contract (checked by store/conformance.ts for every backend):
 * - resourceVersion is a decimal string of one global, strictly increasing counter; every write
 *   (create, update, delete) gets a new one, and the object returned carries it in metadata.
 * - update and delete are compare-and-swap when `expectedResourceVersion` is given.
 * - a write is atomic and durable once the promise resolves (SQLite: one transaction per write, WAL).
 * - watch(fromResourceVersion) delivers every change with RV > fromResourceVersion, in RV order, then
 *   live changes; if that history is no longer kept it throws StoreError 'Gone'.
 */

import type { KObject } from '../apis/meta.ts';

export interface ResourceRef {
  group: string;     // '' for core
  resource: string;  // plural, e.g. 'services'
}

export interface ObjectRef extends ResourceRef {
  namespace: string; // '' for cluster-scoped
  name: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  ref: ObjectRef;
  /** The object after the change; for DELETED, its last state with the deletion's resourceVersion. */
  object: KObject;
  resourceVersion: string;
}

export interface ListOptions {
  namespace?: string;            // undefined or '' = all namespaces
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;       // the store's current RV at the time of the list
}

export interface WatchOptions extends ListOptions {
  /** Deliver changes after this RV. '0' or undefined: start from "now" (the caller lists first). */
  fromResourceVersion?: string;
}

export interface Watch {
  stop(): void;
}

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone';

const BRAND = Symbol.for('ksrv.StoreError');

export class StoreError extends Error {
  readonly [BRAND] = true;
  constructor(readonly code: StoreErrorCode, message: string, readonly currentResourceVersion?: string) {
    super(message);
    this.name = 'StoreError';
  }
  static is(x: unknown, code?: StoreErrorCode): x is StoreError {
    return typeof x === 'object' && x !== null && (x as any)[BRAND] === true && (code === undefined || (x as StoreError).code === code);
  }
}

export interface Store {
  /** Returns undefined when absent. */
  get(ref: ObjectRef): Promise<KObject | undefined>;
  list(res: ResourceRef, opts?: ListOptions): Promise<ListResult>;
  /** Fails with AlreadyExists. The object's metadata.name/namespace must match ref. */
  create(ref: ObjectRef, obj: KObject): Promise<KObject>;
  /** Fails with NotFound, or Conflict when expectedResourceVersion is given and differs. */
  update(ref: ObjectRef, obj: KObject, expectedResourceVersion?: string): Promise<KObject>;
  /** Returns the deleted object stamped with the deletion RV. NotFound / Conflict as update. */
  delete(ref: ObjectRef, expectedResourceVersion?: string): Promise<KObject>;
  /**
   * Subscribes to changes of one resource type (optionally one namespace). Events are delivered
   * asynchronously, in RV order, never concurrently for one watch. Throws StoreError 'Gone'
   * synchronously-or-rejected when fromResourceVersion is older than the kept history.
   * fromResourceVersion is exclusive ('5' delivers RV 6 onwards). Each event's object is the
   * listener's own copy. If onEvent returns a promise, the next event waits until it settles
   * (writers never wait); an exception thrown by onEvent is logged and delivery continues.
   * stop() is idempotent; no event is delivered after it returns. close() stops every watch.
   */
  watch(res: ResourceRef, opts: WatchOptions, onEvent: (ev: StoreEvent) => void): Promise<Watch>;
  /** The current (latest assigned) resourceVersion. */
  currentResourceVersion(): Promise<string>;
  close(): Promise<void>;
}
