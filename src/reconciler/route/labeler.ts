/**
 * Knative's labeler (pkg/reconciler/labeler, v2): records on Configurations and Revisions which
 * Routes reference them (annotation serving.knative.dev/routes) and moves Revisions between the
 * routingState `active` and `reserve` (label, plus the routingStateModified annotation). Stale
 * references are only cleared once the Route is Ready or Failed, for a smooth hand-over.
 */

import type { KObject } from '../../apis/meta.ts';
import { ConfigurationType, RevisionType, type ResourceType } from '../../apis/resources.ts';
import type { Client } from '../../client/client.ts';
import type { Informer } from '../../controller/informer.ts';
import { ApiError } from '../../lib/errors.ts';
import {
  listAnnotation, RoutesAnnotation, routingStateModifiedString, RoutingStateLabel, RoutingStateModifiedAnnotation,
} from '../keys.ts';

/** Index name (on revisions and configurations): `ns/routeName` for each route in the routes annotation. */
export const ByRoute = 'byRoute';

export function byRouteIndex(obj: KObject): string[] {
  return [...listAnnotation(obj.metadata.annotations, RoutesAnnotation)].map((r) => `${obj.metadata.namespace}/${r}`);
}

export interface LabelerDeps {
  client: Client;
  configurations: Informer;
  revisions: Informer;
  now: () => Date;
}

export async function syncRoutingMeta(deps: LabelerDeps, route: KObject, readyOrFailed: boolean): Promise<void> {
  const ns = route.metadata.namespace!;
  const revisions = new Set<string>();
  const configs = new Set<string>();
  for (const tt of [...(route.status?.traffic ?? []), ...(route.spec?.traffic ?? [])] as any[]) {
    let configName: string | undefined = tt.configurationName;
    if (tt.revisionName) {
      const rev = deps.revisions.get(ns, tt.revisionName);
      if (!rev) continue;
      revisions.add(tt.revisionName);
      const owner = rev.metadata.ownerReferences?.find((r) => r.controller);
      if (owner?.kind === 'Configuration') configName = owner.name;
    }
    if (configName) {
      const config = deps.configurations.get(ns, configName);
      if (!config) continue;
      configs.add(configName);
      const lcr = config.status?.latestCreatedRevisionName;
      if (lcr && tt.latestRevision === true) revisions.add(lcr);
    }
  }
  if (readyOrFailed) {
    await clearNotListed(deps, route, RevisionType, deps.revisions, revisions);
    await clearNotListed(deps, route, ConfigurationType, deps.configurations, configs);
  }
  for (const name of revisions) await setRoutingMeta(deps, route, RevisionType, deps.revisions, name, false);
  for (const name of configs) await setRoutingMeta(deps, route, ConfigurationType, deps.configurations, name, false);
}

/** Drop this route from everything that still lists it (route deleted). */
export async function clearRoutingMeta(deps: LabelerDeps, namespace: string, routeName: string): Promise<void> {
  const route = { metadata: { namespace, name: routeName } } as KObject;
  await clearNotListed(deps, route, RevisionType, deps.revisions, new Set());
  await clearNotListed(deps, route, ConfigurationType, deps.configurations, new Set());
}

async function clearNotListed(deps: LabelerDeps, route: KObject, type: ResourceType, informer: Informer, keep: Set<string>): Promise<void> {
  const listed = informer.byIndex(ByRoute, `${route.metadata.namespace}/${route.metadata.name}`);
  for (const obj of listed) {
    if (keep.has(obj.metadata.name!)) continue;
    if (type === RevisionType && obj.metadata.labels?.[RoutingStateLabel] !== 'active') continue;
    await setRoutingMeta(deps, route, type, informer, obj.metadata.name!, true);
  }
}

async function setRoutingMeta(deps: LabelerDeps, route: KObject, type: ResourceType, informer: Informer,
  name: string, remove: boolean): Promise<void> {
  const obj = informer.get(route.metadata.namespace!, name);
  if (!obj) return;
  const patch = makeMetadataPatch(obj, route.metadata.name!, type === RevisionType, remove, deps.now());
  if (!patch) return;
  try {
    await deps.client.patch(type, route.metadata.namespace!, name, 'merge', patch);
  } catch (err) {
    if (ApiError.isApiError(err) && err.code === 404) return;
    throw err;
  }
}

export function makeMetadataPatch(obj: KObject, routeName: string, addRoutingState: boolean, remove: boolean,
  now: Date): Record<string, unknown> | undefined {
  const labels: Record<string, string | null> = {};
  const annotations: Record<string, string | null> = {};
  const set = listAnnotation(obj.metadata.annotations, RoutesAnnotation);
  const has = set.has(routeName);
  if (has && remove) {
    set.delete(routeName);
    annotations[RoutesAnnotation] = set.size ? [...set].sort().join(',') : null;
  } else if (!has && !remove) {
    set.add(routeName);
    annotations[RoutesAnnotation] = [...set].sort().join(',');
  }
  if (addRoutingState) {
    let hasRoute = !!obj.metadata.annotations?.[RoutesAnnotation];
    if (RoutesAnnotation in annotations) hasRoute = annotations[RoutesAnnotation] !== null;
    const want = hasRoute ? 'active' : 'reserve';
    if (obj.metadata.labels?.[RoutingStateLabel] !== want) {
      labels[RoutingStateLabel] = want;
      annotations[RoutingStateModifiedAnnotation] = routingStateModifiedString(now);
    }
  }
  const meta: Record<string, unknown> = {};
  if (Object.keys(labels).length) meta.labels = labels;
  if (Object.keys(annotations).length) meta.annotations = annotations;
  return Object.keys(meta).length ? { metadata: meta } : undefined;
}
