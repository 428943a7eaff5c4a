/**
 * Knative's defaulting webhook (SetDefaults in pkg/apis/serving/v1/*_defaults.go) with the stock
 * config-defaults. All functions mutate the object they are given. ksrv re-applies them on every
 * write, since a merge patch can replace a defaulted array with an undefaulted one.
 */
import type { KObject } from '../meta.ts';
import type { Container, Probe, RevisionSpec, RevisionTemplateSpec, TrafficTarget } from './types.ts';
import { CREATOR_ANNOTATION, UPDATER_ANNOTATION } from './types.ts';
import { isDeepStrictEqual } from 'node:util';

export const DEFAULT_TIMEOUT_SECONDS = 300;
export const DEFAULT_CONTAINER_CONCURRENCY = 0;
export const DEFAULT_USER_CONTAINER_NAME = 'user-container';
const DEFAULT_INIT_CONTAINER_NAME = 'init-container';

function applyDefaultContainerNames(containers: Container[], taken: Set<string>, base: string): void {
  let next = 0;
  for (const c of containers) {
    if (c.name) continue;
    let name = base;
    if (containers.length > 1 || taken.has(name)) {
      do { name = `${base}-${next++}`; } while (taken.has(name));
    }
    c.name = name;
  }
}

function hasHandler(p: Probe): boolean {
  return !!(p.tcpSocket || p.httpGet || p.exec || p.grpc);
}

/** Go serialises IntOrString ports without omitempty, so an absent handler port reads back as 0. */
function fillHandlerPorts(p: Probe | undefined): void {
  if (!p) return;
  for (const h of [p.httpGet, p.tcpSocket]) if (h && h.port === undefined) h.port = 0;
  if (p.grpc) {
    if (p.grpc.port === undefined) p.grpc.port = 0;
    if (p.grpc.service === undefined) p.grpc.service = '';
  }
}

function applyContainerDefaults(rs: RevisionSpec, c: Container): void {
  if (!c.resources || typeof c.resources !== 'object') c.resources = {};
  const containers = rs.containers ?? [];
  // Only the serving container (the single one, or the one with a port) gets the default probe.
  if (containers.length === 1 || (c.ports?.length ?? 0) !== 0) {
    if (!c.readinessProbe) c.readinessProbe = {};
    if (!hasHandler(c.readinessProbe)) c.readinessProbe.tcpSocket = {};
  }
  const rp = c.readinessProbe;
  if (rp) {
    if (!rp.successThreshold) rp.successThreshold = 1;
    if (rp.periodSeconds) {
      if (!rp.failureThreshold) rp.failureThreshold = 3;
      if (!rp.timeoutSeconds) rp.timeoutSeconds = 1;
    }
  }
  fillHandlerPorts(c.readinessProbe);
  fillHandlerPorts(c.livenessProbe);
  fillHandlerPorts(c.startupProbe);

  if (rs.enableServiceLinks === undefined || rs.enableServiceLinks === null) rs.enableServiceLinks = false;

  const writable = new Set((rs.volumes ?? []).filter((v) => v && (v.emptyDir || v.persistentVolumeClaim || v.ephemeral)).map((v) => v.name));
  for (const vm of c.volumeMounts ?? []) if (vm && !writable.has(vm.name)) vm.readOnly = true;
}

export function setRevisionSpecDefaults(rs: RevisionSpec): void {
  if (!rs.timeoutSeconds) rs.timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  // idle / response-start timeouts: stock defaults (0 and = timeout) never apply.
  if (rs.containerConcurrency === undefined || rs.containerConcurrency === null) rs.containerConcurrency = DEFAULT_CONTAINER_CONCURRENCY;
  const containers = Array.isArray(rs.containers) ? rs.containers.filter((c) => c && typeof c === 'object') : [];
  const inits = Array.isArray(rs.initContainers) ? rs.initContainers.filter((c) => c && typeof c === 'object') : [];
  const taken = new Set([...containers, ...inits].map((c) => c.name ?? ''));
  applyDefaultContainerNames(containers, taken, DEFAULT_USER_CONTAINER_NAME);
  applyDefaultContainerNames(inits, taken, DEFAULT_INIT_CONTAINER_NAME);
  for (const c of containers) applyContainerDefaults(rs, c);
}

export function setTemplateDefaults(t: RevisionTemplateSpec | undefined): void {
  if (!t || typeof t !== 'object') return;
  if (!t.spec || typeof t.spec !== 'object') t.spec = {};
  setRevisionSpecDefaults(t.spec);
}

/** TrafficTarget defaults; a Service (default configuration name) with no traffic routes 100% to latest. */
export function setTrafficDefaults(spec: { traffic?: TrafficTarget[] }, inService: boolean): void {
  if (inService && (!Array.isArray(spec.traffic) || spec.traffic.length === 0)) {
    spec.traffic = [{ percent: 100, latestRevision: true }];
  }
  for (const tt of spec.traffic ?? []) {
    if (!tt || typeof tt !== 'object') continue;
    if (tt.latestRevision === undefined || tt.latestRevision === null) tt.latestRevision = !tt.revisionName;
    if (tt.percent === undefined || tt.percent === null) tt.percent = 0;
  }
}

/** serving.SetUserInfo: creator+lastModifier on create, lastModifier when the spec changed on update. */
export function setUserInfo(obj: KObject, oldObj: KObject | undefined, username: string | undefined): void {
  if (username === undefined) return;
  const ann = (obj.metadata.annotations ??= {});
  if (oldObj) {
    if (isDeepStrictEqual(oldObj.spec ?? null, obj.spec ?? null)) return;
    ann[UPDATER_ANNOTATION] = username;
  } else {
    ann[CREATOR_ANNOTATION] = username;
    ann[UPDATER_ANNOTATION] = username;
  }
}
