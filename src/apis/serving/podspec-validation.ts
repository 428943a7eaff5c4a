/**
 * Validation of the PodSpec inlined in a RevisionSpec (pkg/apis/serving/k8s_validation.go) together
 * with Knative's field masks (fieldmask.go), with the stock config-features flags: multi-container
 * and emptyDir on; init containers, fieldRef, pod securityContext, PVC, hostPath & co. off.
 */
import {
  FieldError, Level, also, CURRENT_FIELD, errDisallowedFields, errGeneric, errInvalidValue, errMissingField,
  errMissingOneOf, errMultipleOneOf, errOutOfBoundsValue,
} from '../../lib/field-error.ts';
import { isDNS1123Label, isDNS1123Subdomain } from './k8s-strings.ts';
import type { Container, ContainerPort, PodSpec, Probe, Volume } from './types.ts';

type Obj = Record<string, any>;
const MAX_INT32 = 2147483647;

const RESERVED_ENV = new Set(['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION']);
const RESERVED_SIDECAR_ENV = new Set(['K_SERVICE', 'K_CONFIGURATION', 'K_REVISION']);
// queue-proxy http1/h2c, queue admin, autoscaling metrics, user metrics, profiling.
const RESERVED_PORTS = new Set([8012, 8013, 8022, 9090, 9091, 8008]);
const VALID_PORT_NAMES = new Set(['h2c', 'http1', '']);
const RESERVED_PATHS = new Set(['/', '/dev', '/dev/log']);

const POD_SPEC_ALLOWED = new Set(['serviceAccountName', 'containers', 'volumes', 'imagePullSecrets', 'enableServiceLinks', 'automountServiceAccountToken']);
const CONTAINER_ALLOWED = new Set(['name', 'args', 'command', 'env', 'workingDir', 'envFrom', 'image', 'imagePullPolicy',
  'livenessProbe', 'ports', 'readinessProbe', 'resources', 'securityContext', 'startupProbe', 'terminationMessagePath',
  'terminationMessagePolicy', 'volumeMounts']);
const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const PROBE_ALLOWED = new Set([...PROBE_HANDLERS, 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds',
  'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds']);
const SECURITY_CONTEXT_ALLOWED = new Set(['capabilities', 'readOnlyRootFilesystem', 'runAsUser', 'runAsGroup',
  'runAsNonRoot', 'allowPrivilegeEscalation', 'seccompProfile']);
const VOLUME_SOURCES_ALLOWED = new Set(['secret', 'configMap', 'projected', 'emptyDir']);
const GATED_VOLUME_SOURCES: Record<string, string> = {
  persistentVolumeClaim: '', hostPath: 'HostPath', csi: 'CSI', ephemeral: 'Ephemeral', image: 'Image',
};

/** Go's notion of "set": zero values (false, 0, "", null) are indistinguishable from absent. */
function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

/**
 * apis.CheckDisallowedFields: the set fields of `obj` that the mask drops, by JSON name, sorted.
 * `inline` fields belong to an embedded Go struct and are reported with an empty name, as Knative does.
 */
function checkDisallowed(obj: Obj | undefined, allowed: Set<string>, inline: string[] = []): FieldError | undefined {
  if (!obj || typeof obj !== 'object') return undefined;
  const names = new Set<string>();
  for (const [k, v] of Object.entries(obj)) {
    if (!allowed.has(k) && isSet(v)) names.add(inline.includes(k) ? '' : k);
  }
  if (names.size === 0) return undefined;
  return errDisallowedFields(...[...names].sort());
}

function asArray<T>(v: unknown): T[] {
  return Array.isArray(v) ? v as T[] : [];
}

/** Go path.Clean for absolute/relative POSIX paths. */
function cleanPath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(seg);
  }
  const joined = out.join('/');
  return abs ? `/${joined}` : joined || '.';
}

type ContainerKind = 'user' | 'sidecar' | 'init';

