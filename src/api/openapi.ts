/**
 * The /openapi/v3 discovery index and one OpenAPI 3.0 document per group-version. kubectl reads
 * them to decide that the server validates fields itself (a `patch` operation with the GVK as an
 * object and a `fieldValidation` parameter) and for `kubectl explain`.
 */
import { createHash } from 'node:crypto';
import { ALL_TYPES, type ResourceType } from '../apis/resources.ts';
import { objectSchema, sharedComponentSchemas, type JSONSchema } from '../apis/serving/schema.ts';
import { COMPONENTS_PREFIX, LIST_META } from '../apis/serving/schema-builders.ts';

const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
const PATCH = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';

interface GroupVersion { group: string; version: string; path: string; types: ResourceType[] }

/** `apis/serving.knative.dev/v1` or `api/v1` (the key kubectl's index uses, no leading slash). */
function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function servedGroupVersions(): GroupVersion[] {
  const byPath = new Map<string, GroupVersion>();
  for (const type of ALL_TYPES) {
    for (const version of type.versions) {
      const path = groupVersionPath(type.group, version);
      let gv = byPath.get(path);
      if (!gv) byPath.set(path, gv = { group: type.group, version, path, types: [] });
      gv.types.push(type);
    }
  }
  return [...byPath.values()];
}

