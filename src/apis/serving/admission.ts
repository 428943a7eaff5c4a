/**
 * Knative's admission webhooks (defaulting + validation) for the serving kinds, in-process.
 * STUB: signatures are final; the bodies are being written.
 */
import type { KObject } from '../meta.ts';
import type { ResourceType } from '../resources.ts';

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE';
  type: ResourceType;
  /** Storage version (v1), already converted. May be mutated by defaulting; a copy is returned. */
  object: KObject;
  /** Previous stored object, for UPDATE. */
  oldObject?: KObject;
  /** Authenticated user name, for serving.knative.dev/creator and lastModifier. */
  username?: string;
}

export interface AdmissionResult {
  object: KObject;
  warnings: string[];
}

/**
 * Defaults then validates. Throws ApiError 400 BadRequest with Knative's webhook text on rejection.
 * Types outside serving.knative.dev pass through unchanged.
 */
export function admit(req: AdmissionRequest): AdmissionResult {
  return { object: req.object, warnings: [] };
}