/** ValidatePodSpec: errors and Warning-level diagnostics (mixed; split with filter()), paths relative to the PodSpec. */
export function validatePodSpec(ps: PodSpec): FieldError | undefined {
  let errs = checkDisallowed(ps, new Set([...POD_SPEC_ALLOWED, 'containerConcurrency', 'timeoutSeconds',
    'responseStartTimeoutSeconds', 'idleTimeoutSeconds']));
  // automountServiceAccountToken is only allowed as false; isSet() already ignores false.
  if (ps.automountServiceAccountToken === true) errs = also(errs, errDisallowedFields('automountServiceAccountToken'));

  if (ps.securityContext && typeof ps.securityContext === 'object') {
    // pod securityContext feature is off: every set field is disallowed.
    errs = also(errs, checkDisallowed(ps.securityContext, new Set())?.viaField('securityContext'));
  }

  const containers = asArray<Container>(ps.containers);
  const initContainers = asArray<Container>(ps.initContainers);

  const mounted = new Set<string>();
  for (const c of [...initContainers, ...containers]) for (const vm of asArray<Obj>(c?.volumeMounts)) mounted.add(vm?.name ?? '');
  const [volumes, volErrs] = validateVolumes(asArray<Volume>(ps.volumes), mounted);
  errs = also(errs, volErrs?.viaField('volumes'));

  if (initContainers.length > 0) {
    errs = also(errs, new FieldError(`pod spec support for init-containers is off, but found ${initContainers.length} init containers`));
  }

  const [port, portErr] = validateContainersPorts(containers);
  errs = also(errs, portErr?.viaField('containers[*]'));

  if (containers.length === 0) {
    errs = also(errs, errMissingField('containers'));
  } else if (containers.length === 1) {
    errs = also(errs, validateUserContainer(containers[0]!, volumes, port)?.viaFieldIndex('containers', 0));
  } else {
    const names = new Set<string>();
    for (let i = 0; i < containers.length; i++) {
      const c = containers[i]!;
      const name = c?.name ?? '';
      if (names.has(name)) {
        errs = also(errs, new FieldError(`duplicate container name ${JSON.stringify(name)}`, ['name']).viaFieldIndex('containers', i));
      } else names.add(name);
      const e = asArray(c?.ports).length === 0 ? validateSidecarContainer(c, volumes) : validateUserContainer(c, volumes, port);
      errs = also(errs, e?.viaFieldIndex('containers', i));
    }
  }

  if (ps.serviceAccountName) {
    for (const m of isDNS1123Subdomain(ps.serviceAccountName)) {
      errs = also(errs, errInvalidValue(ps.serviceAccountName, 'serviceAccountName', m));
    }
  }
  return errs;
}

function validateVolumes(vs: Volume[], mounted: Set<string>): [Map<string, Volume>, FieldError | undefined] {
  const volumes = new Map<string, Volume>();
  let errs: FieldError | undefined;
  vs.forEach((v, i) => {
    const name = v?.name ?? '';
    if (volumes.has(name)) errs = also(errs, new FieldError(`duplicate volume name ${JSON.stringify(name)}`, ['name']).viaIndex(i));
    if (!mounted.has(name)) errs = also(errs, new FieldError(`volume with name ${JSON.stringify(name)} not mounted`, ['name']).viaIndex(i));
    errs = also(errs, validateVolume(v ?? {})?.viaIndex(i));
    volumes.set(name, v ?? {});
  });
  return [volumes, errs];
}

