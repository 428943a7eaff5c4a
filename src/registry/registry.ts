/**
 * Registry: the API server's object semantics over a Store, behind the Client interface.
 *
 * Every write follows the Kubernetes apiserver's path: decode (version + unknown-field check per
 * fieldValidation) → convert to the storage version → apply server-owned metadata and the status
 * subresource rule → Knative admission (defaulting + validation) → generation → no-op detection →
 * compare-and-swap write. Patches are applied to the live object in the request's version first.
 *
 * Deliberate simplifications (documented for callers):
 * - Deletion is immediate (no finalizers / graceful deletion); Foreground propagation behaves like
 *   Background. Dependents are removed by the GarbageCollector right after.
 * - Server-side apply is a naive deep merge (maps merged, lists replaced, null removes); fields a
 *   manager stops applying are not removed, there is no conflict detection, and managedFields are
 *   not recorded (incoming managedFields are dropped).
 * - fieldValidation defaults to Ignore (unknown fields pruned silently) for in-process callers.
 */
import { randomInt, randomUUID } from 'node:crypto';
import jsonpatch from 'fast-json-patch';
import YAML from 'yaml';
import type { KObject } from '../apis/meta.ts';
import { apiVersionOf, NamespaceType, SERVING_GROUP, type ResourceType } from '../apis/resources.ts';
import { admit } from '../apis/serving/admission.ts';
import type { ClusterSettings } from '../apis/serving/annotation-validation.ts';
import { fromStorageVersion, toStorageVersion } from '../apis/serving/conversion.ts';
import { pruneUnknownFields, unknownFields } from '../apis/serving/schema.ts';
import type {
  Client, ClientWatch, ClientWatchEvent, DeleteOptions, ListQuery, ListResponse, PatchType, WatchQuery,
  WriteOptions, WriteResult,
} from '../client/client.ts';
import { deepClone, deepEqual } from '../lib/json.ts';
import { ApiError, errors } from '../lib/errors.ts';
import { applyMergePatch } from '../lib/merge-patch.ts';
import { StoreError, type ObjectRef, type Store } from '../store/store.ts';
import { GarbageCollector, type GcHost } from './garbage-collector.ts';
import { objectFilter, selectorView } from './object-filter.ts';
import { byNamespaceAndName, startWatch } from './watch.ts';

export interface RegistryOptions {
  store: Store;
  clock?: () => Date;
  /** Errors met while collecting garbage (they never reach a caller). */
  onGcError?: (err: unknown) => void;
  /** Current cluster-wide settings admission validates against (config.yaml). */
  clusterSettings?: () => ClusterSettings;
}

type PatchOptions = WriteOptions & { subresource?: 'status' };

/** How many times a write without a client precondition is retried after losing a CAS race. */
const CONFLICT_RETRIES = 5;
/** Namespaces Kubernetes refuses to delete. */
const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

const groupResource = (t: ResourceType) => ({ group: t.group, resource: t.plural });
const isNamespaceType = (t: ResourceType) => t.group === '' && t.kind === 'Namespace';
/** Kubernetes maintains metadata.generation for custom resources, not for Namespace or Event. */
const tracksGeneration = (t: ResourceType) => t.group !== '';
/** Custom resources refuse an update without metadata.resourceVersion; core types allow it. */
const requiresResourceVersion = (t: ResourceType) => t.group !== '';

function refOf(t: ResourceType, namespace: string | undefined, name: string): ObjectRef {
  return { group: t.group, resource: t.plural, namespace: t.namespaced ? namespace ?? '' : '', name };
}

/** A private, JSON-clean copy (drops undefined members). */
const clean = deepClone;

function isObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Like apiserver's names.SimpleNameGenerator: 5 characters from an alphabet without vowels. */
function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return s;
}

