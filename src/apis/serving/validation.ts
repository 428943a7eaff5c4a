/**
 * Knative's validating webhook for the v1 kinds (pkg/apis/serving/v1/*_validation.go and
 * metadata_validation.go): one function per kind returning the FieldError tree (errors and warnings
 * mixed; split with filter(Level...)), paths from the object root.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  FieldError, also, CURRENT_FIELD, errDisallowedFields, errGeneric, errInvalidArrayValue, errInvalidKeyName,
  errInvalidValue, errMissingField, errMissingOneOf, errMultipleOneOf, errOutOfBoundsValue, goString,
} from '../../lib/field-error.ts';
import type { ObjectMeta, OwnerReference } from '../meta.ts';
import {
  type ClusterSettings, validateAutoscalingAnnotations, validateHasNoAutoscalingAnnotation, validateProgressDeadlineAnnotation,
  validateQueueSidecarAnnotations, validateRolloutDurationAnnotation,
} from './annotation-validation.ts';
import { isDNS1035Label, isQualifiedName, nameIsDNS1035Label } from './k8s-strings.ts';
import { validatePodSpec } from './podspec-validation.ts';
import { shortDiff } from './short-diff.ts';
import type { Configuration, Revision, RevisionSpec, RevisionTemplateSpec, Route, Service, TrafficTarget } from './types.ts';
import { CONFIGURATION_LABEL, CREATOR_ANNOTATION, SERVICE_LABEL, UPDATER_ANNOTATION } from './types.ts';

export const MAX_TIMEOUT_SECONDS = 600;
export const MAX_CONTAINER_CONCURRENCY = 1000;

/** apis.ValidateObjectMetadata + the autoscaling-annotation rule; paths relative to metadata. */
function validateObjectMetadata(meta: ObjectMeta, allowAutoscalingAnnotations: boolean, cluster: ClusterSettings = {}): FieldError | undefined {
  let errs: FieldError | undefined;
  const name = meta.name ?? '';
  const generateName = meta.generateName ?? '';
  if (generateName !== '' && nameIsDNS1035Label(generateName, true).length > 0) {
    errs = new FieldError(`not a DNS 1035 label prefix: ${goString(nameIsDNS1035Label(generateName, true))}`, ['generateName']);
  } else if (name !== '' && isDNS1035Label(name).length > 0) {
    errs = new FieldError(`not a DNS 1035 label: ${goString(isDNS1035Label(name))}`, ['name']);
  } else if (generateName === '' && name === '') {
    errs = new FieldError('name or generateName is required', ['name']);
  }
  const annotations = allowAutoscalingAnnotations
    ? validateAutoscalingAnnotations(meta.annotations, cluster)
    : validateHasNoAutoscalingAnnotation(meta.annotations);
  return also(errs, annotations?.viaField('annotations'));
}

function verifyLabelOwnerRef(value: string, label: string, kind: string, refs: OwnerReference[] | undefined): FieldError | undefined {
  if ((refs ?? []).some((r) => r.kind === kind && r.name === value)) return undefined;
  return errMissingField(label);
}

function labelOwnerCheck(meta: ObjectMeta, label: string, kind: string): FieldError | undefined {
  const v = meta.labels?.[label];
  return v === undefined ? undefined : verifyLabelOwnerRef(v, label, kind, meta.ownerReferences);
}

function hasOwners(meta: ObjectMeta): boolean {
  return Array.isArray(meta.ownerReferences) && meta.ownerReferences.length > 0;
}

/** apis.ValidateCreatorAndModifier; paths are annotation keys. */
function validateCreatorAndModifier(oldSpec: unknown, newSpec: unknown, oldAnn: Record<string, string> | undefined,
  newAnn: Record<string, string> | undefined): FieldError | undefined {
  let errs: FieldError | undefined;
  if (oldAnn?.[CREATOR_ANNOTATION] !== newAnn?.[CREATOR_ANNOTATION]) {
    errs = also(errs, new FieldError('annotation value is immutable', [CREATOR_ANNOTATION]));
  }
  if (isDeepStrictEqual(oldSpec ?? null, newSpec ?? null) && oldAnn?.[UPDATER_ANNOTATION] !== newAnn?.[UPDATER_ANNOTATION]) {
    errs = also(errs, errInvalidValue(newAnn?.[UPDATER_ANNOTATION] ?? '', UPDATER_ANNOTATION));
  }
  return errs;
}