function validateVolume(v: Volume): FieldError | undefined {
  let errs: FieldError | undefined;
  for (const [src, label] of Object.entries(GATED_VOLUME_SOURCES)) {
    if (!v[src]) continue;
    if (src === 'persistentVolumeClaim') {
      const claim = v[src]?.claimName ?? '';
      errs = also(errs, new FieldError(`Persistent volume claim support is disabled, but found persistent volume claim ${claim}`));
      if (!v[src]?.readOnly) {
        errs = also(errs, new FieldError(`Persistent volume write support is disabled, but found persistent volume claim ${claim} that is not read-only`));
      }
    } else {
      errs = also(errs, new FieldError(`${label} volume support is disabled, but found ${label} volume ${v.name ?? ''}`));
    }
  }
  // Knative replaces (not appends) on a bad name, so the name error stands alone.
  if (!v.name) errs = errMissingField('name');
  else if (isDNS1123Label(v.name).length !== 0) errs = errInvalidValue(v.name, 'name');
  errs = also(errs, checkDisallowed(v, new Set(['name', ...VOLUME_SOURCES_ALLOWED])));

  const specified: string[] = [];
  if (v.secret) {
    specified.push('secret');
    asArray<Obj>(v.secret.items).forEach((it, i) => { errs = also(errs, validateKeyToPath(it)?.viaFieldIndex('items', i)); });
  }
  if (v.configMap) {
    specified.push('configMap');
    asArray<Obj>(v.configMap.items).forEach((it, i) => { errs = also(errs, validateKeyToPath(it)?.viaFieldIndex('items', i)); });
  }
  if (v.projected) {
    specified.push('projected');
    asArray<Obj>(v.projected.sources).forEach((s, i) => { errs = also(errs, validateProjection(s ?? {})?.viaFieldIndex('projected', i)); });
  }
  if (v.emptyDir) {
    specified.push('emptyDir');
    const medium = v.emptyDir.medium ?? '';
    if (medium !== '' && medium !== 'Memory') errs = also(errs, errInvalidValue(medium, 'medium').viaField('emptyDir'));
  }
  for (const src of Object.keys(GATED_VOLUME_SOURCES)) if (v[src]) specified.push(src);
  if (specified.length === 0) errs = also(errs, errMissingOneOf('secret', 'configMap', 'projected', 'emptyDir'));
  else if (specified.length > 1) errs = also(errs, errMultipleOneOf(...specified));
  return errs;
}

function validateKeyToPath(k: Obj): FieldError | undefined {
  let errs = checkDisallowed(k, new Set(['key', 'path', 'mode']));
  if (!k?.key) errs = also(errs, errMissingField('key'));
  if (!k?.path) errs = also(errs, errMissingField('path'));
  return errs;
}

function validateProjection(p: Obj): FieldError | undefined {
  let errs = checkDisallowed(p, new Set(['secret', 'configMap', 'serviceAccountToken', 'downwardAPI']));
  const specified: string[] = [];
  for (const kind of ['secret', 'configMap'] as const) {
    if (!p[kind]) continue;
    specified.push(kind);
    let e = checkDisallowed(p[kind], new Set(['name', 'items', 'optional']));
    if (!p[kind].name) e = also(e, errMissingField('name'));
    asArray<Obj>(p[kind].items).forEach((it, i) => { e = also(e, validateKeyToPath(it)?.viaFieldIndex('items', i)); });
    errs = also(errs, e?.viaField(kind));
  }
  if (p.serviceAccountToken) {
    specified.push('serviceAccountToken');
    let e = checkDisallowed(p.serviceAccountToken, new Set(['audience', 'expirationSeconds', 'path']));
    if (!p.serviceAccountToken.path) e = also(e, errMissingField('path'));
    errs = also(errs, e?.viaField('serviceAccountToken'));
  }
  if (p.downwardAPI) {
    specified.push('downwardAPI');
    let e = checkDisallowed(p.downwardAPI, new Set(['items']));
    asArray<Obj>(p.downwardAPI.items).forEach((f, i) => {
      let fe = checkDisallowed(f, new Set(['fieldRef', 'resourceFieldRef', 'path', 'mode']));
      if (!f?.fieldRef && !f?.resourceFieldRef) fe = also(fe, errMissingOneOf('fieldRef', 'resourceFieldRef'));
      if (f?.fieldRef && f?.resourceFieldRef) fe = also(fe, errGeneric('Within a single item, cannot set both', 'resourceFieldRef', 'fieldRef'));
      if (!f?.path) fe = also(fe, errMissingField('path'));
      e = also(e, fe?.viaFieldIndex('items', i));
    });
    errs = also(errs, e?.viaField('downwardAPI'));
  }
  if (specified.length === 0) errs = also(errs, errMissingOneOf('secret', 'configMap', 'serviceAccountToken', 'downwardAPI'));
  else if (specified.length > 1) errs = also(errs, errMultipleOneOf(...specified));
  return errs;
}

