import type { KObject } from '../../../apis/meta.ts';
import { deepClone } from '../../../lib/json.ts';
import { LastAppliedAnnotation, ServiceLabel } from '../../keys.ts';
import { controllerRef } from '../../owner.ts';
import { configurationName, routeName } from './names.ts';

/** The Route a Service wants (MakeRoute): traffic targets without a revision point at its Configuration. */
export function makeRoute(service: KObject): KObject {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata.annotations ?? {})) {
    if (k !== LastAppliedAnnotation) annotations[k] = v;
  }
  const traffic = deepClone((service.spec?.traffic ?? []) as Record<string, unknown>[]).map((t) => (
    t.revisionName ? t : { ...t, configurationName: configurationName(service) }
  ));
  const meta: KObject['metadata'] = {
    name: routeName(service),
    namespace: service.metadata.namespace,
    ownerReferences: [controllerRef(service)],
    labels: { ...(service.metadata.labels ?? {}), [ServiceLabel]: service.metadata.name! },
  };
  if (Object.keys(annotations).length) meta.annotations = annotations;
  return { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: meta, spec: { traffic } };
}
