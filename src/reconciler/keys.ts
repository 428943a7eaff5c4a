/** Label and annotation keys the serving controllers set (knative pkg/apis/serving/register.go). */

export const ServiceLabel = 'serving.knative.dev/service';
export const ServiceUIDLabel = 'serving.knative.dev/serviceUID';
export const ConfigurationLabel = 'serving.knative.dev/configuration';
export const ConfigurationUIDLabel = 'serving.knative.dev/configurationUID';
export const ConfigurationGenerationLabel = 'serving.knative.dev/configurationGeneration';
export const RoutingStateLabel = 'serving.knative.dev/routingState';
export const RoutingStateModifiedAnnotation = 'serving.knative.dev/routingStateModified';
export const RoutesAnnotation = 'serving.knative.dev/routes';
export const CreatorAnnotation = 'serving.knative.dev/creator';
export const UpdaterAnnotation = 'serving.knative.dev/lastModifier';
export const LastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
export const RolloutDurationAnnotations = ['serving.knative.dev/rollout-duration', 'serving.knative.dev/rolloutDuration'];
export const VisibilityLabel = 'networking.knative.dev/visibility';

export type RoutingState = 'pending' | 'active' | 'reserve';

/** RFC3339 UTC with second precision, as Knative's RoutingStateModifiedString. */
export function routingStateModifiedString(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parse a comma-separated list annotation (e.g. serving.knative.dev/routes) into a set. */
export function listAnnotation(annotations: Record<string, string> | undefined, key: string): Set<string> {
  const v = annotations?.[key];
  const out = new Set<string>();
  if (!v) return out;
  for (const s of v.split(',')) {
    const t = s.trim();
    if (t) out.add(t);
  }
  return out;
}

export function isControlledBy(obj: { metadata: { ownerReferences?: { uid: string; controller?: boolean }[] } },
  owner: { metadata: { uid?: string } }): boolean {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  return !!ref && !!owner.metadata.uid && ref.uid === owner.metadata.uid;
}