/** The single serving port (defaults: name "http", 8080) and the count rules across containers. */
function validateContainersPorts(containers: Container[]): [ContainerPort, FieldError | undefined] {
  let count = 0;
  let port: ContainerPort = {};
  for (const c of containers) {
    const ports = asArray<ContainerPort>(c?.ports);
    if (ports.length > 0) { count += ports.length; port = ports[0] ?? {}; }
  }
  port = { ...port, name: port.name || 'http', containerPort: port.containerPort || 8080 };
  if (count === 0 && containers.length > 1) return [port, errMissingField('ports')];
  if (count > 1) {
    return [port, new FieldError('more than one container port is set', ['ports'], 'Only a single port is allowed across all containers')];
  }
  return [port, undefined];
}

function validateUserContainer(c: Container, volumes: Map<string, Volume>, port: ContainerPort): FieldError | undefined {
  let errs = validateProbe(c?.livenessProbe, port, true)?.viaField('livenessProbe');
  errs = also(errs, validateReadinessProbe(c?.readinessProbe, port, true)?.viaField('readinessProbe'));
  errs = also(errs, validateProbe(c?.startupProbe, port, true)?.viaField('startupProbe'));
  return also(errs, validateContainer(c, volumes, 'user'));
}

function validateSidecarContainer(c: Container, volumes: Map<string, Volume>): FieldError | undefined {
  // multi-container-probing is off: any probe on a sidecar is disallowed.
  let errs: FieldError | undefined;
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    if (c?.[probe]) errs = also(errs, checkDisallowed(c[probe], new Set(), PROBE_HANDLERS)?.viaField(probe));
  }
  return also(errs, validateContainer(c, volumes, 'sidecar'));
}

function validateContainer(c: Container, volumes: Map<string, Volume>, kind: ContainerKind): FieldError | undefined {
  if (!c || typeof c !== 'object' || Object.values(c).every((v) => !isSet(v))) return errMissingField(CURRENT_FIELD);
  let errs = checkDisallowed(c, CONTAINER_ALLOWED);
  if (c.name === 'queue-proxy') errs = also(errs, new FieldError('"queue-proxy" is a reserved container name', ['name']));

  const reserved = kind === 'user' ? RESERVED_ENV : RESERVED_SIDECAR_ENV;
  asArray<Obj>(c.env).forEach((env, i) => {
    let e = checkDisallowed(env, new Set(['name', 'value', 'valueFrom']));
    if (!env?.name) e = also(e, errMissingField('name'));
    else if (reserved.has(env.name)) e = also(e, new FieldError(`${JSON.stringify(env.name)} is a reserved environment variable`, ['name']));
    e = also(e, checkDisallowed(env?.valueFrom, new Set(['configMapKeyRef', 'secretKeyRef']))?.viaField('valueFrom'));
    errs = also(errs, e?.viaIndex(i).viaField('env'));
  });

  asArray<Obj>(c.envFrom).forEach((ef, i) => {
    let e = checkDisallowed(ef, new Set(['prefix', 'configMapRef', 'secretRef']))?.viaIndex(i);
    if (ef?.secretRef) e = also(e, checkDisallowed(ef.secretRef, new Set(['name', 'optional']))?.viaIndex(i).viaField('secretRef'));
    if (ef?.configMapRef) e = also(e, checkDisallowed(ef.configMapRef, new Set(['name', 'optional']))?.viaIndex(i).viaField('configMapRef'));
    if (ef?.configMapRef && ef?.secretRef) e = also(e, errMultipleOneOf('configMapRef', 'secretRef'));
    else if (!ef?.configMapRef && !ef?.secretRef) e = also(e, errMissingOneOf('configMapRef', 'secretRef'));
    errs = also(errs, e?.viaField('envFrom'));
  });

  if (!c.image) {
    errs = also(errs, errMissingField('image'));
  } else if (!isImageReference(c.image)) {
    errs = also(errs, new FieldError('Failed to parse image reference', ['image'],
      `image: ${JSON.stringify(c.image)}, error: could not parse reference: ${c.image}`));
  }

  errs = also(errs, validateContainerPorts(asArray<ContainerPort>(c.ports))?.viaField('ports'));
  errs = also(errs, checkDisallowed(c.resources, new Set(['limits', 'requests']))?.viaField('resources'));
  errs = also(errs, validateSecurityContext(c.securityContext)?.viaField('securityContext'));
  const tmp = c.terminationMessagePolicy ?? '';
  if (!['', 'File', 'FallbackToLogsOnError'].includes(tmp)) errs = also(errs, errInvalidValue(tmp, 'terminationMessagePolicy'));
  errs = also(errs, validateVolumeMounts(asArray<Obj>(c.volumeMounts), volumes)?.viaField('volumeMounts'));
  return errs;
}

