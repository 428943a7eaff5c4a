import type { KObject } from '../../../apis/meta.ts';
import { deepClone } from '../../../lib/json.ts';
import {
  ConfigurationGenerationLabel, ConfigurationLabel, ConfigurationUIDLabel, CreatorAnnotation, RoutesAnnotation,
  routingStateModifiedString, RoutingStateLabel, RoutingStateModifiedAnnotation, ServiceLabel, ServiceUIDLabel,
  UpdaterAnnotation, type RoutingState,
} from '../../keys.ts';
import { controllerRef } from '../../owner.ts';
import { revisionName } from './names.ts';

function setRoutingState(rev: KObject, state: RoutingState, now: Date): void {
  const labels = (rev.metadata.labels ??= {});
  const annotations = (rev.metadata.annotations ??= {});
  if (annotations[RoutingStateModifiedAnnotation] && labels[RoutingStateLabel] === state) return;
  labels[RoutingStateLabel] = state;
  annotations[RoutingStateModifiedAnnotation] = routingStateModifiedString(now);
}

/** MakeRevision: the Revision a Configuration stamps out for its current generation. */
export function makeRevision(config: KObject, now: Date): KObject {
  const tmeta = deepClone(config.spec?.template?.metadata ?? {}) as KObject['metadata'];
  const name = tmeta.name || revisionName(config.metadata.name!, config.metadata.generation ?? 0);
  const rev: KObject = {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: {
      name,
      namespace: config.metadata.namespace,
      labels: { ...(tmeta.labels ?? {}) },
      annotations: { ...(tmeta.annotations ?? {}) },
    },
    spec: deepClone(config.spec?.template?.spec ?? {}),
  };
  setRoutingState(rev, 'pending', now);

  const cl = config.metadata.labels ?? {};
  const labels = rev.metadata.labels!;
  labels[ConfigurationLabel] = config.metadata.name!;
  if (cl[ServiceLabel]) labels[ServiceLabel] = cl[ServiceLabel];
  labels[ConfigurationGenerationLabel] = String(config.metadata.generation ?? 0);
  if (config.metadata.uid) labels[ConfigurationUIDLabel] = config.metadata.uid;
  if (cl[ServiceUIDLabel]) labels[ServiceUIDLabel] = cl[ServiceUIDLabel];

  const ca = config.metadata.annotations ?? {};
  const annotations = rev.metadata.annotations!;
  if (UpdaterAnnotation in ca) annotations[CreatorAnnotation] = ca[UpdaterAnnotation]!;
  if (RoutesAnnotation in ca) {
    annotations[RoutesAnnotation] = ca[RoutesAnnotation]!;
    setRoutingState(rev, 'active', now);
  }

  rev.metadata.ownerReferences = [...(tmeta.ownerReferences ?? []), controllerRef(config)];
  return rev;
}
