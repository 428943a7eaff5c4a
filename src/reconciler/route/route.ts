/**
 * Route reconciler (knative pkg/reconciler/route): resolves traffic, publishes the routing table
 * to the gateway (our stand-in for the Ingress, programmed synchronously, so IngressReady follows
 * directly), fills in url/address/traffic, and runs the labeler. With a rollout duration (Route
 * annotation serving.knative.dev/rollout-duration, else the network config's rollout-duration) a
 * new latest revision gets its traffic gradually (rollout.ts); the rollout state lives in the
 * Route's status.annotations because the metadata annotations are the Service's to set.
 */

import type { KObject } from '../../apis/meta.ts';
import { parseGoDuration } from '../../apis/serving/k8s-strings.ts';
import type { ConfigSection } from '../../config/config.ts';
import type { NetworkConfig } from '../../config/network.ts';
import { livingConditionSet } from '../../controller/conditions.ts';
import { requeueAfter, type Reconciler, type ReconcileResult } from '../../controller/controller.ts';
import type { EventRecorder } from '../../controller/events.ts';
import { snapshotConditions, TransitionEvents, type ConditionSnapshot } from '../condition-events.ts';
import { RolloutDurationAnnotations, VisibilityLabel } from '../keys.ts';
import { clearRoutingMeta, syncRoutingMeta, type LabelerDeps } from './labeler.ts';
import {
  buildRollout, configurationRollout, isRolloutDone, observeReady, parseRollout, RolloutAnnotation, serializeRollout, stepRollout, type Rollout,
} from './rollout.ts';
import type { RouteTable, RouteTableSink } from './route-table.ts';
import { buildTrafficConfiguration, markBadTrafficTarget, type RevisionTarget, type TrafficConfig } from './traffic.ts';

export const routeConditionSet = livingConditionSet('AllTrafficAssigned', 'IngressReady', 'CertificateProvisioned');

export interface RouteReconcilerDeps extends LabelerDeps {
  sink: RouteTableSink;
  domain: string;
  /** Supplies the default rollout duration; absent = 0 (only Routes that ask roll out gradually). */
  networkConfig?: ConfigSection<NetworkConfig>;
  recorder?: EventRecorder;
}

/** Route.RolloutDuration(): the annotation in whole seconds, 0 when absent or unparsable. */
export function rolloutDurationSecs(route: KObject): number {
  const annotations = route.metadata.annotations ?? {};
  const v = RolloutDurationAnnotations.map((k) => annotations[k]).find((x) => x !== undefined && x !== '');
  const ns = v === undefined ? undefined : parseGoDuration(v);
  return ns === undefined ? 0 : Math.trunc(ns / 1e9);
}

export function isClusterLocal(route: KObject): boolean {
  return route.metadata.labels?.[VisibilityLabel] === 'cluster-local';
}

export function clusterLocalHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** Host of the route (tag '') or of one of its tags, per the default domain and tag templates. */
export function routeHost(route: KObject, domain: string, tag = ''): string {
  const name = tag ? `${tag}-${route.metadata.name}` : route.metadata.name!;
  return isClusterLocal(route) ? clusterLocalHost(name, route.metadata.namespace!) : `${name}.${route.metadata.namespace}.${domain}`;
}

export class RouteReconciler implements Reconciler {
  private readonly events: TransitionEvents | undefined;

  constructor(private readonly deps: RouteReconcilerDeps) {
    this.events = deps.recorder && new TransitionEvents(deps.recorder);
  }

  async reconcileKind(route: KObject): Promise<ReconcileResult | void> {
    const { deps } = this;
    const status = route.status;
    const mgr = routeConditionSet.manage(status, deps.now);
    const ns = route.metadata.namespace!;
    const conditionsBefore = snapshotConditions(status);
    const trafficBefore = trafficSummary(status.traffic);

    if (route.metadata.generation !== status.observedGeneration) {
      mgr.markUnknown('IngressReady', 'IngressNotConfigured', 'Ingress has not yet been reconciled.');
    }
    const cfg = buildTrafficConfiguration(route, {
      configuration: (n) => deps.configurations.get(ns, n),
      revision: (n) => deps.revisions.get(ns, n),
    });
    status.url = `http://${routeHost(route, deps.domain)}`;

    let result: ReconcileResult | undefined;
    if (cfg.error) {
      markBadTrafficTarget(mgr, cfg.error);
    } else {
      const { rollout, nextStepTime } = this.rollout(route, cfg);
      const inProgress = !isRolloutDone(rollout);
      const traffic = statusTraffic(route, cfg, deps.domain, inProgress ? rollout : undefined);
      if (traffic.length) status.traffic = traffic; else delete status.traffic;
      mgr.markTrue('AllTrafficAssigned');
      status.address = { url: `http://${clusterLocalHost(route.metadata.name!, ns)}` };
      mgr.markTrueWithReason('CertificateProvisioned', 'TLSNotEnabled', 'external-domain-tls is not enabled');
      deps.sink.update(`${ns}/${route.metadata.name}`, routeTable(route, cfg, deps.domain, rollout));
      status.annotations = { ...status.annotations, [RolloutAnnotation]: serializeRollout(rollout) };
      if (inProgress) {
        mgr.markUnknown('IngressReady', 'RolloutInProgress', 'A gradual rollout of the latest revision(s) is in progress.');
      } else {
        mgr.markTrue('IngressReady');
      }
      if (nextStepTime > 0) result = requeueAfter(Math.max(0, nextStepTime - deps.now().getTime()));
    }

    const ready = mgr.get('Ready')?.status;
    await syncRoutingMeta(deps, route, ready === 'True' || ready === 'False');
    this.recordEvents(route, conditionsBefore, trafficBefore);
    return result;
  }

