/**
 * Serves one resource request (kubectl-compat §6): translates the HTTP verb, URL, query and body
 * into a Client call and renders the answer in the URL's version (JSON, Table or watch stream).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KObject } from '../apis/meta.ts';
import { apiVersionOf, type ResourceType } from '../apis/resources.ts';
import type { Client, DeleteOptions, ListQuery, WriteOptions, WriteResult } from '../client/client.ts';
import { errors } from '../lib/errors.ts';
import { decodeBody, isPlainObject, readBody } from './body.ts';
import { mediaType, patchTypeOf, TABLE_CONTENT_TYPE, wantsTable } from './media.ts';
import type { ResourcePath } from './paths.ts';
import { decodeProtobufObject, PROTOBUF_CONTENT_TYPE } from './protobuf.ts';
import { present, sendJson } from './respond.ts';
import { table, type IncludeObject } from './table.ts';
import { serveWatch, type WatchTracker } from './watch.ts';

export interface ResourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  path: ResourcePath;
  client: Client;
  username: string;
  watches: WatchTracker;
}

export async function handleResource(r: ResourceRequest): Promise<void> {
  const { path } = r;
  const warnings: string[] = [];
  const deprecation = path.type.deprecatedVersions?.[path.version];
  if (deprecation) warnings.push(deprecation);
  const method = r.req.method ?? 'GET';

  if (path.name === undefined) {
    // An all-namespaces collection of a namespaced type only reads.
    const readOnly = path.type.namespaced && path.namespace === '';
    if (method === 'GET') return getCollection(r, warnings);
    if (method === 'POST' && !readOnly) return create(r, warnings);
    if (method === 'DELETE' && !readOnly) return deleteCollection(r, warnings);
    throw errors.methodNotAllowed();
  }
  switch (method) {
    case 'GET': return getItem(r, warnings);
    case 'PUT': return replace(r, warnings);
    case 'PATCH': return patch(r, warnings);
    case 'DELETE':
      if (path.subresource) break;
      return deleteItem(r, warnings);
  }
  throw errors.methodNotAllowed();
}

// ---- reads ----

function listQuery(r: ResourceRequest): ListQuery {
  const q: ListQuery = { namespace: r.path.namespace };
  const ls = r.url.searchParams.get('labelSelector');
  const fs = r.url.searchParams.get('fieldSelector');
  if (ls) q.labelSelector = ls;
  if (fs) q.fieldSelector = fs;
  return q;
}

function includeObject(url: URL): IncludeObject {
  const v = url.searchParams.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

async function getCollection(r: ResourceRequest, warnings: string[]): Promise<void> {
  const { path, url } = r;
  const asTable = wantsTable(r.req.headers.accept);
  const watch = url.searchParams.get('watch');
  if (watch === 'true' || watch === '1') {
    const rv = url.searchParams.get('resourceVersion');
    const timeout = url.searchParams.get('timeoutSeconds');
    const timeoutSeconds = timeout !== null && timeout !== '' ? Number(timeout) : undefined;
    if (timeoutSeconds !== undefined && !(Number.isFinite(timeoutSeconds) && timeoutSeconds >= 0)) {
      throw errors.badRequest(`invalid timeoutSeconds: ${JSON.stringify(timeout)}`);
    }
    const query = { ...listQuery(r), ...(rv ? { resourceVersion: rv } : {}) };
    const bookmarks = url.searchParams.get('allowWatchBookmarks');
    return serveWatch(r.res, {
      client: r.client, type: path.type, version: path.version, query, table: asTable,
      include: includeObject(url), allowBookmarks: bookmarks === 'true' || bookmarks === '1',
      timeoutSeconds, warnings,
    }, r.watches);
  }
  const list = await r.client.list(path.type, listQuery(r));
  const items = list.items.map((o) => present(path.type, o, path.version));
  if (asTable) {
    const body = table(path.type, items, { include: includeObject(url), resourceVersion: list.resourceVersion });
    return sendJson(r.res, 200, body, { contentType: TABLE_CONTENT_TYPE, warnings });
  }
  sendJson(r.res, 200, {
    apiVersion: apiVersionOf(path.type, path.version), kind: path.type.listKind,
    metadata: { resourceVersion: list.resourceVersion }, items,
  }, { warnings });
}

async function getItem(r: ResourceRequest, warnings: string[]): Promise<void> {
  const { path } = r;
  const obj = present(path.type, await r.client.get(path.type, path.namespace, path.name!), path.version);
  if (wantsTable(r.req.headers.accept)) {
    const body = table(path.type, [obj], { include: includeObject(r.url), resourceVersion: obj.metadata?.resourceVersion });
    return sendJson(r.res, 200, body, { contentType: TABLE_CONTENT_TYPE, warnings });
  }
  sendJson(r.res, 200, obj, { warnings });
}

// ---- writes ----

const FIELD_VALIDATION: Record<string, WriteOptions['fieldValidation']> = { strict: 'Strict', warn: 'Warn', ignore: 'Ignore' };

function writeOptions(r: ResourceRequest): WriteOptions {
  const q = r.url.searchParams;
  const opts: WriteOptions = { version: r.path.version, username: r.username };
  if (parseDryRun(q.getAll('dryRun'))) opts.dryRun = true;
  const fm = q.get('fieldManager');
  if (fm) opts.fieldManager = fm;
  const fv = q.get('fieldValidation');
  if (fv) {
    const v = FIELD_VALIDATION[fv.toLowerCase()];
    if (!v) throw errors.badRequest(`invalid fieldValidation directive: ${fv}`);
    opts.fieldValidation = v;
  }
  const force = q.get('force');
  if (force === 'true' || force === '1') opts.force = true;
  return opts;
}

function parseDryRun(values: unknown): boolean {
  if (!Array.isArray(values) || values.length === 0) return false;
  for (const v of values) {
    if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(v)}: supported values: "All"`);
  }
  return true;
}

async function readObjectBody(r: ResourceRequest): Promise<KObject> {
  const ct = mediaType(r.req.headers['content-type']);
  if (ct === PROTOBUF_CONTENT_TYPE && r.path.type.group === '') return decodeProtobufObject(await readBody(r.req));
  const yaml = ct === 'application/yaml' || ct === 'application/x-yaml' || ct === 'text/yaml';
  if (!yaml && ct !== 'application/json' && ct !== '') {
    throw errors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  const body = decodeBody(await readBody(r.req), yaml);
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a JSON object');
  return body as KObject;
}

/** Fills apiVersion/kind/namespace from the URL and rejects bodies that contradict it. */
function checkBodyAgainstUrl(r: ResourceRequest, obj: KObject): KObject {
  const { type, version, namespace, name } = r.path;
  const expected = apiVersionOf(type, version);
  if (!obj.apiVersion) obj.apiVersion = expected;
  else if (obj.apiVersion !== expected) {
    throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
  }
  if (!obj.kind) obj.kind = type.kind;
  else if (obj.kind !== type.kind) {
    throw errors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${type.kind})`);
  }
  if (!isPlainObject(obj.metadata)) obj.metadata = {};
  const meta = obj.metadata;
  if (type.namespaced) {
    if (!meta.namespace) meta.namespace = namespace;
    else if (meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  } else {
    delete meta.namespace;
  }
  if (name !== undefined) {
    if (!meta.name) meta.name = name;
    else if (meta.name !== name) {
      throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
  }
  return obj;
}

function sendWrite(r: ResourceRequest, result: WriteResult, warnings: string[]): void {
  sendJson(r.res, result.created ? 201 : 200, present(r.path.type, result.object, r.path.version),
    { warnings: [...warnings, ...result.warnings] });
}

async function create(r: ResourceRequest, warnings: string[]): Promise<void> {
  const opts = writeOptions(r);
  const obj = checkBodyAgainstUrl(r, await readObjectBody(r));
  sendWrite(r, await r.client.create(r.path.type, obj, opts), warnings);
}

async function replace(r: ResourceRequest, warnings: string[]): Promise<void> {
  const opts = writeOptions(r);
  const obj = checkBodyAgainstUrl(r, await readObjectBody(r));
  const result = r.path.subresource === 'status'
    ? await r.client.updateStatus(r.path.type, obj, opts)
    : await r.client.update(r.path.type, obj, opts);
  sendWrite(r, result, warnings);
}

async function patch(r: ResourceRequest, warnings: string[]): Promise<void> {
  let patchType = patchTypeOf(r.req.headers['content-type']);
  // Built-in kinds take strategic merge patches (kubectl label/annotate ns send them); for the
  // core kinds ksrv serves, whose lists carry no merge keys, that is a JSON merge patch.
  const strategicAsMerge = patchType === 'strategic' && r.path.type.group === '';
  if (!patchType || (patchType === 'strategic' && !strategicAsMerge)) {
    r.req.resume();
    throw errors.unsupportedMediaType();
  }
  const opts = writeOptions(r);
  let body = decodeBody(await readBody(r.req), patchType === 'apply');
  if (strategicAsMerge) {
    patchType = 'merge';
    body = withoutDirectives(body);
  }
  if (body === undefined) throw errors.badRequest('the body of the request was empty');
  if (patchType === 'json' ? !Array.isArray(body) : !isPlainObject(body)) {
    throw errors.badRequest(patchType === 'json'
      ? 'the body of a json patch must be a JSON array of operations'
      : 'the body of the request must be a JSON object');
  }
  const { type, namespace, name, subresource } = r.path;
  const result = await r.client.patch(type, namespace, name!, patchType, body,
    subresource ? { ...opts, subresource } : opts);
  sendWrite(r, result, warnings);
}

/** Drops strategic-merge directives (`$patch`, `$retainKeys`, `$setElementOrder/...`). */
function withoutDirectives(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutDirectives);
  if (!isPlainObject(x)) return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) if (!k.startsWith('$')) out[k] = withoutDirectives(v);
  return out;
}

// ---- deletes ----

async function deleteOptions(r: ResourceRequest): Promise<DeleteOptions> {
  const q = r.url.searchParams;
  const raw = await readBody(r.req);
  // kubectl sends core DeleteOptions as protobuf: their defaults serve as well.
  const ct = mediaType(r.req.headers['content-type']);
  const body = ct === '' || ct.endsWith('json') ? decodeBody(raw, false) : undefined;
  const b: Record<string, any> = isPlainObject(body) ? body : {};
  const opts: DeleteOptions = {};
  if (parseDryRun(q.getAll('dryRun')) || parseDryRun(b.dryRun)) opts.dryRun = true;
  let policy = b.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
  if (policy === undefined && (b.orphanDependents === true || q.get('orphanDependents') === 'true')) policy = 'Orphan';
  if (policy !== undefined) {
    if (policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
      throw errors.badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`);
    }
    opts.propagationPolicy = policy;
  }
  if (isPlainObject(b.preconditions)) {
    const p: DeleteOptions['preconditions'] = {};
    if (typeof b.preconditions.uid === 'string') p.uid = b.preconditions.uid;
    if (typeof b.preconditions.resourceVersion === 'string') p.resourceVersion = b.preconditions.resourceVersion;
    opts.preconditions = p;
  }
  return opts;
}

async function deleteItem(r: ResourceRequest, warnings: string[]): Promise<void> {
  const { type, namespace, name, version } = r.path;
  const opts = await deleteOptions(r);
  const deleted = await r.client.delete(type, namespace, name!, opts);
  if (deleted.metadata?.deletionTimestamp && deleted.metadata.finalizers?.length) {
    // Deletion is pending on finalizers: the apiserver answers with the object itself.
    return sendJson(r.res, 200, present(type, deleted, version), { warnings });
  }
  sendJson(r.res, 200, {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
    details: { name: deleted.metadata?.name ?? name, group: type.group, kind: type.plural, uid: deleted.metadata?.uid },
  }, { warnings });
}

async function deleteCollection(r: ResourceRequest, warnings: string[]): Promise<void> {
  const { type, version } = r.path;
  const opts = await deleteOptions(r);
  const deleted = await r.client.deleteCollection(type, listQuery(r), opts);
  sendJson(r.res, 200, {
    apiVersion: apiVersionOf(type, version), kind: type.listKind, metadata: {},
    items: deleted.map((o) => present(type, o, version)),
  }, { warnings });
}
