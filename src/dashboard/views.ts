/**
 * What the page sees of Services, Revisions and Routes: the few fields the dashboard shows,
 * flattened from the storage-version objects the Client hands out.
 */
import type { Condition, KObject } from '../apis/meta.ts';
import { ConfigurationGenerationLabel, ConfigurationLabel, RoutingStateLabel, ServiceLabel, UpdaterAnnotation } from '../reconciler/keys.ts';

export interface TrafficTargetView {
  revisionName?: string;
  configurationName?: string;
  latestRevision?: boolean;
  tag?: string;
  percent?: number;
  url?: string;
}

interface Readiness {
  ready: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface ServiceView extends Readiness {
  namespace: string;
  name: string;
  url: string;
  created: string;
  generation: number;
  observedGeneration: number;
  latestCreatedRevision: string;
  latestReadyRevision: string;
  lastModifier: string;
  /** What the user asked for (the split the editor starts from). */
  specTraffic: TrafficTargetView[];
  /** Where requests go now: targets resolved to revisions, with tag URLs. */
  statusTraffic: TrafficTargetView[];
}

export interface RevisionView extends Readiness {
  namespace: string;
  name: string;
  service: string;
  configuration: string;
  /** The configuration generation the revision was made from (kn's revision number). */
  generation: number;
  created: string;
  image: string;
  imageDigest: string;
  routingState: string;
  actualReplicas: number | null;
  desiredReplicas: number | null;
}

export interface RouteView extends Readiness {
  namespace: string;
  name: string;
  url: string;
  traffic: TrafficTargetView[];
}

export function objectKey(obj: KObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

function readiness(obj: KObject): Readiness {
  const ready = (obj.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready');
  return { ready: ready?.status ?? 'Unknown', reason: ready?.reason ?? '', message: ready?.message ?? '' };
}

function traffic(list: unknown): TrafficTargetView[] {
  if (!Array.isArray(list)) return [];
  return list.map((t: any) => {
    const v: TrafficTargetView = {};
    if (typeof t?.revisionName === 'string' && t.revisionName) v.revisionName = t.revisionName;
    if (typeof t?.configurationName === 'string' && t.configurationName) v.configurationName = t.configurationName;
    if (typeof t?.latestRevision === 'boolean') v.latestRevision = t.latestRevision;
    if (typeof t?.tag === 'string' && t.tag) v.tag = t.tag;
    if (typeof t?.percent === 'number') v.percent = t.percent;
    if (typeof t?.url === 'string' && t.url) v.url = t.url;
    return v;
  });
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export function serviceView(obj: KObject): ServiceView {
  const s = obj.status ?? {};
  return {
    namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '',
    url: s.url ?? '', created: obj.metadata.creationTimestamp ?? '',
    generation: obj.metadata.generation ?? 0, observedGeneration: s.observedGeneration ?? 0,
    latestCreatedRevision: s.latestCreatedRevisionName ?? '', latestReadyRevision: s.latestReadyRevisionName ?? '',
    lastModifier: obj.metadata.annotations?.[UpdaterAnnotation] ?? '',
    specTraffic: traffic(obj.spec?.traffic), statusTraffic: traffic(s.traffic),
    ...readiness(obj),
  };
}

export function revisionView(obj: KObject): RevisionView {
  const labels = obj.metadata.labels ?? {};
  const container = obj.spec?.containers?.[0];
  const digest = (obj.status?.containerStatuses as { imageDigest?: string }[] | undefined)?.find((c) => c.imageDigest)?.imageDigest;
  return {
    namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '',
    service: labels[ServiceLabel] ?? '', configuration: labels[ConfigurationLabel] ?? '',
    generation: Number(labels[ConfigurationGenerationLabel] ?? 0) || 0,
    created: obj.metadata.creationTimestamp ?? '',
    image: typeof container?.image === 'string' ? container.image : '',
    imageDigest: digest ?? '',
    routingState: labels[RoutingStateLabel] ?? '',
    actualReplicas: num(obj.status?.actualReplicas), desiredReplicas: num(obj.status?.desiredReplicas),
    ...readiness(obj),
  };
}

export function routeView(obj: KObject): RouteView {
  return {
    namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '',
    url: obj.status?.url ?? '', traffic: traffic(obj.status?.traffic), ...readiness(obj),
  };
}

/** `web-v1 70%, web-v2 30% #canary`: a split as one line of history. */
export function describeSplit(targets: readonly TrafficTargetView[]): string {
  return targets.map((t) => {
    const who = t.revisionName ?? (t.latestRevision ? '@latest' : t.configurationName ?? '?');
    return `${who} ${t.percent ?? 0}%${t.tag ? ` #${t.tag}` : ''}`;
  }).join(', ');
}
