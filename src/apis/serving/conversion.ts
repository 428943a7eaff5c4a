/**
 * Conversion between the served versions of serving.knative.dev (v1alpha1, v1beta1) and the
 * storage version v1, as Knative's conversion webhook did (runLatest / release / pinned, ...).
 * v1beta1 is the v1 shape under another apiVersion. v1alpha1 is the v1 shape plus deprecated forms
 * (pkg/apis/serving/v1alpha1/*_conversion.go and the v1alpha1-only checks of *_validation.go at
 * knative/serving 7398ed7b7e). The deprecated forms are accepted wherever conversion accepted them.
 */
import type { KObject } from '../meta.ts';
import type { ResourceType } from '../resources.ts';
import {
  FieldError, also, CURRENT_FIELD, errDisallowedFields, errGeneric, errInvalidArrayValue, errMissingField,
  errMissingOneOf, errMultipleOneOf, errOutOfBoundsValue, goString,
} from '../../lib/field-error.ts';
import { isDNS1035Label } from './k8s-strings.ts';
import { SERVING_GROUP } from './types.ts';
import { admissionDenied } from './webhook-error.ts';

type Obj = Record<string, any>;

const RELEASE_LATEST = '@latest';

function versionOf(apiVersion: unknown): string {
  const s = typeof apiVersion === 'string' ? apiVersion : '';
  const slash = s.lastIndexOf('/');
  return slash >= 0 ? s.slice(slash + 1) : s;
}

function apiVersionFor(type: ResourceType, version: string): string {
  return type.group ? `${type.group}/${version}` : version;
}

function isObj(v: unknown): v is Obj {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Converts an object in any served version (per its apiVersion) to v1. Throws ApiError on shapes that cannot convert. */
export function toStorageVersion(type: ResourceType, obj: KObject): KObject {
  const out = structuredClone(obj);
  out.apiVersion = apiVersionFor(type, type.storageVersion);
  if (type.group !== SERVING_GROUP || versionOf(obj.apiVersion) !== 'v1alpha1') return out;
  const errs = convertAlpha(type.kind, out);
  if (errs) throw admissionDenied(errs);
  return out;
}

/** Converts a stored v1 object to the requested served version. */
export function fromStorageVersion(type: ResourceType, obj: KObject, version: string): KObject {
  const out = structuredClone(obj);
  out.apiVersion = apiVersionFor(type, version);
  if (type.group === SERVING_GROUP && version === 'v1alpha1' && (type.kind === 'Route' || type.kind === 'Service')) {
    addDeprecatedRouteStatus(out.status);
  }
  return out;
}

function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  try { return new URL(url).host; } catch { return undefined; }
}

/** v1alpha1 RouteStatus also carried `domain`, `domainInternal` and `address.hostname`. */
function addDeprecatedRouteStatus(status: Obj | undefined): void {
  if (!isObj(status)) return;
  const domain = hostOf(status.url);
  if (domain) status.domain = domain;
  const internal = hostOf(isObj(status.address) ? status.address.url : undefined);
  if (internal) {
    status.domainInternal = internal;
    status.address = { ...status.address, hostname: internal };
  }
}

/** Rewrites a v1alpha1 object into v1 in place; returns the errors (paths from the root). */
function convertAlpha(kind: string, obj: KObject): FieldError | undefined {
  switch (kind) {
    case 'Service': return also(convertServiceSpec(obj), convertRouteStatus(obj.status));
    case 'Configuration': {
      if (!isObj(obj.spec)) return undefined;
      const [spec, errs] = convertConfigurationSpec(obj.spec);
      obj.spec = spec;
      return errs?.viaField('spec');
    }
    case 'Revision': {
      if (!isObj(obj.spec)) return undefined;
      return convertRevisionSpec(obj.spec)?.viaField('spec');
    }
    case 'Route': {
      const errs = isObj(obj.spec) ? convertTraffic(obj.spec.traffic, true)?.viaField('spec') : undefined;
      return also(errs, convertRouteStatus(obj.status));
    }
    default: return undefined;
  }
}

/** TrafficTarget `name` is the deprecated spelling of `tag`. */
function convertTraffic(traffic: unknown, inSpec: boolean): FieldError | undefined {
  if (!Array.isArray(traffic)) return undefined;
  let errs: FieldError | undefined;
  traffic.forEach((tt, i) => {
    if (!isObj(tt) || tt.name === undefined) return;
    if (tt.tag && tt.name) {
      if (inSpec) errs = also(errs, errMultipleOneOf('name', 'tag').viaFieldIndex('traffic', i));
    } else if (tt.name) {
      tt.tag = tt.name;
    }
    delete tt.name;
  });
  return errs;
}

function convertRouteStatus(status: unknown): FieldError | undefined {
  if (!isObj(status)) return undefined;
  delete status.domain;
  delete status.domainInternal;
  if (isObj(status.address)) delete status.address.hostname;
  convertTraffic(status.traffic, false);
  return undefined;
}

/** RevisionSpec: the single deprecated `container` becomes `containers[0]`. Paths relative to the spec. */
function convertRevisionSpec(spec: Obj): FieldError | undefined {
  const hasContainers = Array.isArray(spec.containers) && spec.containers.length > 0;
  const container = spec.container;
  for (const deprecated of ['container', 'servingState', 'generation', 'concurrencyModel']) delete spec[deprecated];
  if (container != null && hasContainers) return errMultipleOneOf('container', 'containers');
  if (container != null) { spec.containers = [container]; return undefined; }
  if (!hasContainers) return errMissingOneOf('container', 'containers');
  return undefined;
}

