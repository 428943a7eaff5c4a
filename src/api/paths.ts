/**
 * Parses resource URLs (`/api/v1/...`, `/apis/{group}/{version}/...`) into the resource type,
 * served version, namespace, name and subresource they address, following the Kubernetes
 * request-info rules for the shapes ksrv serves.
 */

import { ALL_TYPES, type ResourceType } from '../apis/resources.ts';

export interface ResourcePath {
  type: ResourceType;
  /** The served version named in the URL. */
  version: string;
  /** '' for cluster-scoped types and for all-namespaces collections. */
  namespace: string;
  /** Absent for collections. */
  name?: string;
  subresource?: 'status';
}

/** `namespaces/{name}/{x}` names a namespace subresource, not a namespaced collection, for these x. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** group → version → plural → type, built once from the catalogue. */
const byGroupVersion = new Map<string, Map<string, Map<string, ResourceType>>>();
for (const t of ALL_TYPES) {
  let versions = byGroupVersion.get(t.group);
  if (!versions) byGroupVersion.set(t.group, (versions = new Map()));
  for (const v of t.versions) {
    let plurals = versions.get(v);
    if (!plurals) versions.set(v, (plurals = new Map()));
    plurals.set(t.plural, t);
  }
}

/** The resource types served in one group-version, in catalogue order ('' = core). */
export function typesIn(group: string, version: string): ResourceType[] {
  return [...(byGroupVersion.get(group)?.get(version)?.values() ?? [])];
}

/** True when the group-version is served ('' = core). */
export function isServedGroupVersion(group: string, version: string): boolean {
  return byGroupVersion.get(group)?.has(version) ?? false;
}

/**
 * Returns undefined when the path addresses no served resource (an unknown group, version or
 * resource, or a shape such as an item under an all-namespaces collection): the caller answers 404.
 * `pathname` must not include the query string.
 */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  const plurals = byGroupVersion.get(group)?.get(version);
  if (!plurals) return undefined;
  rest = rest.map(safeDecode);
  if (rest.some((p) => p === undefined)) return undefined;

  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) {
    namespace = rest[1]!;
    rest = rest.slice(2);
    const type = plurals.get(rest[0]!);
    if (!type || !type.namespaced) return undefined;
    return finish(type, version, namespace, rest.slice(1));
  }
  const type = plurals.get(rest[0]!);
  if (!type) return undefined;
  if (type.namespaced) {
    // All-namespaces collection: no items below it.
    return rest.length === 1 ? { type, version, namespace: '' } : undefined;
  }
  return finish(type, version, '', rest.slice(1));
}

function finish(type: ResourceType, version: string, namespace: string, rest: string[]): ResourcePath | undefined {
  if (rest.length === 0) return { type, version, namespace };
  const name = rest[0]!;
  if (!isValidPathName(name)) return undefined;
  if (rest.length === 1) return { type, version, namespace, name };
  if (rest.length === 2 && rest[1] === 'status' && type.hasStatus) return { type, version, namespace, name, subresource: 'status' };
  return undefined;
}

/** The apiserver rejects names that cannot be path segments. */
function isValidPathName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined as unknown as string;
  }
}