  /** A Warning when traffic cannot be assigned; a Normal event whenever the programmed split changes. */
  private recordEvents(route: KObject, conditionsBefore: ConditionSnapshot, trafficBefore: string): void {
    if (!this.events) return;
    this.events.warnOnFailure(route, conditionsBefore, 'AllTrafficAssigned');
    if (route.status.conditions?.find((c: any) => c.type === 'AllTrafficAssigned')?.status !== 'True') return;
    const traffic = trafficSummary(route.status.traffic);
    this.events.onChange(route, 'traffic', trafficBefore, traffic, 'Normal', 'TrafficAssigned', `Traffic assigned: ${traffic || 'none'}`);
  }

  /**
   * reconcileRollout: the split to program now. Without a rollout duration that is the target
   * split itself (still recorded, so a later rollout has a starting point). The table is programmed
   * in this same reconcile, so a rollout that has just started is timed right away (ObserveReady).
   */
  private rollout(route: KObject, cfg: TrafficConfig): { rollout: Rollout; nextStepTime: number } {
    const goal = buildRollout(cfg.groups!);
    const durationSecs = rolloutDurationSecs(route) || (this.deps.networkConfig?.get().rolloutDurationSecs ?? 0);
    if (durationSecs <= 0) return { rollout: goal, nextStepTime: 0 };
    const now = this.deps.now().getTime();
    const prev = parseRollout(route.status?.annotations?.[RolloutAnnotation]);
    const { rollout } = stepRollout(goal, prev, now);
    observeReady(rollout, now, durationSecs);
    const times = (rollout.configurations ?? []).map((c) => c.stepParams.nextStepTime ?? 0).filter((t) => t > 0);
    return { rollout, nextStepTime: times.length ? Math.min(...times) : 0 };
  }

  async observeDeletion(namespace: string, name: string): Promise<void> {
    this.events?.forget(namespace, name);
    this.deps.sink.remove(`${namespace}/${name}`);
    await clearRoutingMeta(this.deps, namespace, name);
  }
}

/** `50% web-v1 #v1, 50% web-v2, 0% web-v2 #latest`: status.traffic in one line. */
function trafficSummary(traffic: any[] | undefined): string {
  return (traffic ?? []).map((t) => `${t.percent ?? 0}% ${t.revisionName}${t.tag ? ` #${t.tag}` : ''}`).join(', ');
}

/** The revisions a target's traffic goes to now: the rollout's split for a latest-revision target being rolled out. */
function rolloutSplit(t: RevisionTarget, tag: string, rollout: Rollout | undefined): { revisionName: string; percent: number }[] {
  const c = rollout && t.latestRevision === true && t.configurationName ? configurationRollout(rollout, tag, t.configurationName) : undefined;
  return c?.revisions ?? [{ revisionName: t.revisionName, percent: t.percent }];
}

/** status.traffic: the targets at revision level; during a rollout, one entry per revision of the split. */
function statusTraffic(route: KObject, cfg: TrafficConfig, domain: string, rollout: Rollout | undefined): any[] {
  return (cfg.revisionTargets ?? []).flatMap((t) => rolloutSplit(t, t.tag ?? '', rollout).map((r) => {
    const e: any = {};
    if (t.tag) e.tag = t.tag;
    e.revisionName = r.revisionName;
    if (t.latestRevision !== undefined) e.latestRevision = t.latestRevision;
    e.percent = r.percent;
    if (t.tag) e.url = `http://${routeHost(route, domain, t.tag)}`;
    return e;
  }));
}

export function routeTable(route: KObject, cfg: TrafficConfig, domain: string, rollout?: Rollout): RouteTable {
  const ns = route.metadata.namespace!;
  const local = isClusterLocal(route);
  const groups = [...(cfg.groups ?? new Map<string, RevisionTarget[]>())].map(([tag, targets]) => {
    const name = tag ? `${tag}-${route.metadata.name}` : route.metadata.name!;
    const hosts = [`${name}.${ns}`, `${name}.${ns}.svc`, clusterLocalHost(name, ns)];
    if (!local) hosts.unshift(`${name}.${ns}.${domain}`);
    return {
      tag,
      hosts,
      splits: targets.filter((t) => t.percent > 0).flatMap((t) => rolloutSplit(t, tag, rollout))
        .filter((sp) => sp.percent > 0).map((sp) => ({ revisionName: sp.revisionName, percent: sp.percent })),
    };
  });
  return { namespace: ns, route: route.metadata.name!, visibility: local ? 'ClusterLocal' : 'ExternalIP', groups };
}
