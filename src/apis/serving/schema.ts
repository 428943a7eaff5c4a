/**
 * OpenAPI v3 schemas of the served kinds, per version: the source for /openapi/v3 (kubectl apply's
 * field validation and kubectl explain) and for unknown-field detection.
 * STUB: signatures are final; the bodies are being written.
 */
import type { ResourceType } from '../resources.ts';

export type JSONSchema = Record<string, any>;

/** Full object schema (apiVersion, kind, metadata, spec, status) with descriptions. */
export function objectSchema(type: ResourceType, version: string): JSONSchema {
  return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
}

/**
 * Paths of fields in `obj` not declared in the schema of (type, version), in kubectl's form
 * (e.g. `spec.template.spec.containers[0].foo`), for strict field validation.
 */
export function unknownFields(type: ResourceType, version: string, obj: unknown): string[] {
  return [];
}

/** Deletes undeclared fields in place (what the API server's pruning does for fieldValidation=Ignore). */
export function pruneUnknownFields(type: ResourceType, version: string, obj: unknown): void {}
