/**
 * Turns a list/watch query's label and field selectors into one predicate over stored objects,
 * with the field labels each kind supports (as the Kubernetes API server registers them).
 */
import type { KObject } from '../apis/meta.ts';
import type { ResourceType } from '../apis/resources.ts';
import { parseFieldSelector, parseLabelSelector, SelectorParseError } from '../lib/labels.ts';
import { errors } from '../lib/errors.ts';

type FieldGetter = (obj: KObject) => string | undefined;

const str = (x: unknown): string | undefined => (x === undefined || x === null ? undefined : String(x));

const META_FIELDS: Record<string, FieldGetter> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace,
};

const EVENT_FIELDS: Record<string, FieldGetter> = {
  ...META_FIELDS,
  'involvedObject.kind': (o) => str((o as any).involvedObject?.kind),
  'involvedObject.namespace': (o) => str((o as any).involvedObject?.namespace),
  'involvedObject.name': (o) => str((o as any).involvedObject?.name),
  'involvedObject.uid': (o) => str((o as any).involvedObject?.uid),
  'involvedObject.apiVersion': (o) => str((o as any).involvedObject?.apiVersion),
  'involvedObject.resourceVersion': (o) => str((o as any).involvedObject?.resourceVersion),
  'involvedObject.fieldPath': (o) => str((o as any).involvedObject?.fieldPath),
  reason: (o) => str((o as any).reason),
  reportingComponent: (o) => str((o as any).reportingComponent),
  source: (o) => str((o as any).source?.component),
  type: (o) => str((o as any).type),
};

const NAMESPACE_FIELDS: Record<string, FieldGetter> = {
  ...META_FIELDS,
  'status.phase': (o) => str(o.status?.phase),
};

function fieldsOf(type: ResourceType): Record<string, FieldGetter> {
  if (type.group === '' && type.kind === 'Event') return EVENT_FIELDS;
  if (type.group === '' && type.kind === 'Namespace') return NAMESPACE_FIELDS;
  return META_FIELDS;
}

export interface ObjectFilter {
  /** True when nothing is filtered (no selectors). */
  readonly everything: boolean;
  matches(obj: KObject): boolean;
}

/** Throws ApiError 400 BadRequest for a malformed selector or an unsupported field label. */
export function objectFilter(type: ResourceType, labelSelector?: string, fieldSelector?: string): ObjectFilter {
  try {
    const labels = parseLabelSelector(labelSelector);
    const fields = parseFieldSelector(fieldSelector);
    const getters = fieldsOf(type);
    for (const r of fields.requirements) {
      if (!getters[r.field]) throw errors.badRequest(`field label not supported: ${r.field}`);
    }
    return {
      everything: labels.empty && fields.empty,
      matches: (obj) => labels.matches(obj.metadata.labels) && fields.matches((f) => getters[f]!(obj)),
    };
  } catch (e) {
    if (e instanceof SelectorParseError) throw errors.badRequest(e.message);
    throw e;
  }
}

/**
 * The part of an object any selector can look at: labels, name, namespace and the few other
 * fields in the getters above. Watches remember objects' previous states in this form (to see an
 * object stop or start matching) at a fraction of the memory of whole objects.
 */
export function selectorView(obj: KObject): KObject {
  const o = obj as any;
  const view: KObject = {
    apiVersion: obj.apiVersion, kind: obj.kind,
    metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, labels: obj.metadata.labels },
  };
  if (o.involvedObject !== undefined) (view as any).involvedObject = o.involvedObject;
  for (const k of ['reason', 'reportingComponent', 'source', 'type'] as const) if (o[k] !== undefined) (view as any)[k] = o[k];
  if (o.status?.phase !== undefined) view.status = { phase: o.status.phase };
  return view;
}