export function validateRevisionSpec(rs: RevisionSpec | undefined): FieldError | undefined {
  const spec = rs && typeof rs === 'object' ? rs : {};
  let errs = validatePodSpec(spec);
  const t = spec.timeoutSeconds;
  if (typeof t === 'number' && t !== 0 && (t > MAX_TIMEOUT_SECONDS || t < 0)) {
    errs = also(errs, errOutOfBoundsValue(t, 0, MAX_TIMEOUT_SECONDS, 'timeoutSeconds'));
  }
  const cc = spec.containerConcurrency;
  if (typeof cc === 'number' && (cc < 0 || cc > MAX_CONTAINER_CONCURRENCY)) {
    errs = also(errs, errOutOfBoundsValue(cc, 0, MAX_CONTAINER_CONCURRENCY, CURRENT_FIELD).viaField('containerConcurrency'));
  }
  return errs;
}

function validateRevisionName(parent: ObjectMeta, name: string, generateName: string): FieldError | undefined {
  if (generateName !== '') {
    const msgs = nameIsDNS1035Label(generateName, true);
    if (msgs.length > 0) return errInvalidValue(`not a DNS 1035 label prefix: ${goString(msgs)}`, 'metadata.generateName');
  }
  if (name !== '') {
    const msgs = nameIsDNS1035Label(name, false);
    if (msgs.length > 0) return errInvalidValue(`not a DNS 1035 label: ${goString(msgs)}`, 'metadata.name');
    const parentName = parent.name ?? '';
    // BYO names are refused while the parent is being created from generateName only.
    if (parentName === '' && parent.generateName) return errDisallowedFields('metadata.name');
    const prefix = `${parentName}-`;
    if (!name.startsWith(prefix)) {
      return errInvalidValue(`${JSON.stringify(name)} must have prefix ${JSON.stringify(prefix)}`, 'metadata.name');
    }
  }
  return undefined;
}

/** RevisionTemplateSpec.Validate within a parent (Service or Configuration); paths relative to the template. */
export function validateRevisionTemplate(t: RevisionTemplateSpec | undefined, parent: ObjectMeta, cluster: ClusterSettings = {}): FieldError | undefined {
  const tmpl = t && typeof t === 'object' ? t : {};
  const meta = tmpl.metadata ?? {};
  let errs = validateRevisionSpec(tmpl.spec)?.viaField('spec');
  errs = also(errs, validateAutoscalingAnnotations(meta.annotations, cluster)?.viaField('metadata.annotations'));
  errs = also(errs, validateRevisionName(parent, meta.name ?? '', meta.generateName ?? ''));
  errs = also(errs, validateQueueSidecarAnnotations(meta.annotations)?.viaField('metadata.annotations'));
  errs = also(errs, validateProgressDeadlineAnnotation(meta.annotations)?.viaField('metadata.annotations'));
  return errs;
}

/** VerifyNameChange: with a BYO name, the template may only change together with the name. */
function verifyNameChange(cur: RevisionTemplateSpec | undefined, old: RevisionTemplateSpec | undefined): FieldError | undefined {
  const name = cur?.metadata?.name ?? '';
  if (name === '' || name !== (old?.metadata?.name ?? '')) return undefined;
  const diff = shortDiff('*v1.RevisionTemplateSpec', old ?? {}, cur ?? {}, 'template');
  if (diff === '') return undefined;
  return new FieldError('Saw the following changes without a name change (-old +new)', ['metadata.name'], diff);
}

interface TrafficContext { defaultConfigurationName: boolean }

function validateTrafficTarget(tt: TrafficTarget, ctx: TrafficContext): FieldError | undefined {
  let errs: FieldError | undefined;
  const revisionName = tt.revisionName ?? '';
  const configurationName = tt.configurationName ?? '';
  if (tt.latestRevision !== undefined && tt.latestRevision !== null) {
    const pinned = revisionName !== '';
    if (pinned === tt.latestRevision) {
      errs = errGeneric(`may not set revisionName ${JSON.stringify(revisionName)} when latestRevision is ${tt.latestRevision}`, 'latestRevision');
    }
  }
  if (ctx.defaultConfigurationName && configurationName !== '') {
    errs = also(errs, errDisallowedFields('configurationName'));
  } else if (revisionName !== '' && configurationName !== '') {
    errs = also(errs, errMultipleOneOf('revisionName', 'configurationName'));
  } else if (revisionName !== '') {
    const el = isQualifiedName(revisionName);
    if (el.length > 0) errs = also(errs, errInvalidKeyName(revisionName, 'revisionName', ...el));
  } else if (configurationName !== '') {
    const el = isQualifiedName(configurationName);
    if (el.length > 0) errs = also(errs, errInvalidKeyName(configurationName, 'configurationName', ...el));
  } else if (!ctx.defaultConfigurationName) {
    errs = also(errs, errMissingOneOf('revisionName', 'configurationName'));
  }
  if (typeof tt.percent === 'number' && (tt.percent < 0 || tt.percent > 100)) {
    errs = also(errs, errOutOfBoundsValue(tt.percent, 0, 100, 'percent'));
  }
  if (tt.url) {
    // url is status-only, and never on an untagged target.
    errs = also(errs, errDisallowedFields('url'));
    if (!tt.tag) errs = also(errs, errDisallowedFields('url'));
  }
  return errs;
}

