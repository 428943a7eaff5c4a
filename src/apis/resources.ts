/**
 * The catalogue of resource types ksrv serves. Discovery, OpenAPI, Table output, the HTTP router,
 * the registry and the controllers all read this one list.
 */

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;          // kubectl JSONPath, e.g. .status.conditions[?(@.type=='Ready')].status
  description?: string;
  priority?: number;
}

export interface ResourceType {
  group: string;              // '' for the core group
  versions: string[];         // served versions, preferred (storage) first
  storageVersion: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  hasStatus: boolean;         // status subresource
  printerColumns: PrinterColumn[];
  /** Versions that answer with a `Warning: 299` header, as Knative marked them. */
  deprecatedVersions?: Record<string, string>;
}

export const SERVING_GROUP = 'serving.knative.dev';

const ready: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].status" };
const reason: PrinterColumn = { name: 'Reason', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].reason" };
const url: PrinterColumn = { name: 'URL', type: 'string', jsonPath: '.status.url' };
const latestCreated: PrinterColumn = { name: 'LatestCreated', type: 'string', jsonPath: '.status.latestCreatedRevisionName' };
const latestReady: PrinterColumn = { name: 'LatestReady', type: 'string', jsonPath: '.status.latestReadyRevisionName' };

const servingVersions = ['v1', 'v1beta1', 'v1alpha1'];
const deprecated = {
  v1alpha1: 'serving.knative.dev/v1alpha1 is deprecated; use serving.knative.dev/v1',
  v1beta1: 'serving.knative.dev/v1beta1 is deprecated; use serving.knative.dev/v1',
};

function serving(kind: string, plural: string, shortNames: string[], printerColumns: PrinterColumn[]): ResourceType {
  return {
    group: SERVING_GROUP, versions: servingVersions, storageVersion: 'v1', kind, listKind: `${kind}List`,
    plural, singular: kind.toLowerCase(), shortNames, categories: ['all', 'knative', 'serving'],
    namespaced: true, hasStatus: true, printerColumns, deprecatedVersions: deprecated,
  };
}

export const ServiceType = serving('Service', 'services', ['kservice', 'ksvc'], [url, latestCreated, latestReady, ready, reason]);
export const ConfigurationType = serving('Configuration', 'configurations', ['config', 'cfg'], [latestCreated, latestReady, ready, reason]);
export const RevisionType = serving('Revision', 'revisions', ['rev'], [
  { name: 'Config Name', type: 'string', jsonPath: ".metadata.labels['serving.knative.dev/configuration']" },
  { name: 'Generation', type: 'string', jsonPath: ".metadata.labels['serving.knative.dev/configurationGeneration']" },
  ready, reason,
  { name: 'Actual Replicas', type: 'integer', jsonPath: '.status.actualReplicas' },
  { name: 'Desired Replicas', type: 'integer', jsonPath: '.status.desiredReplicas' },
]);
export const RouteType = serving('Route', 'routes', ['rt'], [url, ready, reason]);

export const NamespaceType: ResourceType = {
  group: '', versions: ['v1'], storageVersion: 'v1', kind: 'Namespace', listKind: 'NamespaceList',
  plural: 'namespaces', singular: 'namespace', shortNames: ['ns'], categories: [], namespaced: false,
  hasStatus: true,
  printerColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }],
};

export const EventType: ResourceType = {
  group: '', versions: ['v1'], storageVersion: 'v1', kind: 'Event', listKind: 'EventList',
  plural: 'events', singular: 'event', shortNames: ['ev'], categories: [], namespaced: true,
  hasStatus: false,
  printerColumns: [
    { name: 'Last Seen', type: 'date', jsonPath: '.lastTimestamp' },
    { name: 'Type', type: 'string', jsonPath: '.type' },
    { name: 'Reason', type: 'string', jsonPath: '.reason' },
    { name: 'Object', type: 'string', jsonPath: '.involvedObject.name' },
    { name: 'Message', type: 'string', jsonPath: '.message' },
  ],
};

/**
 * Core v1 Service: only the compatibility objects (istio-ingressgateway, kourier) whose load balancer
 * address scripts read to find the gateway. `kubectl get services` means these, as in Kubernetes.
 */
export const CoreServiceType: ResourceType = {
  group: '', versions: ['v1'], storageVersion: 'v1', kind: 'Service', listKind: 'ServiceList',
  plural: 'services', singular: 'service', shortNames: ['svc'], categories: ['all'], namespaced: true,
  hasStatus: true,
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Cluster-IP', type: 'string', jsonPath: '.spec.clusterIP' },
    { name: 'External-IP', type: 'string', jsonPath: '.status.loadBalancer.ingress[*].ip' },
    { name: 'Port(s)', type: 'string', jsonPath: '.spec.ports[*].port' },
  ],
};

export const SERVING_TYPES: ResourceType[] = [ServiceType, ConfigurationType, RevisionType, RouteType];
export const CORE_TYPES: ResourceType[] = [NamespaceType, EventType, CoreServiceType];
export const ALL_TYPES: ResourceType[] = [...SERVING_TYPES, ...CORE_TYPES];

export function findType(group: string, plural: string): ResourceType | undefined {
  return ALL_TYPES.find((t) => t.group === group && t.plural === plural);
}

export function typeForKind(group: string, kind: string): ResourceType | undefined {
  return ALL_TYPES.find((t) => t.group === group && t.kind === kind);
}

export function apiVersionOf(t: ResourceType, version = t.storageVersion): string {
  return t.group ? `${t.group}/${version}` : version;
}
