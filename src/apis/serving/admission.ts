/**
 * Knative's admission webhooks (defaulting + validation) for the serving kinds, in-process.
 * Dispatches per kind to defaults.ts and validation.ts; rejections carry the webhook's exact text.
 */
import type { KObject } from '../meta.ts';
import type { ResourceType } from '../resources.ts';
import { FieldError, Level } from '../../lib/field-error.ts';
import { setTemplateDefaults, setTrafficDefaults, setRevisionSpecDefaults, setUserInfo } from './defaults.ts';
import type { Configuration, Revision, Route, Service } from './types.ts';
import { SERVING_GROUP } from './types.ts';
import { validateConfiguration, validateRevision, validateRoute, validateService } from './validation.ts';
import { admissionDenied } from './webhook-error.ts';
import type { ClusterSettings } from './annotation-validation.ts';

export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE';
  type: ResourceType;
  /** Storage version (v1), already converted. May be mutated by defaulting; a copy is returned. */
  object: KObject;
  /** Previous stored object, for UPDATE. */
  oldObject?: KObject;
  /** Authenticated user name, for serving.knative.dev/creator and lastModifier. */
  username?: string;
  /** Cluster-wide settings validation depends on (Knative reads them from its ConfigMaps). */
  cluster?: ClusterSettings;
}

export interface AdmissionResult {
  object: KObject;
  warnings: string[];
}

function hasOwners(obj: KObject): boolean {
  return Array.isArray(obj.metadata.ownerReferences) && obj.metadata.ownerReferences.length > 0;
}

function isObj(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** SetDefaults per kind; mutates `obj`. */
function setDefaults(kind: string, obj: KObject, old: KObject | undefined, username: string | undefined): void {
  obj.metadata ??= {};
  switch (kind) {
    case 'Service': {
      if (!isObj(obj.spec)) obj.spec = {};
      if (!isObj(obj.spec.template)) obj.spec.template = {};
      setTemplateDefaults(obj.spec.template);
      setTrafficDefaults(obj.spec, true);
      setUserInfo(obj, old, username);
      break;
    }
    case 'Configuration': {
      if (!isObj(obj.spec)) obj.spec = {};
      if (!isObj(obj.spec.template)) obj.spec.template = {};
      setTemplateDefaults(obj.spec.template);
      if (!hasOwners(obj)) setUserInfo(obj, old, username);
      break;
    }
    case 'Revision': {
      if (!isObj(obj.spec)) obj.spec = {};
      setRevisionSpecDefaults(obj.spec);
      break;
    }
    case 'Route': {
      if (!isObj(obj.spec)) obj.spec = {};
      setTrafficDefaults(obj.spec, false);
      if (!hasOwners(obj)) setUserInfo(obj, old, username);
      break;
    }
  }
}

function validate(kind: string, obj: KObject, old: KObject | undefined, cluster: ClusterSettings): FieldError | undefined {
  switch (kind) {
    case 'Service': return validateService(obj as Service, old as Service | undefined, cluster);
    case 'Configuration': return validateConfiguration(obj as Configuration, old as Configuration | undefined, cluster);
    case 'Revision': return validateRevision(obj as Revision, old as Revision | undefined, cluster);
    case 'Route': return validateRoute(obj as Route, old as Route | undefined);
    default: return undefined;
  }
}

/**
 * Defaults then validates. Throws ApiError 400 BadRequest with Knative's webhook text on rejection.
 * Types outside serving.knative.dev pass through unchanged.
 */
export function admit(req: AdmissionRequest): AdmissionResult {
  if (req.type.group !== SERVING_GROUP) return { object: req.object, warnings: [] };
  const kind = req.type.kind;
  const obj = structuredClone(req.object);
  const old = req.operation === 'UPDATE' && req.oldObject ? defaultedCopy(kind, req.oldObject) : undefined;
  setDefaults(kind, obj, old, req.username);
  const result = validate(kind, obj, old, req.cluster ?? {});
  const errors = result?.filter(Level.Error);
  if (errors) throw admissionDenied(errors);
  const warnings = result?.filter(Level.Warning)?.wrappedErrors().map((w) => w.text) ?? [];
  if (kind !== 'Revision') keepListsAsGiven(obj, req.object);
  return { object: obj, warnings };
}

function defaultedCopy(kind: string, obj: KObject): KObject {
  const copy = structuredClone(obj);
  setDefaults(kind, copy, undefined, undefined);
  return copy;
}

/**
 * Lists the user wrote (containers, volumes, traffic) are stored as written, without the defaults
 * inside their items. kubectl's client-side apply sends JSON merge patches, which replace lists
 * whole: a stored list that differs from the manifest's only by server defaults would make every
 * re-apply of an unchanged file "configured". Validation saw the defaulted lists; the Revisions the
 * Configuration stamps out get every default when they are admitted.
 */
function keepListsAsGiven(defaulted: KObject, given: KObject): void {
  const givenPodSpec = given.spec?.template?.spec;
  const podSpec = defaulted.spec?.template?.spec;
  if (isObj(givenPodSpec) && isObj(podSpec)) {
    for (const list of ['containers', 'initContainers', 'volumes']) {
      if (Array.isArray(givenPodSpec[list])) podSpec[list] = structuredClone(givenPodSpec[list]);
    }
  }
  if (Array.isArray(given.spec?.traffic) && given.spec.traffic.length > 0 && isObj(defaulted.spec)) {
    defaulted.spec.traffic = structuredClone(given.spec.traffic);
  }
}
