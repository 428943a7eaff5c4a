/**
 * Revision reconciler: asks the runtime to run the revision at the desired scale and maps what the
 * runtime observes onto Knative's Revision conditions (ResourcesAvailable, ContainerHealthy → Ready;
 * Active is informational: a Revision scaled to zero stays Ready).
 */

import type { KObject } from '../../apis/meta.ts';
import { livingConditionSet, type ConditionManager } from '../../controller/conditions.ts';
import type { Reconciler } from '../../controller/controller.ts';
import type { RevisionObservation, RevisionRuntime } from '../../runtime/runtime.ts';
import { RoutingStateLabel } from '../keys.ts';

export const revisionConditionSet = livingConditionSet('ResourcesAvailable', 'ContainerHealthy');

/** Until the autoscaler exists: one instance while routed (or not yet labelled), none in reserve. */
export function desiredInstances(rev: KObject): number {
  const state = rev.metadata.labels?.[RoutingStateLabel];
  return state === 'reserve' ? 0 : 1;
}

export class RevisionReconciler implements Reconciler {
  constructor(private readonly deps: { runtime: RevisionRuntime; now: () => Date }) {}

  async reconcileKind(rev: KObject): Promise<void> {
    const { runtime } = this.deps;
    const ns = rev.metadata.namespace!;
    const name = rev.metadata.name!;
    const desired = desiredInstances(rev);
    await runtime.ensure(rev, desired);
    applyObservation(rev.status, revisionConditionSet.manage(rev.status, this.deps.now), runtime.observe(ns, name), desired);
  }

  async observeDeletion(namespace: string, name: string): Promise<void> {
    await this.deps.runtime.remove(namespace, name);
  }
}

type Obs = RevisionObservation['containerHealthy'];

/** Apply one dependent condition; True does not regress to Unknown (e.g. while scaled to zero). */
function applyDependent(mgr: ConditionManager, type: string, o: Obs): void {
  if (o.status === 'True') mgr.markTrue(type);
  else if (o.status === 'False') mgr.markFalse(type, o.reason ?? '', o.message ?? '');
  else if (mgr.get(type)?.status !== 'True') mgr.markUnknown(type, o.reason ?? 'Deploying', o.message ?? '');
}

export function applyObservation(status: any, mgr: ConditionManager, obs: RevisionObservation | undefined, desired: number): void {
  if (!obs) {
    if (mgr.get('ResourcesAvailable')?.status !== 'True') mgr.markUnknown('ResourcesAvailable', 'Deploying', '');
    if (mgr.get('ContainerHealthy')?.status !== 'True') mgr.markUnknown('ContainerHealthy', 'Deploying', '');
    mgr.markUnknown('Active', 'Deploying', '');
    return;
  }
  applyDependent(mgr, 'ResourcesAvailable', obs.resourcesAvailable);
  applyDependent(mgr, 'ContainerHealthy', obs.containerHealthy);
  status.actualReplicas = obs.actualReplicas;
  status.desiredReplicas = obs.desiredReplicas;
  if (obs.containerStatuses?.length) {
    status.containerStatuses = obs.containerStatuses.map((c) => (c.imageDigest ? { name: c.name, imageDigest: c.imageDigest } : { name: c.name }));
  }
  if (obs.actualReplicas >= 1) {
    mgr.markTrue('Active');
  } else if (desired === 0 && obs.desiredReplicas === 0) {
    mgr.markFalse('Active', 'NoTraffic', 'The target is not receiving traffic.');
  } else {
    mgr.markUnknown('Active', 'Queued', 'Requests to the target are being buffered as resources are provisioned.');
  }
}
