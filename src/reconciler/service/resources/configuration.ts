import type { KObject } from '../../../apis/meta.ts';
import { deepClone } from '../../../lib/json.ts';
import {
  LastAppliedAnnotation, listAnnotation, RolloutDurationAnnotations, RoutesAnnotation, ServiceLabel, ServiceUIDLabel,
} from '../../keys.ts';
import { controllerRef } from '../../owner.ts';
import { configurationName, routeName } from './names.ts';

/**
 * The Configuration a Service wants (MakeConfigurationFromExisting): service labels plus the
 * service labels, service annotations minus last-applied and rollout keys, plus the routes
 * annotation merged with the one already on the existing Configuration.
 */
export function makeConfiguration(service: KObject, existing?: KObject): KObject {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(service.metadata.annotations ?? {})) {
    if (k === LastAppliedAnnotation || RolloutDurationAnnotations.includes(k)) continue;
    annotations[k] = v;
  }
  const routes = listAnnotation(existing?.metadata.annotations, RoutesAnnotation);
  routes.add(routeName(service));
  annotations[RoutesAnnotation] = [...routes].sort().join(',');
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Configuration',
    metadata: {
      name: configurationName(service),
      namespace: service.metadata.namespace,
      ownerReferences: [controllerRef(service)],
      labels: {
        ...(service.metadata.labels ?? {}),
        [ServiceLabel]: service.metadata.name!,
        [ServiceUIDLabel]: service.metadata.uid!,
      },
      annotations,
    },
    spec: { template: deepClone(service.spec?.template ?? {}) },
  };
}