/** ConfigurationSpec: `revisionTemplate` is the deprecated name of `template`; `build` cannot convert. */
function convertConfigurationSpec(cs: Obj): [Obj, FieldError | undefined] {
  if (cs.build != null) return [cs, errGeneric('build cannot be migrated forward.', 'build')];
  const hasOld = isObj(cs.revisionTemplate);
  const hasNew = isObj(cs.template);
  if (hasOld && hasNew) return [cs, errMultipleOneOf('revisionTemplate', 'template')];
  if (!hasOld && !hasNew) return [cs, errMissingOneOf('revisionTemplate', 'template')];
  const field = hasOld ? 'revisionTemplate' : 'template';
  const template: Obj = cs[field];
  const out: Obj = { ...cs, template };
  delete out.revisionTemplate;
  delete out.generation;
  if (!isObj(template.spec)) template.spec = {};
  const errs = convertRevisionSpec(template.spec)?.viaField('spec');
  return [out, errs?.viaField(field)];
}

function isEmptyConfigurationSpec(spec: Obj): boolean {
  return spec.template == null && spec.revisionTemplate == null && spec.build == null;
}

function validateRelease(release: Obj): FieldError | undefined {
  let errs: FieldError | undefined;
  const revisions: unknown[] = Array.isArray(release.revisions) ? release.revisions : [];
  const rollout = typeof release.rolloutPercent === 'number' ? release.rolloutPercent : 0;
  if (revisions.length === 0) errs = also(errs, errMissingField('revisions'));
  if (revisions.length > 2) errs = also(errs, errOutOfBoundsValue(revisions.length, 1, 2, 'revisions'));
  revisions.forEach((r, i) => {
    if (r === RELEASE_LATEST) return;
    const msgs = isDNS1035Label(String(r ?? ''));
    if (msgs.length > 0) errs = also(errs, errInvalidArrayValue(`not a DNS 1035 label: ${goString(msgs)}`, 'revisions', i));
  });
  if (revisions.length < 2 && rollout !== 0) errs = also(errs, errGeneric('may not set rolloutPercent for a single revision', 'rolloutPercent'));
  if (rollout < 0 || rollout > 99) errs = also(errs, errOutOfBoundsValue(rollout, 0, 99, 'rolloutPercent'));
  return errs;
}

function releaseTraffic(release: Obj): Obj[] {
  const revisions: string[] = release.revisions;
  const rollout = typeof release.rolloutPercent === 'number' ? release.rolloutPercent : 0;
  const traffic: Obj[] = revisions.length === 2
    ? [
      { revisionName: revisions[0], percent: 100 - rollout, tag: 'current' },
      { revisionName: revisions[1], percent: rollout, tag: 'candidate' },
      { tag: 'latest', latestRevision: true },
    ]
    : [
      { revisionName: revisions[0], percent: 100, tag: 'current' },
      { tag: 'latest', latestRevision: true },
    ];
  for (const tt of traffic) {
    if (tt.revisionName === RELEASE_LATEST) {
      delete tt.revisionName;
      tt.latestRevision = true;
    }
  }
  return traffic;
}

/** ServiceSpec: exactly one of runLatest / release / pinned / inline template (manual is refused). */
function convertServiceSpec(obj: KObject): FieldError | undefined {
  if (!isObj(obj.spec)) return undefined;
  const spec: Obj = obj.spec;
  const { runLatest, release, pinned, manual, traffic, ...inline } = spec;
  const modes: string[] = [];
  let errs: FieldError | undefined;
  const modeConfiguration = (mode: Obj | undefined, field: string): Obj | undefined => {
    if (!isObj(mode?.configuration) || isEmptyConfigurationSpec(mode!.configuration)) {
      errs = also(errs, errMissingField(CURRENT_FIELD).viaField(field, 'configuration'));
      return undefined;
    }
    const [cs, e] = convertConfigurationSpec(mode!.configuration);
    errs = also(errs, e?.viaField(field, 'configuration'));
    return cs;
  };

  let configuration: Obj | undefined;
  let routeTraffic: Obj[] | undefined;
  if (runLatest != null) {
    modes.push('runLatest');
    configuration = modeConfiguration(runLatest, 'runLatest');
    routeTraffic = [{ percent: 100, latestRevision: true }];
  }
  if (release != null) {
    modes.push('release');
    const e = validateRelease(isObj(release) ? release : {});
    errs = also(errs, e?.viaField('release'));
    configuration = modeConfiguration(release, 'release');
    if (!e) routeTraffic = releaseTraffic(release);
  }
  if (manual != null) {
    modes.push('manual');
    errs = also(errs, errDisallowedFields('manual'));
  }
  if (pinned != null) {
    modes.push('pinned');
    if (!pinned?.revisionName) errs = also(errs, errMissingField('revisionName').viaField('pinned'));
    configuration = modeConfiguration(pinned, 'pinned');
    routeTraffic = [{ revisionName: pinned?.revisionName, percent: 100 }];
  }
  if (modes.length > 0 && Array.isArray(traffic) && traffic.length > 0) {
    errs = also(errs, errMultipleOneOf('traffic', ...modes));
  }
  if (!isEmptyConfigurationSpec(inline)) {
    modes.push('template');
    const [cs, e] = convertConfigurationSpec(inline);
    errs = also(errs, e);
    configuration = cs;
    routeTraffic = traffic;
    errs = also(errs, convertTraffic(routeTraffic, true));
  }
  if (modes.length > 1) errs = also(errs, errMultipleOneOf(...modes));
  else if (modes.length === 0) errs = also(errs, errMissingOneOf('runLatest', 'release', 'pinned', 'template'));
  if (errs) return errs.viaField('spec');

  const next: Obj = { ...configuration };
  if (routeTraffic !== undefined) next.traffic = routeTraffic;
  obj.spec = next;
  return undefined;
}
