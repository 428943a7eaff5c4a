/**
 * Conversion between the served versions of serving.knative.dev (v1alpha1, v1beta1) and the
 * storage version v1, as Knative's conversion webhook did (runLatest / release / pinned, ...).
 * STUB: signatures are final; the bodies are being written.
 */
import type { KObject } from '../meta.ts';
import type { ResourceType } from '../resources.ts';

/** Converts an object in any served version (per its apiVersion) to v1. Throws ApiError on shapes that cannot convert. */
export function toStorageVersion(type: ResourceType, obj: KObject): KObject {
  return { ...obj, apiVersion: `${type.group}/${type.storageVersion}` };
}

/** Converts a stored v1 object to the requested served version. */
export function fromStorageVersion(type: ResourceType, obj: KObject, version: string): KObject {
  return { ...obj, apiVersion: type.group ? `${type.group}/${version}` : version };
}
