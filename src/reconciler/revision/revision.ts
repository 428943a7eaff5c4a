/**
 * Revision reconciler: asks the runtime to run the revision at the desired scale and maps what the
 * runtime observes onto Knative's Revision conditions (ResourcesAvailable, ContainerHealthy → Ready;
 * Active is informational: a Revision scaled to zero stays Ready).
 *
 * With an autoscaler the desired scale and the Active condition come from it (Knative's
 * PodAutoscaler, PropagateAutoscalerStatus); without one, a routed revision runs one instance.
 */

import type { KObject } from '../../apis/meta.ts';
import type { Autoscaler, ScalingStatus } from '../../autoscaler/autoscaler.ts';
import { livingConditionSet, type ConditionManager } from '../../controller/conditions.ts';
import type { Reconciler } from '../../controller/controller.ts';
import type { EventRecorder } from '../../controller/events.ts';
import type { RevisionObservation, RevisionRuntime } from '../../runtime/runtime.ts';
import { snapshotConditions, TransitionEvents } from '../condition-events.ts';
import { RoutingStateLabel } from '../keys.ts';

export const revisionConditionSet = livingConditionSet('ResourcesAvailable', 'ContainerHealthy');

/** Without an autoscaler: one instance while routed (or not yet labelled), none in reserve. */
export function desiredInstances(rev: KObject): number {
  return isReachable(rev) ? 1 : 0;
}

/** Knative's PA reachability: only a `reserve` revision is unreachable (`pending` counts as reachable). */
export function isReachable(rev: KObject): boolean {
  return rev.metadata.labels?.[RoutingStateLabel] !== 'reserve';
}

export interface RevisionReconcilerDeps {
  runtime: RevisionRuntime;
  now: () => Date;
  autoscaler?: Autoscaler;
  recorder?: EventRecorder;
}

export class RevisionReconciler implements Reconciler {
  private readonly events: TransitionEvents | undefined;

  constructor(private readonly deps: RevisionReconcilerDeps) {
    this.events = deps.recorder && new TransitionEvents(deps.recorder);
  }

  async reconcileKind(rev: KObject): Promise<void> {
    const before = snapshotConditions(rev.status);
    await this.reconcileScale(rev);
    if (!this.events) return;
    // Knative's revision reconciler records RevisionReady; the failures are what a Deployment's
    // and its Pods' events would tell a Kubernetes user, and ksrv has no such objects.
    for (const type of ['ContainerHealthy', 'ResourcesAvailable']) this.events.warnOnFailure(rev, before, type);
    this.events.onTrue(rev, before, 'Ready', 'RevisionReady', 'Revision becomes ready upon all resources being ready');
  }

  private async reconcileScale(rev: KObject): Promise<void> {
    const { runtime, autoscaler } = this.deps;
    const ns = rev.metadata.namespace!;
    const name = rev.metadata.name!;
    const mgr = revisionConditionSet.manage(rev.status, this.deps.now);
    if (!autoscaler) {
      const desired = desiredInstances(rev);
      await runtime.ensure(rev, desired);
      applyObservation(rev.status, mgr, runtime.observe(ns, name), desired);
      return;
    }
    const before = runtime.observe(ns, name);
    const scaling = autoscaler.track(rev, isReachable(rev), before?.actualReplicas ?? 0);
    await runtime.ensure(rev, scaling.instances);
    const obs = runtime.observe(ns, name);
    applyRuntimeConditions(rev.status, mgr, obs);
    applyScaling(rev.status, mgr, scaling);
  }

  async observeDeletion(namespace: string, name: string): Promise<void> {
    this.events?.forget(namespace, name);
    this.deps.autoscaler?.forget(`${namespace}/${name}`);
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

/** ResourcesAvailable, ContainerHealthy and container digests from the runtime. */
function applyRuntimeConditions(status: any, mgr: ConditionManager, obs: RevisionObservation | undefined): void {
  if (!obs) {
    if (mgr.get('ResourcesAvailable')?.status !== 'True') mgr.markUnknown('ResourcesAvailable', 'Deploying', '');
    if (mgr.get('ContainerHealthy')?.status !== 'True') mgr.markUnknown('ContainerHealthy', 'Deploying', '');
    return;
  }
  applyDependent(mgr, 'ResourcesAvailable', obs.resourcesAvailable);
  applyDependent(mgr, 'ContainerHealthy', obs.containerHealthy);
  if (obs.containerStatuses?.length) {
    status.containerStatuses = obs.containerStatuses.map((c) => (c.imageDigest ? { name: c.name, imageDigest: c.imageDigest } : { name: c.name }));
  }
}

/** Without an autoscaler: replicas as observed, Active from the instance counts. */
export function applyObservation(status: any, mgr: ConditionManager, obs: RevisionObservation | undefined, desired: number): void {
  applyRuntimeConditions(status, mgr, obs);
  if (!obs) {
    mgr.markUnknown('Active', 'Deploying', '');
    return;
  }
  status.actualReplicas = obs.actualReplicas;
  status.desiredReplicas = obs.desiredReplicas;
  if (obs.actualReplicas >= 1) {
    mgr.markTrue('Active');
  } else if (desired === 0 && obs.desiredReplicas === 0) {
    mgr.markFalse('Active', 'NoTraffic', 'The target is not receiving traffic.');
  } else {
    mgr.markUnknown('Active', 'Queued', 'Requests to the target are being buffered as resources are provisioned.');
  }
}

/** Knative's PropagateAutoscalerStatus with the autoscaler's view of the revision. */
export function applyScaling(status: any, mgr: ConditionManager, s: ScalingStatus): void {
  const isFalse = (type: string) => mgr.get(type)?.status === 'False';
  const unavailable = isFalse('ResourcesAvailable') || isFalse('ContainerHealthy');
  status.actualReplicas = s.actualScale;
  if (s.desiredScale !== undefined && s.desiredScale >= 0) status.desiredReplicas = s.desiredScale;
  else delete status.desiredReplicas;

  if (s.scaleTargetInitialized && !unavailable) {
    // Initial scale reached (possibly 0 instances with initial-scale 0): the resources are there.
    mgr.markTrue('ResourcesAvailable');
    mgr.markTrue('ContainerHealthy');
  }
  if (mgr.get('ResourcesAvailable')?.status === 'True' && !s.scaleTargetInitialized) {
    mgr.markUnknown('ResourcesAvailable', 'Deploying', '');
  }

  const a = s.active;
  if (a.status === 'True') {
    mgr.markTrue('Active');
  } else if (a.status === 'False') {
    // Scaled to zero before ever reaching initial scale: the deadline passed.
    if (!s.scaleTargetInitialized && !unavailable) {
      mgr.markFalse('ResourcesAvailable', 'ProgressDeadlineExceeded', 'Initial scale was never achieved');
    }
    mgr.markFalse('Active', a.reason, a.message);
  } else {
    mgr.markUnknown('Active', a.reason || 'Deploying', a.message);
  }
}
