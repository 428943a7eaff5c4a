import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admit } from './admission.ts';
import { ApiError } from '../../lib/errors.ts';
import { ConfigurationType, NamespaceType, RevisionType, RouteType, ServiceType, type ResourceType } from '../resources.ts';
import type { KObject } from '../meta.ts';

const PREFIX = 'admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: ';
const DNS1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

function service(mutate: (s: any) => void = () => {}): KObject {
  const s: any = {
    apiVersion: 'serving.knative.dev/v1', kind: 'Service',
    metadata: { name: 'svc', namespace: 'default' },
    spec: { template: { spec: { containers: [{ image: 'ghcr.io/x/app:v1' }] } } },
  };
  mutate(s);
  return s;
}

function rejection(obj: KObject, type: ResourceType = ServiceType, old?: KObject): string {
  try {
    admit({ operation: old ? 'UPDATE' : 'CREATE', type, object: obj, oldObject: old });
  } catch (e) {
    assert.ok(ApiError.isApiError(e));
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    assert.ok(e.message.startsWith(PREFIX), e.message);
    assert.ok((e.details?.causes?.length ?? 0) > 0);
    return e.message.slice(PREFIX.length);
  }
  assert.fail('expected a rejection');
}

/** The Revision a Configuration would stamp out of this object's template, admitted (fully defaulted). */
function admittedRevisionOf(obj: KObject): any {
  const rev: KObject = { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: 'svc-00001', namespace: 'default' }, spec: structuredClone(obj.spec.template.spec) };
  return admit({ operation: 'CREATE', type: RevisionType, object: rev }).object;
}

function lines(text: string): string[] {
  return text.split('\n');
}

