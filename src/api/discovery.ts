/**
 * Discovery documents (kubectl-compat §1, §3): /version, aggregated discovery (apidiscovery.k8s.io
 * v2 / v2beta1) and the legacy APIVersions / APIGroupList / APIGroup / APIResourceList, all built
 * from the resource catalogue.
 */

import { ALL_TYPES, CORE_TYPES, type ResourceType } from '../apis/resources.ts';
import { typesIn } from './paths.ts';

export const VERSION_INFO = {
  major: '1', minor: '32', gitVersion: 'v1.32.0-knative',
  gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
  buildDate: '2024-01-01T00:00:00Z', goVersion: 'go1.23.0', compiler: 'gc', platform: 'linux/amd64',
};

const ITEM_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

export type AggregatedVersion = 'v2' | 'v2beta1';

export function aggregatedContentType(v: AggregatedVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
}

/** Non-core groups in catalogue order, each with its versions (preferred first). */
function groups(): { name: string; versions: string[] }[] {
  const out: { name: string; versions: string[] }[] = [];
  for (const t of ALL_TYPES) {
    if (!t.group) continue;
    let g = out.find((x) => x.name === t.group);
    if (!g) out.push((g = { name: t.group, versions: [] }));
    for (const v of t.versions) if (!g.versions.includes(v)) g.versions.push(v);
  }
  return out;
}

function coreVersions(): string[] {
  const vs: string[] = [];
  for (const t of CORE_TYPES) for (const v of t.versions) if (!vs.includes(v)) vs.push(v);
  return vs;
}

function discoveryResource(t: ResourceType, version: string): Record<string, unknown> {
  const responseKind = { group: t.group, version, kind: t.kind };
  const r: Record<string, unknown> = {
    resource: t.plural, responseKind, scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular, verbs: ITEM_VERBS,
  };
  if (t.shortNames.length) r.shortNames = t.shortNames;
  if (t.categories.length) r.categories = t.categories;
  if (t.hasStatus) r.subresources = [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }];
  return r;
}

function discoveryGroup(name: string, versions: string[]): Record<string, unknown> {
  return {
    metadata: name ? { name, creationTimestamp: null } : { creationTimestamp: null },
    versions: versions.map((v) => ({
      version: v, freshness: 'Current',
      resources: typesIn(name, v).map((t) => discoveryResource(t, v)),
    })),
  };
}

function discoveryList(v: AggregatedVersion, items: unknown[]): Record<string, unknown> {
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${v}`, metadata: {}, items };
}

/** Aggregated `GET /apis`. */
export function aggregatedApis(v: AggregatedVersion): Record<string, unknown> {
  return discoveryList(v, groups().map((g) => discoveryGroup(g.name, g.versions)));
}

/** Aggregated `GET /api` (the core group). */
export function aggregatedCore(v: AggregatedVersion): Record<string, unknown> {
  const versions = coreVersions();
  return discoveryList(v, versions.length ? [discoveryGroup('', versions)] : []);
}

/** Legacy `GET /api`. */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions', versions: coreVersions(),
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(g: { name: string; versions: string[] }): Record<string, unknown> {
  const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

/** Legacy `GET /apis`. */
export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups().map(apiGroup) };
}

/** `GET /apis/{group}`; undefined for an unknown group. */
export function apiGroupDocument(group: string): Record<string, unknown> | undefined {
  const g = groups().find((x) => x.name === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

/** `GET /api/v1` or `GET /apis/{group}/{version}`; undefined when not served. */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const types = typesIn(group, version);
  if (!types.length) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    const r: Record<string, unknown> = {
      name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: ITEM_VERBS,
    };
    if (t.shortNames.length) r.shortNames = t.shortNames;
    if (t.categories.length) r.categories = t.categories;
    resources.push(r);
    if (t.hasStatus) {
      resources.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: STATUS_VERBS });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
