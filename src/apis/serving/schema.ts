/**
 * OpenAPI v3 schemas of the served kinds, per version: the source for /openapi/v3 (kubectl apply's
 * field validation and kubectl explain) and for unknown-field detection.
 */
import type { ResourceType } from '../resources.ts';
import { COMPONENTS_PREFIX } from './schema-builders.ts';
import { coreServiceSchema, eventSchema, metaComponents, namespaceSchema } from './schema-meta.ts';
import { type ServingKind, servingKindSchema } from './schema-serving.ts';

export type JSONSchema = Record<string, any>;

const cache = new Map<string, JSONSchema>();

/**
 * Full object schema (apiVersion, kind, metadata, spec, status) with descriptions. `metadata` (and
 * a revision template's `metadata`) refer to the ObjectMeta schema of `sharedComponentSchemas()`.
 * The returned object is shared and cached: do not mutate it.
 */
export function objectSchema(type: ResourceType, version: string): JSONSchema {
  const key = `${type.group}/${version}/${type.kind}`;
  let schema = cache.get(key);
  if (!schema) {
    schema = buildSchema(type, version);
    cache.set(key, schema);
  }
  return schema;
}

function buildSchema(type: ResourceType, version: string): JSONSchema {
  if (!type.versions.includes(version)) {
    throw new Error(`${type.kind} is not served at version ${version}`);
  }
  if (type.group === '') {
    if (type.kind === 'Namespace') return namespaceSchema;
    if (type.kind === 'Event') return eventSchema;
    if (type.kind === 'Service') return coreServiceSchema;
  } else if (['Service', 'Configuration', 'Revision', 'Route'].includes(type.kind)) {
    return servingKindSchema(type.kind as ServingKind, version);
  }
  return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
}

/** Schemas the object schemas `$ref` (ObjectMeta, ListMeta), keyed by their published names. */
export function sharedComponentSchemas(): Record<string, JSONSchema> {
  return metaComponents;
}

/**
 * Paths of fields in `obj` not declared in the schema of (type, version), in kubectl's form
 * (e.g. `spec.template.spec.containers[0].foo`), for strict field validation. Sorted, as the API
 * server sorts them. `status` is not checked: it is ignored on main-resource writes.
 */
export function unknownFields(type: ResourceType, version: string, obj: unknown): string[] {
  const found: string[] = [];
  walkRoot(objectSchema(type, version), obj, (path) => found.push(path), false);
  return found.sort();
}

/**
 * Deletes undeclared fields in place (what the API server's pruning does for fieldValidation=Ignore).
 * `status` is left alone: only ksrv's own controllers write it.
 */
export function pruneUnknownFields(type: ResourceType, version: string, obj: unknown): void {
  walkRoot(objectSchema(type, version), obj, () => {}, true);
}

type Report = (path: string) => void;

function walkRoot(schema: JSONSchema, obj: unknown, report: Report, remove: boolean): void {
  if (!isPlainObject(obj)) return;
  for (const key of Object.keys(obj)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'status') continue;
    const prop = schema.properties?.[key];
    if (prop) {
      walk(obj[key], prop, key, report, remove);
    } else {
      report(key);
      if (remove) delete obj[key];
    }
  }
}

/** Mirrors structural pruning: declared properties recurse, additionalProperties recurse, the rest is unknown. */
function walk(value: unknown, rawSchema: JSONSchema | undefined, path: string, report: Report, remove: boolean): void {
  const schema = rawSchema && resolve(rawSchema);
  if (schema?.['x-kubernetes-preserve-unknown-fields']) {
    // Unknown fields are kept here, but declared ones below are still checked.
    if (isPlainObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        const prop = schema.properties?.[key] ?? additional(schema);
        if (prop) walk(child, prop, `${path}.${key}`, report, remove);
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, schema.items, `${path}[${i}]`, report, remove));
    }
    return;
  }
  if (isPlainObject(value)) {
    if (schema?.additionalProperties === true) return;
    for (const key of Object.keys(value)) {
      const prop = schema?.properties?.[key] ?? (schema ? additional(schema) : undefined);
      if (prop) {
        walk(value[key], prop, `${path}.${key}`, report, remove);
      } else {
        report(`${path}.${key}`);
        if (remove) delete value[key];
      }
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, schema?.items, `${path}[${i}]`, report, remove));
  }
}

function additional(schema: JSONSchema): JSONSchema | undefined {
  const ap = schema.additionalProperties;
  return ap && typeof ap === 'object' ? ap : undefined;
}

/** Follows `$ref` and the `allOf: [{$ref}]` form to the component schema. */
function resolve(schema: JSONSchema): JSONSchema {
  let ref: string | undefined = schema.$ref;
  if (!ref && Array.isArray(schema.allOf) && schema.allOf.length === 1 && !schema.properties) ref = schema.allOf[0].$ref;
  if (!ref) return schema;
  const target = metaComponents[ref.startsWith(COMPONENTS_PREFIX) ? ref.slice(COMPONENTS_PREFIX.length) : ref];
  if (!target) throw new Error(`unresolvable schema reference ${ref}`);
  return target;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