/** RouteSpec.Validate; paths relative to the spec. */
export function validateTraffic(traffic: TrafficTarget[] | undefined, ctx: TrafficContext): FieldError | undefined {
  let errs: FieldError | undefined;
  const seen = new Map<string, number>();
  let sum = 0;
  (Array.isArray(traffic) ? traffic : []).forEach((raw, i) => {
    const tt: TrafficTarget = raw && typeof raw === 'object' ? raw : {};
    errs = also(errs, validateTrafficTarget(tt, ctx)?.viaIndex(i));
    if (typeof tt.percent === 'number') sum += tt.percent;
    const tag = tt.tag ?? '';
    if (tag === '') return;
    const msgs = isDNS1035Label(tag);
    if (msgs.length > 0) errs = also(errs, errInvalidArrayValue(`not a DNS 1035 label: ${goString(msgs)}`, 'tag', i));
    const prev = seen.get(tag);
    if (prev !== undefined) {
      errs = also(errs, new FieldError(`Multiple definitions for ${JSON.stringify(tag)}`, [`[${i}].tag`, `[${prev}].tag`]));
    } else seen.set(tag, i);
  });
  if (sum !== 100) errs = also(errs, new FieldError(`Traffic targets sum to ${sum}, want 100`, [CURRENT_FIELD]));
  return errs?.viaField('traffic');
}

export function validateService(s: Service, old?: Service, cluster: ClusterSettings = {}): FieldError | undefined {
  const meta = s.metadata;
  let errs = also(validateObjectMetadata(meta, false),
    validateRolloutDurationAnnotation(meta.annotations)?.viaField('annotations'))?.viaField('metadata');
  const spec = s.spec ?? {};
  const specErrs = also(validateRevisionTemplate(spec.template, meta, cluster)?.viaField('template'),
    validateTraffic(spec.traffic, { defaultConfigurationName: true }));
  errs = also(errs, specErrs?.viaField('spec'));
  if (old) {
    errs = also(errs, validateCreatorAndModifier(old.spec, s.spec, old.metadata.annotations, meta.annotations)?.viaField('metadata.annotations'));
    errs = also(errs, verifyNameChange(spec.template, old.spec?.template)?.viaField('spec.template'));
  }
  return errs;
}

export function validateConfiguration(c: Configuration, old?: Configuration, cluster: ClusterSettings = {}): FieldError | undefined {
  const meta = c.metadata;
  let errs = also(validateObjectMetadata(meta, false),
    labelOwnerCheck(meta, SERVICE_LABEL, 'Service')?.viaField('labels'))?.viaField('metadata');
  errs = also(errs, validateRevisionTemplate(c.spec?.template, meta, cluster)?.viaField('template').viaField('spec'));
  if (old) {
    if (!hasOwners(meta)) {
      errs = also(errs, validateCreatorAndModifier(old.spec, c.spec, old.metadata.annotations, meta.annotations)?.viaField('metadata.annotations'));
    }
    errs = also(errs, verifyNameChange(c.spec?.template, old.spec?.template)?.viaField('spec.template'));
  }
  return errs;
}

export function validateRevision(r: Revision, old?: Revision, cluster: ClusterSettings = {}): FieldError | undefined {
  const meta = r.metadata;
  const errs = also(validateObjectMetadata(meta, true, cluster),
    labelOwnerCheck(meta, CONFIGURATION_LABEL, 'Configuration')?.viaField('labels'))?.viaField('metadata');
  if (old) {
    const diff = shortDiff('v1.RevisionSpec', old.spec ?? {}, r.spec ?? {}, 'revisionSpec');
    // Knative returns only this error on a spec change, dropping metadata errors.
    if (diff !== '') return new FieldError('Immutable fields changed (-old +new)', ['spec'], diff);
    return errs;
  }
  return also(errs, validateRevisionSpec(r.spec)?.viaField('spec'));
}

export function validateRoute(r: Route, old?: Route): FieldError | undefined {
  const meta = r.metadata;
  let errs = also(validateObjectMetadata(meta, false), labelOwnerCheck(meta, SERVICE_LABEL, 'Service')?.viaField('labels'));
  errs = also(errs, validateRolloutDurationAnnotation(meta.annotations)?.viaField('annotations'))?.viaField('metadata');
  errs = also(errs, validateTraffic(r.spec?.traffic, { defaultConfigurationName: false })?.viaField('spec'));
  if (old && !hasOwners(meta)) {
    errs = also(errs, validateCreatorAndModifier(old.spec, r.spec, old.metadata.annotations, meta.annotations)?.viaField('metadata.annotations'));
  }
  return errs;
}