function withoutMetaAndStatus(o: KObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

function isStoreConflict(e: unknown): boolean {
  return StoreError.is(e, 'Conflict') || (ApiError.isApiError(e) && e.reason === 'Conflict');
}

/** Remembers objects as they were before recent updates, so watches can see selector transitions. */
class PreviousStates {
  private readonly byRv = new Map<string, KObject>();
  constructor(private readonly capacity: number) {}
  remember(resourceVersion: string, before: KObject): void {
    this.byRv.set(resourceVersion, selectorView(before));
    if (this.byRv.size > this.capacity) this.byRv.delete(this.byRv.keys().next().value!);
  }
  get(resourceVersion: string): KObject | undefined {
    return this.byRv.get(resourceVersion);
  }
}

export class Registry implements Client {
  private readonly store: Store;
  private readonly clock: () => Date;
  private readonly previous = new PreviousStates(5000);
  private readonly gc: GarbageCollector;
  private readonly clusterSettings: () => ClusterSettings;

  constructor(opts: RegistryOptions) {
    this.store = opts.store;
    this.clusterSettings = opts.clusterSettings ?? (() => ({}));
    this.clock = opts.clock ?? (() => new Date());
    this.gc = new GarbageCollector(this.gcHost(), opts.onGcError);
  }

  /** Resolves once every pending cascading deletion has been carried out. */
  gcIdle(): Promise<void> {
    return this.gc.idle();
  }

  /** Stops background garbage collection (the store is the caller's to close). */
  close(): void {
    this.gc.close();
  }

  /** Creates the Namespace if it does not exist yet (idempotent). */
  async ensureNamespace(name: string): Promise<void> {
    if (await this.store.get(refOf(NamespaceType, '', name))) return;
    try {
      await this.create(NamespaceType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (e) {
      if (!(ApiError.isApiError(e) && e.reason === 'AlreadyExists')) throw e;
    }
  }

  // ---- reads -----------------------------------------------------------------------------------

  async get(type: ResourceType, namespace: string, name: string): Promise<KObject> {
    const obj = await this.store.get(refOf(type, namespace, name));
    if (!obj) throw errors.notFound(groupResource(type), name);
    return obj;
  }

  async list(type: ResourceType, query: ListQuery = {}): Promise<ListResponse> {
    const filter = objectFilter(type, query.labelSelector, query.fieldSelector);
    const namespace = type.namespaced && query.namespace ? query.namespace : undefined;
    const listed = await this.store.list(groupResource(type), { namespace });
    const items = filter.everything ? [...listed.items] : listed.items.filter((o) => filter.matches(o));
    items.sort(byNamespaceAndName);
    return { items, resourceVersion: listed.resourceVersion };
  }

  async watch(type: ResourceType, query: WatchQuery, onEvent: (ev: ClientWatchEvent) => void, onEnd?: () => void): Promise<ClientWatch> {
    const filter = objectFilter(type, query.labelSelector, query.fieldSelector);
    return startWatch({
      store: this.store, type, query, filter, onEvent, onEnd,
      previousOf: (rv) => this.previous.get(rv),
    });
  }

  // ---- create ----------------------------------------------------------------------------------

  async create(type: ResourceType, input: KObject, opts: WriteOptions = {}): Promise<WriteResult> {
    const warnings: string[] = [];
    const obj = this.decode(type, input, opts, warnings);
    const meta = obj.metadata;
    if (type.namespaced) meta.namespace ||= 'default';
    else delete meta.namespace;
    if (!meta.name && !meta.generateName) {
      throw errors.invalid(type.kind, type.group, '', [
        { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
      ]);
    }
    if (type.namespaced) await this.requireNamespace(meta.namespace!);

    const generated = !meta.name;
    if (generated) meta.name = meta.generateName + randomSuffix();
    for (const k of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']) delete meta[k];
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.clock());
    if (tracksGeneration(type)) meta.generation = 1;
    else delete meta.generation;
    if (isNamespaceType(type)) {
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
    } else if (type.hasStatus) {
      delete obj.status;
    }

    const admitted = this.admit('CREATE', type, obj, undefined, opts, warnings);
    for (let attempt = 0; ; attempt++) {
      const ref = refOf(type, admitted.metadata.namespace, admitted.metadata.name!);
      if (opts.dryRun) {
        if (await this.store.get(ref)) throw errors.alreadyExists(groupResource(type), ref.name);
        return { object: admitted, created: true, warnings };
      }
      try {
        return { object: await this.store.create(ref, admitted), created: true, warnings };
      } catch (e) {
        if (!StoreError.is(e, 'AlreadyExists')) throw e;
        if (!generated || attempt >= CONFLICT_RETRIES) throw errors.alreadyExists(groupResource(type), ref.name);
        admitted.metadata.name = meta.generateName + randomSuffix();
      }
    }
  }

  // ---- update ----------------------------------------------------------------------------------

  async update(type: ResourceType, input: KObject, opts: WriteOptions = {}): Promise<WriteResult> {
    const warnings: string[] = [];
    const obj = this.decode(type, input, opts, warnings);
    const current = await this.get(type, obj.metadata.namespace ?? '', this.nameOf(type, obj));
    const precondition = this.requiredResourceVersion(type, obj);
    return this.replace(type, current, obj, opts, warnings, precondition);
  }

  async updateStatus(type: ResourceType, input: KObject, opts: WriteOptions = {}): Promise<WriteResult> {
    const warnings: string[] = [];
    const obj = this.decode(type, input, opts, warnings);
    const current = await this.get(type, obj.metadata.namespace ?? '', this.nameOf(type, obj));
    const precondition = this.requiredResourceVersion(type, obj);
    return this.replaceStatus(type, current, obj.status, opts, warnings, precondition);
  }

  private nameOf(type: ResourceType, obj: KObject): string {
    const name = obj.metadata.name;
    if (!name) {
      throw errors.invalid(type.kind, type.group, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name is required' }]);
    }
    return name;
  }

  private requiredResourceVersion(type: ResourceType, obj: KObject): string | undefined {
    const rv = obj.metadata.resourceVersion;
    if (!rv && requiresResourceVersion(type)) {
      throw errors.invalid(type.kind, type.group, obj.metadata.name ?? '', [
        { reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' },
      ]);
    }
    return rv || undefined;
  }

  /** The main-resource update path shared by PUT, patch and apply. `incoming` is in storage version. */
  private async replace(type: ResourceType, current: KObject, incoming: KObject, opts: WriteOptions,
    warnings: string[], precondition: string | undefined): Promise<WriteResult> {
    const cm = current.metadata;
    this.checkPreconditions(type, current, precondition, incoming.metadata.uid);
    const next = clean(incoming);
    const m = next.metadata;
    m.name = cm.name;
    if (type.namespaced) m.namespace = cm.namespace;
    else delete m.namespace;
    m.uid = cm.uid;
    m.creationTimestamp = cm.creationTimestamp;
    for (const k of ['generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields']) {
      if (cm[k] === undefined) delete m[k];
      else (m as Record<string, unknown>)[k] = cm[k];
    }
    delete m.selfLink;
    if (isNamespaceType(type)) {
      next.spec = current.spec;
      next.status = current.status;
    } else if (type.hasStatus) {
      if (current.status === undefined) delete next.status;
      else next.status = current.status;
    }
    const admitted = this.admit('UPDATE', type, next, current, opts, warnings);
    if (tracksGeneration(type)) {
      const changed = !deepEqual(withoutMetaAndStatus(current), withoutMetaAndStatus(admitted));
      admitted.metadata.generation = (cm.generation ?? 1) + (changed ? 1 : 0);
    }
    return this.commitUpdate(type, current, admitted, opts, warnings);
  }

  private async replaceStatus(type: ResourceType, current: KObject, status: unknown, opts: WriteOptions,
    warnings: string[], precondition: string | undefined): Promise<WriteResult> {
    if (!type.hasStatus) throw errors.pathNotFound();
    this.checkPreconditions(type, current, precondition, undefined);
    // `current` is the store's own fresh copy: a shallow copy is enough to keep it intact for the compare.
    const next: KObject = { ...current, metadata: { ...current.metadata } };
    if (status === undefined || status === null) delete next.status;
    else next.status = status;
    return this.commitUpdate(type, current, next, opts, warnings);
  }

  private checkPreconditions(type: ResourceType, current: KObject, resourceVersion: string | undefined, uid: string | undefined): void {
    const name = current.metadata.name!;
    if (uid && uid !== current.metadata.uid) {
      throw errors.conflict(groupResource(type), name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(groupResource(type), name);
    }
  }

  /** Writes `next` over `current` with CAS; a write that changes nothing is not stored at all. */
  private async commitUpdate(type: ResourceType, current: KObject, next: KObject, opts: WriteOptions,
    warnings: string[]): Promise<WriteResult> {
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (deepEqual(next, current)) return { object: current, created: false, warnings };
    if (opts.dryRun) return { object: next, created: false, warnings };
    const ref = refOf(type, current.metadata.namespace, current.metadata.name!);
    try {
      const stored = await this.store.update(ref, next, current.metadata.resourceVersion);
      this.previous.remember(stored.metadata.resourceVersion!, current);
      return { object: stored, created: false, warnings };
    } catch (e) {
      if (StoreError.is(e, 'Conflict')) throw errors.conflict(groupResource(type), ref.name);
      if (StoreError.is(e, 'NotFound')) throw errors.notFound(groupResource(type), ref.name);
      throw e;
    }
  }

  // ---- patch -----------------------------------------------------------------------------------

  async patch(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown,
    opts: PatchOptions = {}): Promise<WriteResult> {
    switch (patchType) {
      case 'strategic': throw errors.unsupportedMediaType();
      case 'apply': return this.apply(type, namespace, name, patch, opts);
      case 'merge': case 'json': break;
      default: throw errors.unsupportedMediaType();
    }
    const body = parsePatchBody(patchType, patch);
    const version = opts.version ?? type.storageVersion;
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(type, namespace, name);
      const base = this.encode(type, current, version);
      const patched = patchType === 'merge' ? applyMergePatch(base, body) : applyJsonPatch(base, body as any[]);
      if (!isObject(patched)) throw errors.badRequest('the patched object is not a JSON object');
      const precondition = patchPrecondition(patchType, body, patched as KObject, current);
      try {
        return await this.writePatched(type, current, patched as KObject, version, opts, precondition);
      } catch (e) {
        if (precondition === undefined && isStoreConflict(e) && attempt < CONFLICT_RETRIES) continue;
        throw e;
      }
    }
  }

  /** Server-side apply, simplified to a deep merge of the applied configuration (see file header). */
  private async apply(type: ResourceType, namespace: string, name: string, patch: unknown, opts: PatchOptions): Promise<WriteResult> {
    const body = parseApplyBody(patch);
    body.metadata = isObject(body.metadata) ? body.metadata : {};
    if (body.metadata.name && body.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
    }
    body.metadata.name = name;
    if (type.namespaced) body.metadata.namespace = namespace;
    const version = this.versionOf(type, body as KObject, opts);
    const precondition: string | undefined = body.metadata.resourceVersion ? String(body.metadata.resourceVersion) : undefined;
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(refOf(type, namespace, name));
      try {
        if (!current) {
          if (opts.subresource === 'status') throw errors.notFound(groupResource(type), name);
          return await this.create(type, body as KObject, { ...opts, version });
        }
        const merged = applyMergePatch(this.encode(type, current, version), body) as KObject;
        return await this.writePatched(type, current, merged, version, opts, precondition);
      } catch (e) {
        const raced = isStoreConflict(e) || (ApiError.isApiError(e) && e.reason === 'AlreadyExists' && !current);
        if (precondition === undefined && raced && attempt < CONFLICT_RETRIES) continue;
        throw e;
      }
    }
  }

  private writePatched(type: ResourceType, current: KObject, patched: KObject, version: string, opts: PatchOptions,
    precondition: string | undefined): Promise<WriteResult> {
    const warnings: string[] = [];
    const incoming = this.decode(type, patched, { ...opts, version }, warnings);
    if (opts.subresource === 'status') return this.replaceStatus(type, current, incoming.status, opts, warnings, precondition);
    return this.replace(type, current, incoming, opts, warnings, precondition);
  }

  // ---- delete ----------------------------------------------------------------------------------

  async delete(type: ResourceType, namespace: string, name: string, opts: DeleteOptions = {}): Promise<KObject> {
    if (isNamespaceType(type) && UNDELETABLE_NAMESPACES.has(name)) {
      throw new ApiError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`,
        { name, kind: 'namespaces' });
    }
    const pre = opts.preconditions ?? {};
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(type, namespace, name);
      if (pre.uid && pre.uid !== current.metadata.uid) {
        throw errors.conflict(groupResource(type), name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw errors.conflict(groupResource(type), name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      if (opts.dryRun) return current;
      try {
        const deleted = await this.store.delete(refOf(type, namespace, name), current.metadata.resourceVersion);
        this.gc.collect(type, deleted, opts.propagationPolicy ?? 'Background');
        return deleted;
      } catch (e) {
        if (StoreError.is(e, 'NotFound')) throw errors.notFound(groupResource(type), name);
        if (!StoreError.is(e, 'Conflict')) throw e;
        if (pre.resourceVersion || attempt >= CONFLICT_RETRIES) throw errors.conflict(groupResource(type), name);
      }
    }
  }

  async deleteCollection(type: ResourceType, query: ListQuery, opts: DeleteOptions = {}): Promise<KObject[]> {
    const { items } = await this.list(type, query);
    const deleted: KObject[] = [];
    for (const obj of items) {
      try {
        deleted.push(await this.delete(type, obj.metadata.namespace ?? '', obj.metadata.name!, opts));
      } catch (e) {
        if (!(ApiError.isApiError(e) && e.reason === 'NotFound')) throw e;
      }
    }
    return deleted;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** A private copy of `input` in the storage version, checked for unknown fields in its own version. */
  private decode(type: ResourceType, input: KObject, opts: WriteOptions, warnings: string[]): KObject {
    if (!isObject(input)) throw errors.badRequest(`Object '${type.kind}' is not a JSON object`);
    const obj = clean(input);
    const version = this.versionOf(type, obj, opts);
    obj.apiVersion = apiVersionOf(type, version);
    if (obj.kind === undefined || obj.kind === '') obj.kind = type.kind;
    else if (obj.kind !== type.kind) {
      throw errors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${type.kind})`);
    }
    if (!isObject(obj.metadata)) obj.metadata = {};
    this.checkUnknownFields(type, version, obj, opts.fieldValidation, warnings);
    if (type.group !== SERVING_GROUP || version === type.storageVersion) return obj;
    return toStorageVersion(type, obj);
  }

  private versionOf(type: ResourceType, obj: KObject, opts: WriteOptions): string {
    const fallback = opts.version ?? type.storageVersion;
    const av = obj.apiVersion;
    if (typeof av !== 'string' || av === '') return fallback;
    const slash = av.indexOf('/');
    const group = slash < 0 ? '' : av.slice(0, slash);
    const version = slash < 0 ? av : av.slice(slash + 1);
    if (group === type.group && type.versions.includes(version)) return version;
    throw errors.badRequest(`the API version in the data (${av}) does not match the expected API version (${apiVersionOf(type, fallback)})`);
  }

  private checkUnknownFields(type: ResourceType, version: string, obj: KObject,
    validation: WriteOptions['fieldValidation'], warnings: string[]): void {
    const unknown = unknownFields(type, version, obj);
    if (unknown.length === 0) return;
    const described = unknown.map((f) => `unknown field "${f}"`);
    if (validation === 'Strict') {
      throw errors.badRequest(`${type.kind} in version "${version}" cannot be handled as a ${type.kind}: strict decoding error: ${described.join(', ')}`);
    }
    if (validation === 'Warn') warnings.push(...described);
    pruneUnknownFields(type, version, obj);
  }

  /** The stored object in a served version, as a private copy (the base a patch applies to). */
  private encode(type: ResourceType, stored: KObject, version: string): KObject {
    if (type.group !== SERVING_GROUP || version === type.storageVersion) return clean(stored);
    return clean(fromStorageVersion(type, clean(stored), version));
  }

  private admit(operation: 'CREATE' | 'UPDATE', type: ResourceType, object: KObject, oldObject: KObject | undefined,
    opts: WriteOptions, warnings: string[]): KObject {
    // admit() copies what it changes and never mutates oldObject.
    const result = admit({ operation, type, object, oldObject, username: opts.username, cluster: this.clusterSettings() });
    warnings.push(...result.warnings);
    return result.object;
  }

  private async requireNamespace(namespace: string): Promise<void> {
    if (await this.store.get(refOf(NamespaceType, '', namespace))) return;
    throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
  }

  private gcHost(): GcHost {
    return {
      list: async (type, namespace) => (await this.store.list(groupResource(type), { namespace })).items,
      get: (type, namespace, name) => this.store.get(refOf(type, namespace, name)),
      remove: async (type, obj) => {
        const ref = refOf(type, obj.metadata.namespace, obj.metadata.name!);
        let expected = obj.metadata.resourceVersion;
        for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
          try {
            const deleted = await this.store.delete(ref, expected);
            this.gc.collect(type, deleted, 'Background');
            return;
          } catch (e) {
            if (StoreError.is(e, 'NotFound')) return;
            if (!StoreError.is(e, 'Conflict')) throw e;
            const now = await this.store.get(ref);
            if (!now || now.metadata.uid !== obj.metadata.uid) return; // gone, or replaced by a new object
            expected = now.metadata.resourceVersion;
          }
        }
      },
      dropOwners: async (type, obj, uids) => {
        const ref = refOf(type, obj.metadata.namespace, obj.metadata.name!);
        for (let attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
          const current = await this.store.get(ref);
          if (!current || current.metadata.uid !== obj.metadata.uid) return;
          const next = clean(current);
          const kept = (next.metadata.ownerReferences ?? []).filter((r) => !uids.has(r.uid));
          if (kept.length) next.metadata.ownerReferences = kept;
          else delete next.metadata.ownerReferences;
          try {
            const stored = await this.store.update(ref, next, current.metadata.resourceVersion);
            this.previous.remember(stored.metadata.resourceVersion!, current);
            return;
          } catch (e) {
            if (StoreError.is(e, 'NotFound')) return;
            if (!StoreError.is(e, 'Conflict')) throw e;
          }
        }
      },
    };
  }
}

// ---- patch bodies -------------------------------------------------------------------------------

function bodyText(patch: unknown): string | undefined {
  if (typeof patch === 'string') return patch;
  if (patch instanceof Uint8Array) return Buffer.from(patch).toString('utf8');
  return undefined;
}

function parsePatchBody(patchType: 'merge' | 'json', patch: unknown): unknown {
  const text = bodyText(patch);
  let body = patch;
  if (text !== undefined) {
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw errors.badRequest(`error decoding patch: ${(e as Error).message}`);
    }
  }
  if (patchType === 'merge' && !isObject(body)) throw errors.badRequest('error decoding patch: a merge patch must be a JSON object');
  if (patchType === 'json') {
    if (!Array.isArray(body)) throw errors.badRequest('error decoding patch: a JSON patch must be an array of operations');
    for (const op of body) {
      if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
        throw errors.badRequest('error decoding patch: every operation needs "op" and "path"');
      }
    }
  }
  return body;
}

function parseApplyBody(patch: unknown): Record<string, any> {
  const text = bodyText(patch);
  let body = patch;
  if (text !== undefined) {
    try {
      body = YAML.parse(text);
    } catch (e) {
      throw errors.badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
  }
  if (!isObject(body)) throw errors.badRequest('error decoding apply patch: the configuration must be an object');
  return clean(body);
}

/** RFC 6902 via fast-json-patch; failures are 422 Invalid, as the apiserver answers them. */
function applyJsonPatch(doc: KObject, ops: any[]): unknown {
  try {
    return jsonpatch.applyPatch(doc, ops, true, true).newDocument;
  } catch (e: any) {
    const op = e?.operation ?? {};
    let message: string;
    switch (e?.name) {
      case 'TEST_OPERATION_FAILED': message = `testing value ${op.path} failed: test failed`; break;
      case 'OPERATION_PATH_UNRESOLVABLE': message = `${op.op} operation does not apply: doc is missing path: "${op.path}": missing value`; break;
      case 'OPERATION_OP_INVALID': message = `Unexpected kind: ${op.op}`; break;
      default: message = String(e?.message ?? e).split('\n')[0]!;
    }
    throw new ApiError(422, 'Invalid', message);
  }
}

/**
 * A patch that sets metadata.resourceVersion makes it a precondition: a merge patch that carries
 * one explicitly, or any patch whose result differs from the live RV.
 */
function patchPrecondition(patchType: 'merge' | 'json', body: unknown, patched: KObject, current: KObject): string | undefined {
  const patchedRv = patched.metadata?.resourceVersion;
  if (patchedRv !== undefined && patchedRv !== null && String(patchedRv) !== current.metadata.resourceVersion) return String(patchedRv);
  if (patchType === 'merge') {
    const rv = (body as any)?.metadata?.resourceVersion;
    if (rv !== undefined && rv !== null) return String(rv);
  } else if ((body as any[]).some((op) => op.path === '/metadata/resourceVersion' && op.op !== 'remove')) {
    return current.metadata.resourceVersion;
  }
  return undefined;
}