/** go-containerregistry name.ParseReference with WeakValidation, approximately. */
function isImageReference(image: string): boolean {
  const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
  const host = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\\d+)?|\\[[0-9a-fA-F:]+\\](?::\\d+)?)';
  const re = new RegExp(`^(?:${host}/)?${component}(?:/${component})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`);
  return re.test(image);
}

function validateContainerPorts(ports: ContainerPort[]): FieldError | undefined {
  if (ports.length === 0) return undefined;
  const p = ports[0] ?? {};
  let errs = checkDisallowed(p, new Set(['containerPort', 'name', 'protocol']));
  const num = p.containerPort ?? 0;
  if (RESERVED_PORTS.has(num)) {
    errs = also(errs, errInvalidValue(`${num} is a reserved port`, 'containerPort', `${num} is a reserved port, please use a different value`));
  }
  if (num < 0 || num > 65535) errs = also(errs, errOutOfBoundsValue(num, 0, 65535, 'containerPort'));
  if (p.protocol && p.protocol !== 'TCP') errs = also(errs, errInvalidValue(p.protocol, 'protocol'));
  if (!VALID_PORT_NAMES.has(p.name ?? '')) {
    errs = also(errs, new FieldError(`Port name ${p.name} is not allowed`, [CURRENT_FIELD], "Name must be empty, or one of: 'h2c', 'http1'"));
  }
  return errs;
}

function validateSecurityContext(sc: Obj | undefined): FieldError | undefined {
  if (!sc || typeof sc !== 'object') return undefined;
  let errs = checkDisallowed(sc, SECURITY_CONTEXT_ALLOWED);
  if (sc.privileged === true) errs = also(errs, errDisallowedFields('privileged'));
  // container-spec-add-capabilities is off: only `drop` survives the mask.
  errs = also(errs, checkDisallowed(sc.capabilities, new Set(['drop']))?.viaField('capabilities'));
  for (const f of ['runAsUser', 'runAsGroup']) {
    if (typeof sc[f] === 'number' && (sc[f] < 0 || sc[f] > MAX_INT32)) errs = also(errs, errOutOfBoundsValue(sc[f], 0, MAX_INT32, f));
  }
  return errs;
}

function validateVolumeMounts(mounts: Obj[], volumes: Map<string, Volume>): FieldError | undefined {
  let errs: FieldError | undefined;
  const seenPaths = new Set<string>();
  mounts.forEach((vm, i) => {
    vm = vm ?? {};
    errs = also(errs, checkDisallowed(vm, new Set(['name', 'readOnly', 'mountPath', 'subPath']))?.viaIndex(i));
    const vol = volumes.get(vm.name ?? '');
    if (!vol) errs = also(errs, new FieldError('volumeMount has no matching volume', ['name']).viaIndex(i));
    const mp: string = vm.mountPath ?? '';
    const clean = cleanPath(mp);
    if (mp === '') errs = also(errs, errMissingField('mountPath').viaIndex(i));
    else if (RESERVED_PATHS.has(clean)) errs = also(errs, new FieldError(`mountPath ${JSON.stringify(clean)} is a reserved path`, ['mountPath']).viaIndex(i));
    else if (!mp.startsWith('/')) errs = also(errs, errInvalidValue(mp, 'mountPath').viaIndex(i));
    else if (seenPaths.has(clean)) errs = also(errs, errInvalidValue(`${JSON.stringify(mp)} must be unique`, 'mountPath').viaIndex(i));
    seenPaths.add(clean);
    const writable = vol?.emptyDir || vol?.persistentVolumeClaim || vol?.ephemeral;
    if (!writable && !vm.readOnly) {
      errs = also(errs, new FieldError('volume mount should be readOnly for this type of volume', ['readOnly']).viaIndex(i));
    }
  });
  return errs;
}

