/**
 * TypeScript shapes of the serving.knative.dev/v1 kinds (pkg/apis/serving/v1/*_types.go), as the
 * plain JSON ksrv stores. Pod-level shapes are loose: unknown k8s fields travel through untouched.
 */
import type { Condition, KObject, ObjectMeta } from '../meta.ts';

export interface Probe {
  httpGet?: { path?: string; port?: number | string; host?: string; scheme?: string; httpHeaders?: unknown[]; [k: string]: unknown };
  tcpSocket?: { port?: number | string; host?: string; [k: string]: unknown };
  exec?: { command?: string[]; [k: string]: unknown };
  grpc?: { port?: number; service?: string; [k: string]: unknown };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
  [k: string]: unknown;
}

export interface ContainerPort { containerPort?: number; name?: string; protocol?: string; [k: string]: unknown }
export interface EnvVar { name?: string; value?: string; valueFrom?: Record<string, unknown>; [k: string]: unknown }
export interface VolumeMount { name?: string; mountPath?: string; readOnly?: boolean; subPath?: string; [k: string]: unknown }

export interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: Record<string, any>[];
  ports?: ContainerPort[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string>; [k: string]: unknown };
  securityContext?: Record<string, any>;
  volumeMounts?: VolumeMount[];
  workingDir?: string;
  terminationMessagePolicy?: string;
  [k: string]: unknown;
}

export interface Volume { name?: string; [source: string]: any }

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  serviceAccountName?: string;
  imagePullSecrets?: { name?: string }[];
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, any>;
  [k: string]: unknown;
}

export interface RevisionSpec extends PodSpec {
  containerConcurrency?: number;
  timeoutSeconds?: number;
  responseStartTimeoutSeconds?: number;
  idleTimeoutSeconds?: number;
}

/** RevisionSpec's own fields, next to the inlined PodSpec. */
export const REVISION_OWN_FIELDS = ['containerConcurrency', 'timeoutSeconds', 'responseStartTimeoutSeconds', 'idleTimeoutSeconds'];

export interface RevisionTemplateSpec { metadata?: ObjectMeta; spec?: RevisionSpec }

export interface TrafficTarget {
  tag?: string;
  revisionName?: string;
  configurationName?: string;
  latestRevision?: boolean | null;
  percent?: number | null;
  url?: string;
}

export interface ConfigurationSpec { template?: RevisionTemplateSpec }
export interface RouteSpec { traffic?: TrafficTarget[] }
export type ServiceSpec = ConfigurationSpec & RouteSpec;

export interface Status {
  observedGeneration?: number;
  conditions?: Condition[];
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export interface Service extends KObject { spec?: ServiceSpec; status?: Status }
export interface Configuration extends KObject { spec?: ConfigurationSpec; status?: Status }
export interface Revision extends KObject { spec?: RevisionSpec; status?: Status }
export interface Route extends KObject { spec?: RouteSpec; status?: Status }

export const SERVING_GROUP = 'serving.knative.dev';
export const CREATOR_ANNOTATION = 'serving.knative.dev/creator';
export const UPDATER_ANNOTATION = 'serving.knative.dev/lastModifier';
export const SERVICE_LABEL = 'serving.knative.dev/service';
export const CONFIGURATION_LABEL = 'serving.knative.dev/configuration';
export const AUTOSCALING_GROUP = 'autoscaling.knative.dev';
