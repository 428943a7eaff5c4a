/**
 * Client is the in-process face of the API server: the same create/update/patch/delete/watch
 * semantics kubectl gets over HTTP (admission, defaulting, validation, generation, status
 * subresource, optimistic concurrency, dry-run, owner-reference garbage collection), on objects in
 * their storage version. The HTTP layer (src/api) translates requests into these calls; the
 * controllers (src/reconciler) use it directly. Errors are ApiError (src/lib/errors.ts).
 *
 * Versions: objects handed IN may be in any served version (their apiVersion says which, e.g. a
 * v1alpha1 manifest with runLatest); the registry checks unknown fields in that version, converts
 * to the storage version, then admits. Objects handed OUT are always in the storage version; the
 * HTTP layer converts them to the version of the request URL.
 */

import type { KObject } from '../apis/meta.ts';
import type { ResourceType } from '../apis/resources.ts';

export type PatchType = 'merge' | 'json' | 'apply' | 'strategic';

export interface WriteOptions {
  dryRun?: boolean;
  /** Served version the request was made in (patch bodies are applied in this version). Default: storage. */
  version?: string;
  /** Authenticated user, for Knative's creator/lastModifier annotations. */
  username?: string;
  fieldManager?: string;
  /** 'Strict' rejects unknown fields, 'Warn' reports them as warnings, 'Ignore' drops them silently. */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** For server-side apply. */
  force?: boolean;
}

export interface WriteResult {
  object: KObject;
  /** true when the write created the object (201 over HTTP). */
  created: boolean;
  /** Warnings to send as `Warning: 299 - "..."` headers. */
  warnings: string[];
}

export interface ListQuery {
  namespace?: string;       // '' or undefined = all namespaces
  labelSelector?: string;   // Kubernetes label selector syntax
  fieldSelector?: string;   // metadata.name / metadata.namespace (and a few kind-specific ones)
}

export interface ListResponse {
  items: KObject[];
  resourceVersion: string;
}

export interface WatchQuery extends ListQuery {
  /** '0' or undefined: first replay every current matching object as ADDED. */
  resourceVersion?: string;
}

export interface ClientWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KObject;
}

export interface ClientWatch {
  stop(): void;
}

export interface DeleteOptions {
  dryRun?: boolean;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface Client {
  get(type: ResourceType, namespace: string, name: string): Promise<KObject>;
  list(type: ResourceType, query?: ListQuery): Promise<ListResponse>;
  /** Streams events until stop(); a too-old resourceVersion yields one ERROR event (410 Expired Status) and ends. */
  watch(type: ResourceType, query: WatchQuery, onEvent: (ev: ClientWatchEvent) => void, onEnd?: () => void): Promise<ClientWatch>;
  create(type: ResourceType, obj: KObject, opts?: WriteOptions): Promise<WriteResult>;
  /** PUT semantics: status ignored; metadata.resourceVersion, when set, must match (409). */
  update(type: ResourceType, obj: KObject, opts?: WriteOptions): Promise<WriteResult>;
  /** PUT on /status: only status (and nothing else) changes. */
  updateStatus(type: ResourceType, obj: KObject, opts?: WriteOptions): Promise<WriteResult>;
  patch(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown,
    opts?: WriteOptions & { subresource?: 'status' }): Promise<WriteResult>;
  delete(type: ResourceType, namespace: string, name: string, opts?: DeleteOptions): Promise<KObject>;
  deleteCollection(type: ResourceType, query: ListQuery, opts?: DeleteOptions): Promise<KObject[]>;
}
