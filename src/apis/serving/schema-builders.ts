/**
 * Small constructors for OpenAPI 3.0 (CRD `openAPIV3Schema` flavour) schema nodes, so the schema
 * files read like the type definitions they describe.
 */
export type JSONSchema = Record<string, any>;

/** Where shared component schemas live in a GV document (and how `$ref`s point at them). */
export const COMPONENTS_PREFIX = '#/components/schemas/';
export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

export function str(description: string, extra: JSONSchema = {}): JSONSchema {
  return { type: 'string', description, ...extra };
}

export function enumStr(description: string, values: string[]): JSONSchema {
  return { type: 'string', description, enum: values };
}

export function int(description: string, format: 'int32' | 'int64' = 'int32', extra: JSONSchema = {}): JSONSchema {
  return { type: 'integer', format, description, ...extra };
}

export function bool(description: string): JSONSchema {
  return { type: 'boolean', description };
}

export function dateTime(description: string): JSONSchema {
  return { type: 'string', format: 'date-time', description };
}

/** An int-or-string, as a reference so kubectl explain shows `<IntOrString>`. */
export function intOrString(description: string): JSONSchema {
  return ref(INT_OR_STRING, description);
}

/** A resource quantity (`500m`, `128Mi`, `1`), shown as `<Quantity>` by kubectl explain. */
export function quantity(description: string): JSONSchema {
  return ref(QUANTITY, description);
}

export function obj(description: string, properties: Record<string, JSONSchema>, extra: JSONSchema = {}): JSONSchema {
  return { type: 'object', description, properties, ...extra };
}

export function arr(description: string, items: JSONSchema, extra: JSONSchema = {}): JSONSchema {
  return { type: 'array', description, items, ...extra };
}

export function strArr(description: string): JSONSchema {
  return arr(description, { type: 'string' });
}

export function strMap(description: string): JSONSchema {
  return { type: 'object', description, additionalProperties: { type: 'string' } };
}

/** A field whose content is not described further: anything below it is kept as is. */
export function open(description: string, type: 'object' | 'array' = 'object'): JSONSchema {
  return type === 'array'
    ? { type: 'array', description, items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }
    : { type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true };
}

/** A reference to a component schema with its own description (the form Kubernetes publishes). */
export function ref(name: string, description: string): JSONSchema {
  return { description, allOf: [{ $ref: COMPONENTS_PREFIX + name }] };
}

/** Returns `schema` with its description replaced, without touching the original. */
export function describe(schema: JSONSchema, description: string): JSONSchema {
  return { ...schema, description };
}