const c0 = 'spec.template.spec.containers[0]';
const cases: [string, (s: any) => void, string][] = [
  ['bad name', (s) => { s.metadata.name = 'Foo'; }, `not a DNS 1035 label: [${DNS1035}]: metadata.name`],
  ['long name', (s) => { s.metadata.name = 'a'.repeat(64); }, 'not a DNS 1035 label: [must be no more than 63 characters]: metadata.name'],
  ['no name', (s) => { delete s.metadata.name; }, 'name or generateName is required: metadata.name'],
  ['bad generateName', (s) => { delete s.metadata.name; s.metadata.generateName = '1abc-'; }, `not a DNS 1035 label prefix: [${DNS1035}]: metadata.generateName`],
  ['BYO name not DNS-1035', (s) => { s.spec.template.metadata = { name: 'svc_x' }; }, `invalid value: not a DNS 1035 label: [${DNS1035}]: spec.template.metadata.name`],
  ['BYO name prefix', (s) => { s.spec.template.metadata = { name: 'foo' }; }, 'invalid value: "foo" must have prefix "svc-": spec.template.metadata.name'],
  ['BYO name with generateName parent', (s) => { delete s.metadata.name; s.metadata.generateName = 'svc-'; s.spec.template.metadata = { name: 'svc-a' }; }, 'must not set the field(s): spec.template.metadata.name'],
  ['no containers', (s) => { s.spec.template.spec.containers = []; }, 'missing field(s): spec.template.spec.containers'],
  ['no image', (s) => { s.spec.template.spec.containers[0].image = ''; }, `missing field(s): ${c0}.image`],
  ['bad image', (s) => { s.spec.template.spec.containers[0].image = 'UPPER CASE'; }, `Failed to parse image reference: ${c0}.image`],
  ['reserved env PORT', (s) => { s.spec.template.spec.containers[0].env = [{ name: 'PORT', value: '1' }]; }, `"PORT" is a reserved environment variable: ${c0}.env[0].name`],
  ['reserved env K_SERVICE', (s) => { s.spec.template.spec.containers[0].env = [{ name: 'K_SERVICE' }]; }, `"K_SERVICE" is a reserved environment variable: ${c0}.env[0].name`],
  ['reserved env K_REVISION', (s) => { s.spec.template.spec.containers[0].env = [{ name: 'K_REVISION' }]; }, `"K_REVISION" is a reserved environment variable: ${c0}.env[0].name`],
  ['reserved env K_CONFIGURATION', (s) => { s.spec.template.spec.containers[0].env = [{ name: 'K_CONFIGURATION' }]; }, `"K_CONFIGURATION" is a reserved environment variable: ${c0}.env[0].name`],
  ['env fieldRef gated', (s) => { s.spec.template.spec.containers[0].env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'x' } } }]; }, `must not set the field(s): ${c0}.env[0].valueFrom.fieldRef`],
  ['envFrom neither', (s) => { s.spec.template.spec.containers[0].envFrom = [{ prefix: 'x' }]; }, `expected exactly one, got neither: ${c0}.envFrom.configMapRef, ${c0}.envFrom.secretRef`],
  ...[8012, 8013, 8022, 9090, 9091, 8008].map((p): [string, (s: any) => void, string] => [`reserved port ${p}`,
    (s) => { s.spec.template.spec.containers[0].ports = [{ containerPort: p }]; },
    `invalid value: ${p} is a reserved port: ${c0}.ports.containerPort\n${p} is a reserved port, please use a different value`]),
  ['port range', (s) => { s.spec.template.spec.containers[0].ports = [{ containerPort: 70000 }]; }, `expected 0 <= 70000 <= 65535: ${c0}.ports.containerPort`],
  ['port name', (s) => { s.spec.template.spec.containers[0].ports = [{ containerPort: 8080, name: 'grpc' }]; }, `Port name grpc is not allowed: ${c0}.ports\nName must be empty, or one of: 'h2c', 'http1'`],
  ['port protocol', (s) => { s.spec.template.spec.containers[0].ports = [{ containerPort: 8080, protocol: 'UDP' }]; }, `invalid value: UDP: ${c0}.ports.protocol`],
  ['hostPort', (s) => { s.spec.template.spec.containers[0].ports = [{ containerPort: 8080, hostPort: 80 }]; }, `must not set the field(s): ${c0}.ports.hostPort`],
  ['two ports', (s) => { s.spec.template.spec.containers[0].ports = [{ containerPort: 80 }, { containerPort: 81 }]; }, 'more than one container port is set: spec.template.spec.containers[*].ports\nOnly a single port is allowed across all containers'],
  ['multi container without port', (s) => { s.spec.template.spec.containers.push({ image: 'b' }); }, 'missing field(s): spec.template.spec.containers[*].ports'],
  ['duplicate container names', (s) => { s.spec.template.spec.containers = [{ name: 'a', image: 'a', ports: [{ containerPort: 8080 }] }, { name: 'a', image: 'b' }]; }, 'duplicate container name "a": spec.template.spec.containers[1].name'],
  ['sidecar probe', (s) => { s.spec.template.spec.containers = [{ image: 'a', ports: [{ containerPort: 8080 }] }, { image: 'b', readinessProbe: { tcpSocket: { port: 1 }, periodSeconds: 2 } }]; }, // Defaulting (successThreshold/failureThreshold/timeoutSeconds) runs first, as in Knative.
    'must not set the field(s): spec.template.spec.containers[1].readinessProbe, spec.template.spec.containers[1].readinessProbe.failureThreshold, spec.template.spec.containers[1].readinessProbe.periodSeconds, spec.template.spec.containers[1].readinessProbe.successThreshold, spec.template.spec.containers[1].readinessProbe.timeoutSeconds'],
  ['reserved container name', (s) => { s.spec.template.spec.containers[0].name = 'queue-proxy'; }, `"queue-proxy" is a reserved container name: ${c0}.name`],
  ['disallowed container fields', (s) => { Object.assign(s.spec.template.spec.containers[0], { lifecycle: { preStop: {} }, stdin: true, stdinOnce: true, tty: true }); }, `must not set the field(s): ${c0}.lifecycle, ${c0}.stdin, ${c0}.stdinOnce, ${c0}.tty`],
  ['disallowed pod fields', (s) => { Object.assign(s.spec.template.spec, { nodeName: 'n', restartPolicy: 'Always', hostNetwork: true }); }, 'must not set the field(s): spec.template.spec.hostNetwork, spec.template.spec.nodeName, spec.template.spec.restartPolicy'],
  ['automountServiceAccountToken true', (s) => { s.spec.template.spec.automountServiceAccountToken = true; }, 'must not set the field(s): spec.template.spec.automountServiceAccountToken'],
  ['initContainers gated', (s) => { s.spec.template.spec.initContainers = [{ image: 'x' }]; }, 'pod spec support for init-containers is off, but found 1 init containers: '],
  ['serviceAccountName', (s) => { s.spec.template.spec.serviceAccountName = 'foo@bar.baz'; }, "invalid value: foo@bar.baz: spec.template.spec.serviceAccountName\na lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"],
  ['probe two handlers', (s) => { s.spec.template.spec.containers[0].livenessProbe = { tcpSocket: {}, exec: { command: ['x'] } }; }, `expected exactly one, got both: ${c0}.livenessProbe.exec, ${c0}.livenessProbe.tcpSocket`],
  ['probe no handler', (s) => { s.spec.template.spec.containers[0].livenessProbe = { periodSeconds: 1 }; }, `expected exactly one, got neither: ${c0}.livenessProbe.exec, ${c0}.livenessProbe.grpc, ${c0}.livenessProbe.httpGet, ${c0}.livenessProbe.tcpSocket`],
  ['probe port name', (s) => { s.spec.template.spec.containers[0].livenessProbe = { httpGet: { port: 'foo' } }; }, `invalid value: foo: ${c0}.livenessProbe.httpGet.port\nProbe port must match container port`],
  ['readiness failureThreshold with period 0', (s) => { s.spec.template.spec.containers[0].readinessProbe = { tcpSocket: {}, failureThreshold: 2 }; }, `failureThreshold is disallowed when periodSeconds is zero: ${c0}.readinessProbe.failureThreshold`],
  ['readiness timeoutSeconds with period 0', (s) => { s.spec.template.spec.containers[0].readinessProbe = { tcpSocket: {}, timeoutSeconds: 2 }; }, `timeoutSeconds is disallowed when periodSeconds is zero: ${c0}.readinessProbe.timeoutSeconds`],
  ['readiness negative period', (s) => { s.spec.template.spec.containers[0].readinessProbe = { tcpSocket: {}, periodSeconds: -1, timeoutSeconds: 1, failureThreshold: 1 }; }, `expected 0 <= -1 <= 2147483647: ${c0}.readinessProbe.periodSeconds`],
  ['timeoutSeconds', (s) => { s.spec.template.spec.timeoutSeconds = 601; }, 'expected 0 <= 601 <= 600: spec.template.spec.timeoutSeconds'],
  ['containerConcurrency', (s) => { s.spec.template.spec.containerConcurrency = 1001; }, 'expected 0 <= 1001 <= 1000: spec.template.spec.containerConcurrency'],
  ['negative containerConcurrency', (s) => { s.spec.template.spec.containerConcurrency = -1; }, 'expected 0 <= -1 <= 1000: spec.template.spec.containerConcurrency'],
  ['volume not mounted', (s) => { s.spec.template.spec.volumes = [{ name: 'v', secret: { secretName: 's' } }]; }, 'volume with name "v" not mounted: spec.template.spec.volumes[0].name'],
  ['reserved mount path', (s) => { s.spec.template.spec.volumes = [{ name: 'v', emptyDir: {} }]; s.spec.template.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/dev/' }]; }, `mountPath "/dev" is a reserved path: ${c0}.volumeMounts[0].mountPath`],
  ['mount without volume', (s) => { s.spec.template.spec.containers[0].volumeMounts = [{ name: 'nope', mountPath: '/x' }]; }, `volumeMount has no matching volume: ${c0}.volumeMounts[0].name`],
  ['hostPath volume', (s) => { s.spec.template.spec.volumes = [{ name: 'v', hostPath: { path: '/' } }]; s.spec.template.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/x', readOnly: true }]; }, 'HostPath volume support is disabled, but found HostPath volume v: \nmust not set the field(s): spec.template.spec.volumes[0].hostPath'],
  ['min-scale not int', (s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/min-scale': 'x' } }; }, 'invalid value: x: spec.template.metadata.annotations.autoscaling.knative.dev/min-scale'],
  ['min-scale negative', (s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/min-scale': '-1' } }; }, 'expected 0 <= -1 <= 2147483647: spec.template.metadata.annotations.autoscaling.knative.dev/min-scale'],
  ['max < min', (s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/minScale': '3', 'autoscaling.knative.dev/max-scale': '2' } }; }, 'max-scale=2 is less than min-scale=3: spec.template.metadata.annotations.autoscaling.knative.dev/max-scale, spec.template.metadata.annotations.autoscaling.knative.dev/min-scale'],
  ['target too low', (s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/target': '0.001' } }; }, 'target 0.001 should be at least 0.01: spec.template.metadata.annotations.autoscaling.knative.dev/target'],
  ['window too short', (s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/window': '5s' } }; }, 'expected 6s <= 5s <= 1h0m0s: spec.template.metadata.annotations.autoscaling.knative.dev/window'],
  ['window precision', (s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/window': '6500ms' } }; }, 'must be specified with at most second precision: spec.template.metadata.annotations.autoscaling.knative.dev/window'],
  ['bad class', (s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/class': 'foo.autoscaling.knative.dev' } }; }, 'invalid value: foo.autoscaling.knative.dev: spec.template.metadata.annotations.autoscaling.knative.dev/class'],
  ['bad kpa metric', (s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/metric': 'cpu' } }; }, 'invalid value: cpu: spec.template.metadata.annotations.autoscaling.knative.dev/metric'],
  ['initial-scale 0', (s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/initial-scale': '0' } }; }, 'invalid value: 0: spec.template.metadata.annotations.autoscaling.knative.dev/initial-scale=0 not allowed by cluster'],
  ['target-utilization range', (s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/target-utilization-percentage': '101' } }; }, 'expected 1 <= 101 <= 100: spec.template.metadata.annotations.autoscaling.knative.dev/target-utilization-percentage'],
  ['autoscaling on service metadata', (s) => { s.metadata.annotations = { 'autoscaling.knative.dev/min-scale': '1' }; }, 'invalid key name "autoscaling.knative.dev/min-scale": metadata.annotations\nautoscaling annotations must be put under "spec.template.metadata.annotations" to work'],
  ['rollout-duration invalid', (s) => { s.metadata.annotations = { 'serving.knative.dev/rollout-duration': 'soon' }; }, 'invalid value: soon: metadata.annotations.serving.knative.dev/rollout-duration'],
  ['rollout-duration precision', (s) => { s.metadata.annotations = { 'serving.knative.dev/rollout-duration': '1500ms' }; }, 'rollout-duration=1500ms is not at second precision: metadata.annotations.serving.knative.dev/rollout-duration'],
  ['rollout-duration negative', (s) => { s.metadata.annotations = { 'serving.knative.dev/rolloutDuration': '-3s' }; }, 'rollout-duration=-3s must be positive: metadata.annotations.serving.knative.dev/rolloutDuration'],
  ['progress-deadline precision', (s) => { s.spec.template.metadata = { annotations: { 'serving.knative.dev/progress-deadline': '1.5s' } }; }, 'progress-deadline=1.5s is not at second precision: spec.template.metadata.annotations.serving.knative.dev/progress-deadline'],
  ['traffic sum', (s) => { s.spec.traffic = [{ latestRevision: true, percent: 90 }]; }, 'Traffic targets sum to 90, want 100: spec.traffic'],
  ['percent range', (s) => { s.spec.traffic = [{ latestRevision: true, percent: 101 }, { revisionName: 'svc-a', percent: -1 }]; }, 'expected 0 <= 101 <= 100: spec.traffic[0].percent'],
  ['tag DNS', (s) => { s.spec.traffic = [{ tag: 'Blue', percent: 100 }]; }, `invalid value: not a DNS 1035 label: [${DNS1035}]: spec.traffic.tag[0]`],
  ['duplicate tag', (s) => { s.spec.traffic = [{ tag: 'x', percent: 50 }, { tag: 'x', revisionName: 'svc-a', percent: 50 }]; }, 'Multiple definitions for "x": spec.traffic[0].tag, spec.traffic[1].tag'],
  ['configurationName in service', (s) => { s.spec.traffic = [{ configurationName: 'c', percent: 100 }]; }, 'must not set the field(s): spec.traffic[0].configurationName'],
  ['latestRevision true with revisionName', (s) => { s.spec.traffic = [{ revisionName: 'svc-a', latestRevision: true, percent: 100 }]; }, 'may not set revisionName "svc-a" when latestRevision is true: spec.traffic[0].latestRevision'],
  ['latestRevision false without revisionName', (s) => { s.spec.traffic = [{ latestRevision: false, percent: 100 }]; }, 'may not set revisionName "" when latestRevision is false: spec.traffic[0].latestRevision'],
  ['url in spec', (s) => { s.spec.traffic = [{ tag: 'a', url: 'http://a', percent: 100 }]; }, 'must not set the field(s): spec.traffic[0].url'],
  ['bad revisionName', (s) => { s.spec.traffic = [{ revisionName: 'a b', percent: 100 }]; }, 'invalid key name "a b": spec.traffic[0].revisionName'],
];

for (const [name, mutate, expected] of cases) {
  test(`Service rejection: ${name}`, () => {
    const text = rejection(service(mutate));
    const wanted = lines(expected);
    const got = lines(text);
    const at = got.indexOf(wanted[0]!);
    assert.ok(at >= 0, `missing ${JSON.stringify(expected)} in:\n${text}`);
    assert.deepEqual(got.slice(at, at + wanted.length), wanted);
  });
}

test('a valid Service is defaulted', () => {
  const { object, warnings } = admit({ operation: 'CREATE', type: ServiceType, object: service(), username: 'alice' });
  const spec = object.spec;
  assert.deepEqual(spec.traffic, [{ percent: 100, latestRevision: true }]);
  assert.equal(spec.template.spec.timeoutSeconds, 300);
  assert.equal(spec.template.spec.containerConcurrency, 0);
  assert.equal(spec.template.spec.enableServiceLinks, false);
  // Lists are stored as written (so kubectl apply of an unchanged file stays "unchanged");
  // the revision stamped from the template gets the container defaults.
  assert.deepEqual(spec.template.spec.containers[0], { image: 'ghcr.io/x/app:v1' });
  assert.deepEqual(admittedRevisionOf(object).spec.containers[0], {
    image: 'ghcr.io/x/app:v1', name: 'user-container', resources: {},
    readinessProbe: { tcpSocket: { port: 0 }, successThreshold: 1 },
  });
  assert.equal(object.metadata.annotations!['serving.knative.dev/creator'], 'alice');
  assert.equal(object.metadata.annotations!['serving.knative.dev/lastModifier'], 'alice');
  // Knative warns here about Kubernetes' insecure securityContext defaults; ksrv's sandbox does not
  // use a pod securityContext, so the warning would only be noise.
  assert.deepEqual(warnings, []);
});

test('admit does not mutate its input and omits user info without a username', () => {
  const input = service();
  const before = structuredClone(input);
  const { object } = admit({ operation: 'CREATE', type: ServiceType, object: input });
  assert.deepEqual(input, before);
  assert.equal(object.metadata.annotations, undefined);
});

test('multi-container default names and probe only on the serving container', () => {
  const { object } = admit({ operation: 'CREATE', type: ServiceType, object: service((s) => {
    s.spec.template.spec.containers = [{ image: 'a', ports: [{ containerPort: 8881 }] }, { image: 'b' }];
  }) });
  const [a, b] = admittedRevisionOf(object).spec.containers;
  assert.equal(a.name, 'user-container-0');
  assert.equal(b.name, 'user-container-1');
  assert.deepEqual(a.readinessProbe, { tcpSocket: { port: 0 }, successThreshold: 1 });
  assert.equal(b.readinessProbe, undefined);
});

test('probe defaults when periodSeconds is set; readOnly mounts; traffic target defaults', () => {
  const { object } = admit({ operation: 'CREATE', type: ServiceType, object: service((s) => {
    s.spec.template.spec.containers[0].readinessProbe = { httpGet: { path: '/' }, periodSeconds: 3 };
    s.spec.template.spec.volumes = [{ name: 'v', secret: { secretName: 's' } }];
    s.spec.template.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/v' }];
    s.spec.traffic = [{ revisionName: 'svc-a', percent: 100 }, { tag: 't', latestRevision: true }];
  }) });
  const c = admittedRevisionOf(object).spec.containers[0];
  assert.deepEqual(c.readinessProbe, { httpGet: { path: '/', port: 0 }, periodSeconds: 3, successThreshold: 1, failureThreshold: 3, timeoutSeconds: 1 });
  assert.equal(c.volumeMounts[0].readOnly, true);
  // Traffic targets are stored as written; the route reconciler reads a missing latestRevision as
  // "revisionName is empty" and a missing percent as 0, as Knative's defaults do.
  assert.deepEqual(object.spec.traffic, [{ revisionName: 'svc-a', percent: 100 }, { tag: 't', latestRevision: true }]);
});

test('UPDATE: lastModifier changes only with the spec; creator is immutable', () => {
  const created = admit({ operation: 'CREATE', type: ServiceType, object: service(), username: 'alice' }).object;
  const labelsOnly = structuredClone(created);
  labelsOnly.metadata.labels = { a: 'b' };
  const r1 = admit({ operation: 'UPDATE', type: ServiceType, object: labelsOnly, oldObject: created, username: 'bob' }).object;
  assert.equal(r1.metadata.annotations!['serving.knative.dev/lastModifier'], 'alice');
  const imageChange = structuredClone(created);
  imageChange.spec.template.spec.containers[0].image = 'ghcr.io/x/app:v2';
  const r2 = admit({ operation: 'UPDATE', type: ServiceType, object: imageChange, oldObject: created, username: 'bob' }).object;
  assert.equal(r2.metadata.annotations!['serving.knative.dev/lastModifier'], 'bob');
  assert.equal(r2.metadata.annotations!['serving.knative.dev/creator'], 'alice');
  const forged = structuredClone(created);
  forged.metadata.annotations!['serving.knative.dev/creator'] = 'mallory';
  assert.equal(rejection(forged, ServiceType, created), 'annotation value is immutable: metadata.annotations.serving.knative.dev/creator');
  const modifierOnly = structuredClone(created);
  modifierOnly.metadata.annotations!['serving.knative.dev/lastModifier'] = 'mallory';
  assert.equal(rejection(modifierOnly, ServiceType, created), 'invalid value: mallory: metadata.annotations.serving.knative.dev/lastModifier');
});

test('UPDATE: BYO name template change without a name change is refused with a diff', () => {
  const created = admit({ operation: 'CREATE', type: ServiceType, object: service((s) => { s.spec.template.metadata = { name: 'svc-byoname' }; }) }).object;
  const changed = structuredClone(created);
  changed.spec.template.spec.containers[0].image = 'ghcr.io/x/app:v2';
  const text = rejection(changed, ServiceType, created);
  assert.ok(text.startsWith('Saw the following changes without a name change (-old +new): spec.template.metadata.name\n'), text);
  assert.match(text, /Containers\[0\]\.Image:\n\t-: "ghcr\.io\/x\/app:v1"\n\t\+: "ghcr\.io\/x\/app:v2"/);
  const renamed = structuredClone(changed);
  renamed.spec.template.metadata.name = 'svc-byoname-2';
  assert.doesNotThrow(() => admit({ operation: 'UPDATE', type: ServiceType, object: renamed, oldObject: created }));
  // A merge patch that replaced the containers with the undefaulted original is not a change.
  const replaced = structuredClone(created);
  replaced.spec.template.spec.containers = [{ image: 'ghcr.io/x/app:v1' }];
  assert.doesNotThrow(() => admit({ operation: 'UPDATE', type: ServiceType, object: replaced, oldObject: created }));
});

function revision(): KObject {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Revision',
    metadata: { name: 'cfg-00001', namespace: 'default', labels: { 'serving.knative.dev/configuration': 'cfg' },
      ownerReferences: [{ apiVersion: 'serving.knative.dev/v1', kind: 'Configuration', name: 'cfg', uid: 'u', controller: true }] },
    spec: { containers: [{ image: 'a' }] },
  };
}

test('Revision: spec is immutable, metadata may change', () => {
  const created = admit({ operation: 'CREATE', type: RevisionType, object: revision() }).object;
  assert.equal(created.spec.timeoutSeconds, 300);
  const relabelled = structuredClone(created);
  relabelled.metadata.labels!['serving.knative.dev/routingState'] = 'active';
  assert.doesNotThrow(() => admit({ operation: 'UPDATE', type: RevisionType, object: relabelled, oldObject: created }));
  const changed = structuredClone(created);
  changed.spec.containers[0].image = 'b';
  const text = rejection(changed, RevisionType, created);
  assert.ok(text.startsWith('Immutable fields changed (-old +new): spec\n{v1.RevisionSpec}.PodSpec.Containers[0].Image:\n\t-: "a"\n\t+: "b"'), text);
});

test('defaulting forces readOnly on secret volume mounts', () => {
  const r = revision();
  r.spec.volumes = [{ name: 'v', secret: { secretName: 's' } }];
  r.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/v', readOnly: false }];
  const { object } = admit({ operation: 'CREATE', type: RevisionType, object: r });
  assert.equal(object.spec.containers[0].volumeMounts[0].readOnly, true);
});

test('Revision: configuration label needs a matching owner; autoscaling annotations validated on metadata', () => {
  const r = revision();
  r.metadata.ownerReferences = [];
  r.metadata.annotations = { 'autoscaling.knative.dev/max-scale': 'x' };
  const text = rejection(r, RevisionType);
  assert.deepEqual(lines(text), [
    'invalid value: x: metadata.annotations.autoscaling.knative.dev/max-scale',
    'missing field(s): metadata.labels.serving.knative.dev/configuration',
  ]);
});

function route(traffic: unknown): KObject {
  return { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { name: 'rt', namespace: 'default' }, spec: { traffic } };
}

test('Route: revisionName/configurationName both or neither; empty traffic sums to 0', () => {
  assert.equal(rejection(route([{ revisionName: 'a', configurationName: 'b', percent: 100 }]), RouteType),
    'expected exactly one, got both: spec.traffic[0].configurationName, spec.traffic[0].revisionName');
  assert.equal(rejection(route([{ percent: 100 }]), RouteType),
    'expected exactly one, got neither: spec.traffic[0].configurationName, spec.traffic[0].revisionName');
  assert.equal(rejection(route([]), RouteType), 'Traffic targets sum to 0, want 100: spec.traffic');
  const ok = admit({ operation: 'CREATE', type: RouteType, object: route([{ configurationName: 'c', percent: 100 }]), username: 'u' }).object;
  assert.deepEqual(ok.spec.traffic, [{ configurationName: 'c', percent: 100 }]);
  assert.equal(ok.metadata.annotations!['serving.knative.dev/creator'], 'u');
});

test('Configuration: service label without owner; owned configurations get no user info', () => {
  const cfg: KObject = { apiVersion: 'serving.knative.dev/v1', kind: 'Configuration',
    metadata: { name: 'c', labels: { 'serving.knative.dev/service': 's' } },
    spec: { template: { spec: { containers: [{ image: 'a' }] } } } };
  assert.equal(rejection(cfg, ConfigurationType), 'missing field(s): metadata.labels.serving.knative.dev/service');
  cfg.metadata.ownerReferences = [{ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 's', uid: 'u' }];
  const { object } = admit({ operation: 'CREATE', type: ConfigurationType, object: cfg, username: 'x' });
  assert.equal(object.metadata.annotations, undefined);
  assert.equal(admittedRevisionOf(object).spec.containers[0].name, 'user-container');
});

test('non-serving types pass through untouched', () => {
  const ns: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Not_Valid' } };
  const r = admit({ operation: 'CREATE', type: NamespaceType, object: ns });
  assert.equal(r.object, ns);
  assert.deepEqual(r.warnings, []);
});

test('causes list each path of each error', () => {
  try {
    admit({ operation: 'CREATE', type: ServiceType, object: service((s) => { s.spec.template.spec.timeoutSeconds = 601; s.spec.template.spec.containerConcurrency = 1001; }) });
    assert.fail('expected rejection');
  } catch (e) {
    assert.ok(ApiError.isApiError(e));
    assert.deepEqual(e.details?.causes, [
      { reason: 'FieldValueInvalid', message: 'expected 0 <= 1001 <= 1000', field: 'spec.template.spec.containerConcurrency' },
      { reason: 'FieldValueInvalid', message: 'expected 0 <= 601 <= 600', field: 'spec.template.spec.timeoutSeconds' },
    ]);
  }
});

test('initial-scale 0 is allowed when the cluster allows zero initial scale (config.yaml autoscaler.allow-zero-initial-scale)', () => {
  const zero = service((s) => { s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/initial-scale': '0' } }; });
  const { object } = admit({ operation: 'CREATE', type: ServiceType, object: zero, cluster: { allowZeroInitialScale: true } });
  assert.equal(object.spec.template.metadata.annotations['autoscaling.knative.dev/initial-scale'], '0');
  assert.throws(() => admit({ operation: 'CREATE', type: ServiceType, object: zero, cluster: { allowZeroInitialScale: false } }), /initial-scale=0 not allowed by cluster/);
});