/** Component name as Kubernetes publishes it: reversed group, version, kind. */
export function schemaName(type: ResourceType, version: string, suffix = ''): string {
  const prefix = type.group ? type.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${prefix}.${version}.${type.kind}${suffix}`;
}

const refTo = (name: string) => ({ $ref: COMPONENTS_PREFIX + name });

function query(name: string, description: string, type: 'string' | 'integer' | 'boolean' = 'string') {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const dryRun = query('dryRun', 'When present, indicates that modifications should not be persisted. Valid values: All.');
const fieldManager = query('fieldManager', 'A name associated with the actor or entity that is making these changes.');
const fieldValidation = query('fieldValidation', 'How the server treats unknown or duplicate fields in the request body: Ignore, Warn or Strict.');
const force = query('force', 'Force is going to "force" Apply requests: re-acquire conflicting fields owned by other people.', 'boolean');
const pretty = query('pretty', 'If \'true\', then the output is pretty printed.');
const listParameters = [
  query('allowWatchBookmarks', 'Requests watch events with type "BOOKMARK".', 'boolean'),
  query('continue', 'The continue option from a previous paginated list call.'),
  query('fieldSelector', 'A selector to restrict the list of returned objects by their fields (metadata.name, metadata.namespace).'),
  query('labelSelector', 'A selector to restrict the list of returned objects by their labels.'),
  query('limit', 'Maximum number of responses to return for a list call.', 'integer'),
  query('resourceVersion', 'Which resource version to list or watch from.'),
  query('resourceVersionMatch', 'How resourceVersion is applied to list calls.'),
  query('sendInitialEvents', 'Start a watch with synthetic events for the current state.', 'boolean'),
  query('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  query('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean'),
];
const deleteParameters = [
  dryRun,
  query('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
  query('orphanDependents', 'Deprecated: use propagationPolicy.', 'boolean'),
  query('propagationPolicy', 'Whether and how garbage collection will be performed: Orphan, Background or Foreground.'),
];

function pathParameter(name: 'name' | 'namespace', description: string) {
  return { name, in: 'path', required: true, description, schema: { type: 'string', uniqueItems: true } };
}

function jsonContent(schemaRef: string) {
  const schema = refTo(schemaRef);
  return { 'application/json': { schema }, 'application/yaml': { schema } };
}

function ok(schemaRef: string, code = '200', description = 'OK') {
  return { [code]: { description, content: jsonContent(schemaRef) } };
}

function operation(action: string, operationId: string, description: string, gv: GroupVersion, type: ResourceType,
  extra: Record<string, unknown>): Record<string, unknown> {
  return {
    tags: [gv.group ? `${gv.group.split('.')[0]}_${gv.version}` : `core_${gv.version}`],
    description,
    operationId,
    ...extra,
    'x-kubernetes-action': action,
    // On operations the GVK is one object (kubectl ignores an array here).
    'x-kubernetes-group-version-kind': { group: gv.group, version: gv.version, kind: type.kind },
  };
}

function resourcePaths(gv: GroupVersion, type: ResourceType): Record<string, unknown> {
  const K = type.kind;
  const opId = (verb: string, suffix = '') => `${verb}${type.namespaced ? 'Namespaced' : ''}${K}${suffix}`;
  const kindRef = schemaName(type, gv.version);
  const listRef = schemaName(type, gv.version, 'List');
  const base = `/${gv.path}`;
  const collection = type.namespaced ? `${base}/namespaces/{namespace}/${type.plural}` : `${base}/${type.plural}`;
  const item = `${collection}/{name}`;
  const scopeParams = type.namespaced ? [pathParameter('namespace', 'object name and auth scope, such as for teams and projects')] : [];
  const nameParam = pathParameter('name', `name of the ${K}`);
  const body = (required = true) => ({ requestBody: { required, content: { '*/*': { schema: refTo(kindRef) } } } });
  const patchBody = {
    requestBody: {
      required: true,
      // No strategic-merge-patch: kubectl would compute one and this server answers 415.
      content: {
        'application/json-patch+json': { schema: refTo(PATCH) },
        'application/merge-patch+json': { schema: refTo(PATCH) },
        'application/apply-patch+yaml': { schema: refTo(PATCH) },
      },
    },
  };

  const paths: Record<string, unknown> = {
    [collection]: {
      parameters: [...scopeParams, pretty],
      get: operation('list', `list${type.namespaced ? 'Namespaced' : ''}${K}`, `list or watch objects of kind ${K}`, gv, type,
        { parameters: listParameters, responses: ok(listRef) }),
      post: operation('post', opId('create'), `create a ${K}`, gv, type,
        { parameters: [dryRun, fieldManager, fieldValidation], ...body(), responses: { ...ok(kindRef), ...ok(kindRef, '201', 'Created') } }),
      delete: operation('deletecollection', opId('deleteCollectionOf'), `delete collection of ${K}`, gv, type,
        { parameters: [...deleteParameters, ...listParameters], requestBody: { content: { '*/*': { schema: refTo(DELETE_OPTIONS) } } }, responses: ok(STATUS) }),
    },
    [item]: {
      parameters: [nameParam, ...scopeParams, pretty],
      get: operation('get', opId('read'), `read the specified ${K}`, gv, type, { responses: ok(kindRef) }),
      put: operation('put', opId('replace'), `replace the specified ${K}`, gv, type,
        { parameters: [dryRun, fieldManager, fieldValidation], ...body(), responses: ok(kindRef) }),
      patch: operation('patch', opId('patch'), `partially update the specified ${K}`, gv, type,
        { parameters: [dryRun, fieldManager, fieldValidation, force], ...patchBody, responses: ok(kindRef) }),
      delete: operation('delete', opId('delete'), `delete a ${K}`, gv, type,
        { parameters: deleteParameters, requestBody: { content: { '*/*': { schema: refTo(DELETE_OPTIONS) } } }, responses: { ...ok(STATUS), ...ok(STATUS, '202', 'Accepted') } }),
    },
  };
  if (type.namespaced) {
    paths[`${base}/${type.plural}`] = {
      parameters: [pretty],
      get: operation('list', `list${K}ForAllNamespaces`, `list or watch objects of kind ${K}`, gv, type,
        { parameters: listParameters, responses: ok(listRef) }),
    };
  }
  if (type.hasStatus) {
    paths[`${item}/status`] = {
      parameters: [nameParam, ...scopeParams, pretty],
      get: operation('get', opId('read', 'Status'), `read status of the specified ${K}`, gv, type, { responses: ok(kindRef) }),
      put: operation('put', opId('replace', 'Status'), `replace status of the specified ${K}`, gv, type,
        { parameters: [dryRun, fieldManager, fieldValidation], ...body(), responses: ok(kindRef) }),
      patch: operation('patch', opId('patch', 'Status'), `partially update status of the specified ${K}`, gv, type,
        { parameters: [dryRun, fieldManager, fieldValidation, force], ...patchBody, responses: ok(kindRef) }),
    };
  }
  return paths;
}

const metaSchemas: Record<string, JSONSchema> = {
  [STATUS]: {
    type: 'object',
    description: 'Status is a return value for calls that don\'t return other objects.',
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { description: 'Standard list metadata.', default: {}, allOf: [refTo(LIST_META)] },
      status: { type: 'string', description: 'Status of the operation. One of: "Success" or "Failure".' },
      message: { type: 'string', description: 'A human-readable description of the status of this operation.' },
      reason: { type: 'string', description: 'A machine-readable description of why this operation is in the "Failure" status.' },
      details: { type: 'object', description: 'Extended data associated with the reason.', 'x-kubernetes-preserve-unknown-fields': true },
      code: { type: 'integer', format: 'int32', description: 'Suggested HTTP return code for this status, 0 if not set.' },
    },
  },
  [DELETE_OPTIONS]: {
    type: 'object',
    description: 'DeleteOptions may be provided when deleting an API object.',
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this representation of an object.' },
      kind: { type: 'string', description: 'Kind of this representation of an object.' },
      dryRun: { type: 'array', items: { type: 'string' }, description: 'When present, indicates that modifications should not be persisted.' },
      gracePeriodSeconds: { type: 'integer', format: 'int64', description: 'The duration in seconds before the object should be deleted.' },
      propagationPolicy: { type: 'string', description: 'Whether and how garbage collection will be performed: Orphan, Background or Foreground.' },
      orphanDependents: { type: 'boolean', description: 'Deprecated: use propagationPolicy.' },
      preconditions: { type: 'object', description: 'Must be fulfilled before a deletion is carried out.', properties: {
        resourceVersion: { type: 'string', description: 'Specifies the target ResourceVersion.' },
        uid: { type: 'string', description: 'Specifies the target UID.' },
      } },
    },
  },
  [PATCH]: { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' },
};

function buildDocument(gv: GroupVersion): object {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, JSONSchema> = { ...sharedComponentSchemas(), ...metaSchemas };
  for (const type of gv.types) {
    Object.assign(paths, resourcePaths(gv, type));
    const gvk = [{ group: gv.group, kind: type.kind, version: gv.version }];
    schemas[schemaName(type, gv.version)] = { ...objectSchema(type, gv.version), 'x-kubernetes-group-version-kind': gvk };
    schemas[schemaName(type, gv.version, 'List')] = {
      type: 'object',
      description: `${type.listKind} is a list of ${type.kind} objects.`,
      required: ['items'],
      properties: {
        apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
        kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
        metadata: { description: 'Standard list metadata.', default: {}, allOf: [refTo(LIST_META)] },
        items: { type: 'array', description: `List of ${type.plural}.`, items: refTo(schemaName(type, gv.version)) },
      },
      'x-kubernetes-group-version-kind': [{ group: gv.group, kind: type.listKind, version: gv.version }],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'ksrv', version: gv.group ? `${gv.group}/${gv.version}` : gv.version },
    paths,
    components: { schemas },
  };
}

interface Built { document: object; body: string; hash: string }
let built: Map<string, Built> | undefined;

function documents(): Map<string, Built> {
  if (!built) {
    built = new Map();
    for (const gv of servedGroupVersions()) {
      const document = buildDocument(gv);
      const body = JSON.stringify(document);
      built.set(gv.path, { document, body, hash: createHash('sha256').update(body).digest('hex').toUpperCase() });
    }
  }
  return built;
}

/** `GET /openapi/v3`. */
export function openApiIndex(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [path, { hash }] of documents()) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  return { paths };
}

/** `GET /openapi/v3/<groupVersionPath>`, e.g. 'apis/serving.knative.dev/v1' or 'api/v1'; undefined if not served. */
export function openApiDocument(groupVersionPath: string): object | undefined {
  return documents().get(stripSlashes(groupVersionPath))?.document;
}

/** The same document already serialised (it is large; the HTTP layer can send this string as is). */
export function openApiDocumentJson(groupVersionPath: string): string | undefined {
  return documents().get(stripSlashes(groupVersionPath))?.body;
}

function stripSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, '');
}
