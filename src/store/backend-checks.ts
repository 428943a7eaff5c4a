/**
 * Small rules every Store backend applies the same way: resourceVersion parsing, the errors a
 * backend raises (with Kubernetes' wording), and stamping an object with its resourceVersion.
 */

import type { KObject } from '../apis/meta.ts';
import { StoreError, type ObjectRef, type ResourceRef } from './store.ts';

/** `services.serving.knative.dev`, or `namespaces` for the core group. */
export function qualifiedResource(res: ResourceRef): string {
  return res.group ? `${res.resource}.${res.group}` : res.resource;
}

export function notFound(ref: ObjectRef): StoreError {
  return new StoreError('NotFound', `${qualifiedResource(ref)} "${ref.name}" not found`);
}

export function alreadyExists(ref: ObjectRef): StoreError {
  return new StoreError('AlreadyExists', `${qualifiedResource(ref)} "${ref.name}" already exists`);
}

export function conflict(ref: ObjectRef, currentResourceVersion: string): StoreError {
  return new StoreError(
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(ref)} "${ref.name}": the object has been modified; please apply your changes to the latest version and try again`,
    currentResourceVersion,
  );
}

/** Kubernetes' exact text for a watch that starts before the kept history. */
export function tooOldResourceVersion(requested: number, oldestAvailable: number): StoreError {
  return new StoreError('Gone', `too old resource version: ${requested} (${oldestAvailable - 1})`);
}

/**
 * Parses a watch's starting resourceVersion. Returns undefined for "start from now" ('0', '' or
 * absent). A value that is not a decimal counter is a caller bug (the HTTP layer validates input).
 */
export function parseWatchStart(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '' || rv === '0') return undefined;
  if (!/^\d+$/.test(rv)) throw new Error(`invalid resource version "${rv}"`);
  return Number(rv);
}

/** '' or undefined means "no precondition". */
export function hasPrecondition(expected: string | undefined): expected is string {
  return expected !== undefined && expected !== '';
}

/** The registry fills in name and namespace before storing; a mismatch is a programming error. */
export function assertObjectMatchesRef(ref: ObjectRef, obj: KObject): void {
  const name = obj.metadata?.name;
  const namespace = obj.metadata?.namespace ?? '';
  if (name !== ref.name || namespace !== ref.namespace) {
    throw new Error(
      `store: object ${namespace}/${name} does not match key ${ref.namespace}/${ref.name} of ${qualifiedResource(ref)}`,
    );
  }
}

/** The JSON the store keeps: the object with metadata.resourceVersion set to its RV. */
export function stampedJson(obj: KObject, rv: number): string {
  return JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } });
}

/** Rewrites the resourceVersion inside already-stamped JSON (deletions carry their own RV). */
export function restampJson(json: string, rv: number): string {
  return stampedJson(JSON.parse(json) as KObject, rv);
}

export function resourceKey(res: ResourceRef): string {
  return `${res.group}/${res.resource}`;
}