function portString(p: unknown): string {
  return p === undefined || p === null ? '0' : String(p);
}

function validateProbe(p: Probe | undefined, port: ContainerPort, userContainer: boolean): FieldError | undefined {
  if (!p || typeof p !== 'object') return undefined;
  let errs = checkDisallowed(p, PROBE_ALLOWED);
  const handlers: string[] = [];
  const checkPort = (portValue: unknown, path: string) => {
    if (userContainer) {
      if (typeof portValue === 'string' && portValue !== '' && portValue !== port.name) {
        errs = also(errs, errInvalidValue(portString(portValue), path, 'Probe port must match container port'));
      }
    } else if (!portValue) {
      errs = also(errs, errInvalidValue(portString(portValue), path, 'Probe port must be specified'));
    }
  };
  // Knative prefixes *all* errors so far with the handler name here; kept for identical paths.
  if (p.httpGet) {
    handlers.push('httpGet');
    errs = also(errs, checkDisallowed(p.httpGet, new Set(['host', 'path', 'scheme', 'httpHeaders', 'port'])))?.viaField('httpGet');
    checkPort(p.httpGet.port, 'httpGet.port');
  }
  if (p.tcpSocket) {
    handlers.push('tcpSocket');
    errs = also(errs, checkDisallowed(p.tcpSocket, new Set(['host', 'port'])))?.viaField('tcpSocket');
    checkPort(p.tcpSocket.port, 'tcpSocket.port');
  }
  if (p.exec) {
    handlers.push('exec');
    errs = also(errs, checkDisallowed(p.exec, new Set(['command'])))?.viaField('exec');
  }
  if (p.grpc) {
    handlers.push('gRPC');
    errs = also(errs, checkDisallowed(p.grpc, new Set(['port', 'service'])))?.viaField('grpc');
  }
  if (handlers.length === 0) errs = also(errs, errMissingOneOf('httpGet', 'tcpSocket', 'exec', 'grpc'));
  else if (handlers.length > 1) errs = also(errs, errMultipleOneOf(...handlers));
  return errs;
}

function validateReadinessProbe(p: Probe | undefined, port: ContainerPort, userContainer: boolean): FieldError | undefined {
  if (!p || typeof p !== 'object') return undefined;
  let errs = validateProbe(p, port, userContainer);
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  const period = n(p.periodSeconds);
  if (period < 0) errs = also(errs, errOutOfBoundsValue(period, 0, MAX_INT32, 'periodSeconds'));
  if (n(p.initialDelaySeconds) < 0) errs = also(errs, errOutOfBoundsValue(n(p.initialDelaySeconds), 0, MAX_INT32, 'initialDelaySeconds'));
  if (n(p.successThreshold) < 1) errs = also(errs, errOutOfBoundsValue(n(p.successThreshold), 1, MAX_INT32, 'successThreshold'));
  if (period === 0) {
    if (n(p.failureThreshold) !== 0) errs = also(errs, new FieldError('failureThreshold is disallowed when periodSeconds is zero', ['failureThreshold']));
    if (n(p.timeoutSeconds) !== 0) errs = also(errs, new FieldError('timeoutSeconds is disallowed when periodSeconds is zero', ['timeoutSeconds']));
  } else {
    if (n(p.timeoutSeconds) < 1) errs = also(errs, errOutOfBoundsValue(n(p.timeoutSeconds), 1, MAX_INT32, 'timeoutSeconds'));
    if (n(p.failureThreshold) < 1) errs = also(errs, errOutOfBoundsValue(n(p.failureThreshold), 1, MAX_INT32, 'failureThreshold'));
  }
  return errs;
}

