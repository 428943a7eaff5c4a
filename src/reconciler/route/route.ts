/**
 * Route reconciler (knative pkg/reconciler/route): resolves traffic, publishes the routing table
 * to the gateway (our stand-in for the Ingress, programmed synchronously, so IngressReady follows
 * directly), fills in url/address/traffic, and runs the labeler.
 */

import type { KObject } from '../../apis/meta.ts';
import { livingConditionSet } from '../../controller/conditions.ts';
import type { Reconciler } from '../../controller/controller.ts';
import type { Informer } from '../../controller/informer.ts';
import { VisibilityLabel } from '../keys.ts';
import { clearRoutingMeta, syncRoutingMeta, type LabelerDeps } from './labeler.ts';
import type { RouteTable, RouteTableSink } from './route-table.ts';
import { buildTrafficConfiguration, markBadTrafficTarget, type RevisionTarget, type TrafficConfig } from './traffic.ts';

export const routeConditionSet = livingConditionSet('AllTrafficAssigned', 'IngressReady', 'CertificateProvisioned');

export interface RouteReconcilerDeps extends LabelerDeps {
  sink: RouteTableSink;
  domain: string;
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
  constructor(private readonly deps: RouteReconcilerDeps) {}

  async reconcileKind(route: KObject): Promise<void> {
    const { deps } = this;
    const status = route.status;
    const mgr = routeConditionSet.manage(status, deps.now);
    const ns = route.metadata.namespace!;

    if (route.metadata.generation !== status.observedGeneration) {
      mgr.markUnknown('IngressReady', 'IngressNotConfigured', 'Ingress has not yet been reconciled.');
    }
    const cfg = buildTrafficConfiguration(route, {
      configuration: (n) => deps.configurations.get(ns, n),
      revision: (n) => deps.revisions.get(ns, n),
    });
    status.url = `http://${routeHost(route, deps.domain)}`;

    if (cfg.error) {
      markBadTrafficTarget(mgr, cfg.error);
    } else {
      const traffic = statusTraffic(route, cfg, deps.domain);
      if (traffic.length) status.traffic = traffic; else delete status.traffic;
      mgr.markTrue('AllTrafficAssigned');
      status.address = { url: `http://${clusterLocalHost(route.metadata.name!, ns)}` };
      mgr.markTrueWithReason('CertificateProvisioned', 'TLSNotEnabled', 'external-domain-tls is not enabled');
      deps.sink.update(`${ns}/${route.metadata.name}`, routeTable(route, cfg, deps.domain));
      mgr.markTrue('IngressReady');
    }

    const ready = mgr.get('Ready')?.status;
    await syncRoutingMeta(deps, route, ready === 'True' || ready === 'False');
  }

  async observeDeletion(namespace: string, name: string): Promise<void> {
    this.deps.sink.remove(`${namespace}/${name}`);
    await clearRoutingMeta(this.deps, namespace, name);
  }
}

function statusTraffic(route: KObject, cfg: TrafficConfig, domain: string): any[] {
  return (cfg.revisionTargets ?? []).map((t) => {
    const e: any = {};
    if (t.tag) e.tag = t.tag;
    e.revisionName = t.revisionName;
    if (t.latestRevision !== undefined) e.latestRevision = t.latestRevision;
    e.percent = t.percent;
    if (t.tag) e.url = `http://${routeHost(route, domain, t.tag)}`;
    return e;
  });
}

export function routeTable(route: KObject, cfg: TrafficConfig, domain: string): RouteTable {
  const ns = route.metadata.namespace!;
  const local = isClusterLocal(route);
  const groups = [...(cfg.groups ?? new Map<string, RevisionTarget[]>())].map(([tag, targets]) => {
    const name = tag ? `${tag}-${route.metadata.name}` : route.metadata.name!;
    const hosts = [`${name}.${ns}`, `${name}.${ns}.svc`, clusterLocalHost(name, ns)];
    if (!local) hosts.unshift(`${name}.${ns}.${domain}`);
    return {
      tag,
      hosts,
      splits: targets.filter((t) => t.percent > 0).map((t) => ({ revisionName: t.revisionName, percent: t.percent })),
    };
  });
  return { namespace: ns, route: route.metadata.name!, visibility: local ? 'ClusterLocal' : 'ExternalIP', groups };
}
