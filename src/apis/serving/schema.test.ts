import { test } from 'node:test';
import assert from 'node:assert/strict';
import { objectSchema, pruneUnknownFields, sharedComponentSchemas, unknownFields } from './schema.ts';
import { ConfigurationType, EventType, NamespaceType, RevisionType, RouteType, ServiceType } from '../resources.ts';

const service = () => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'hello', namespace: 'default', labels: { app: 'x' }, annotations: { 'a/b': 'c' } },
  spec: {
    template: {
      metadata: { name: 'hello-v1', annotations: { 'autoscaling.knative.dev/min-scale': '1' } },
      spec: {
        containerConcurrency: 10,
        timeoutSeconds: 300,
        containers: [{
          image: 'ghcr.io/x/y:latest',
          env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
          ports: [{ containerPort: 8080, name: 'h2c' }],
          readinessProbe: { httpGet: { path: '/', port: 8080, httpHeaders: [{ name: 'h', value: 'v' }] }, periodSeconds: 3 },
          resources: { limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: 0.5 } },
          volumeMounts: [{ name: 'v', mountPath: '/etc/v', readOnly: true }],
        }],
        volumes: [{ name: 'v', secret: { secretName: 's' } }],
      },
    },
    traffic: [{ tag: 'latest', latestRevision: true, percent: 100 }],
  },
  status: { anything: { goes: true } },
});

test('a complete, valid v1 Service has no unknown fields', () => {
  assert.deepEqual(unknownFields(ServiceType, 'v1', service()), []);
});

test('unknown fields are reported with the API server path format, sorted', () => {
  const svc: any = service();
  svc.spec.template.spec.containers[0].imagex = 'typo';
  svc.spec.foo = 1;
  svc.spec.traffic[0].weight = 5;
  svc.spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.extra = true;
  svc.metadata.bogus = 'x';
  svc.top = 1;
  assert.deepEqual(unknownFields(ServiceType, 'v1', svc), [
    'metadata.bogus',
    'spec.foo',
    'spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.extra',
    'spec.template.spec.containers[0].imagex',
    'spec.traffic[0].weight',
    'top',
  ]);
});

test('status content is not checked', () => {
  const svc: any = service();
  svc.status = { bogus: 1, conditions: [{ nope: 1 }] };
  assert.deepEqual(unknownFields(ServiceType, 'v1', svc), []);
});

test('fields the Knative webhook rejects itself are declared', () => {
  const svc: any = service();
  const spec = svc.spec.template.spec;
  Object.assign(spec, { nodeName: 'n', restartPolicy: 'Always', terminationGracePeriodSeconds: 3, affinity: { nodeAffinity: { x: 1 } } });
  Object.assign(spec.containers[0], { lifecycle: { preStop: { exec: { command: ['x'] } } }, stdin: true, tty: true });
  spec.containers[0].ports[0].hostPort = 80;
  assert.deepEqual(unknownFields(ServiceType, 'v1', svc), []);
});

test('nested template metadata is checked as ObjectMeta', () => {
  const svc: any = service();
  svc.spec.template.metadata.nam = 'typo';
  assert.deepEqual(unknownFields(ServiceType, 'v1', svc), ['spec.template.metadata.nam']);
});

test('v1alpha1 accepts the deprecated fields that v1 rejects', () => {
  const alpha = {
    apiVersion: 'serving.knative.dev/v1alpha1', kind: 'Service', metadata: { name: 'a' },
    spec: {
      runLatest: { configuration: { revisionTemplate: { spec: { container: { image: 'x' }, servingState: 'Active' } } } },
      release: { revisions: ['a', 'b'], rolloutPercent: 10, configuration: { template: { spec: { containers: [{ image: 'x' }] } } } },
      traffic: [{ name: 'old', percent: 100 }],
    },
  };
  assert.deepEqual(unknownFields(ServiceType, 'v1alpha1', alpha), []);
  assert.deepEqual(unknownFields(ServiceType, 'v1', alpha), ['spec.release', 'spec.runLatest', 'spec.traffic[0].name']);
  assert.deepEqual(unknownFields(ServiceType, 'v1beta1', alpha), ['spec.release', 'spec.runLatest', 'spec.traffic[0].name']);
  const route = { metadata: { name: 'r' }, spec: { traffic: [{ name: 'x', configurationName: 'c', percent: 100 }] } };
  assert.deepEqual(unknownFields(RouteType, 'v1alpha1', route), []);
  const config = { metadata: { name: 'c' }, spec: { revisionTemplate: { spec: { container: { image: 'x' } } }, build: { any: 'thing' } } };
  assert.deepEqual(unknownFields(ConfigurationType, 'v1alpha1', config), []);
  assert.deepEqual(unknownFields(ConfigurationType, 'v1', config), ['spec.build', 'spec.revisionTemplate']);
});

test('a Revision spec is the PodSpec subset at the top of spec', () => {
  const rev = { metadata: { name: 'r' }, spec: { containers: [{ image: 'x', workingDirectory: '/' }], timeoutSeconds: 30 } };
  assert.deepEqual(unknownFields(RevisionType, 'v1', rev), ['spec.containers[0].workingDirectory']);
});

test('int-or-string values accept scalars only; maps accept any key', () => {
  const svc: any = service();
  svc.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'] = 1;
  assert.deepEqual(unknownFields(ServiceType, 'v1', svc), []);
  svc.spec.template.spec.containers[0].resources.limits.cpu = { amount: 1 };
  assert.deepEqual(unknownFields(ServiceType, 'v1', svc), ['spec.template.spec.containers[0].resources.limits.cpu.amount']);
});

test('open fields keep unknown content but still check what they declare', () => {
  const svc: any = service();
  svc.spec.template.spec.affinity = { anything: { deep: [1, 2] } };
  svc.spec.template.spec.containers[0].lifecycle = { postStart: {} };
  assert.deepEqual(unknownFields(ServiceType, 'v1', svc), []);
});

test('core kinds: Namespace and Event', () => {
  assert.deepEqual(unknownFields(NamespaceType, 'v1', { metadata: { name: 'n' }, spec: { finalizers: ['kubernetes'] } }), []);
  assert.deepEqual(unknownFields(NamespaceType, 'v1', { metadata: { name: 'n' }, spec: { x: 1 } }), ['spec.x']);
  const ev = {
    metadata: { name: 'e', namespace: 'd' }, involvedObject: { kind: 'Revision', name: 'r' }, reason: 'Created',
    message: 'm', type: 'Normal', count: 1, source: { component: 'c' }, reportingComponent: 'x', lastTimestamp: 't',
  };
  assert.deepEqual(unknownFields(EventType, 'v1', ev), []);
  assert.deepEqual(unknownFields(EventType, 'v1', { ...ev, spec: {} }), ['spec']);
});

test('pruneUnknownFields removes exactly the reported fields and leaves status alone', () => {
  const svc: any = service();
  svc.spec.template.spec.containers[0].imagex = 'typo';
  svc.spec.foo = 1;
  svc.metadata.bogus = 'x';
  svc.status = { bogus: 1 };
  pruneUnknownFields(ServiceType, 'v1', svc);
  const expected: any = service();
  expected.status = { bogus: 1 };
  assert.deepEqual(svc, expected);
  assert.deepEqual(unknownFields(ServiceType, 'v1', svc), []);
});

test('every user-facing field of the v1 Service schema has a description', () => {
  const missing: string[] = [];
  const visit = (s: any, path: string) => {
    if (!s || typeof s !== 'object') return;
    if (s.properties) {
      for (const [k, v] of Object.entries<any>(s.properties)) {
        if (!v.description) missing.push(`${path}.${k}`);
        visit(v, `${path}.${k}`);
      }
    }
    if (s.items) visit(s.items, `${path}[]`);
  };
  visit(objectSchema(ServiceType, 'v1'), 'Service');
  visit(sharedComponentSchemas()['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'], 'ObjectMeta');
  assert.deepEqual(missing, []);
});

test('unserved versions are refused', () => {
  assert.throws(() => objectSchema(NamespaceType, 'v1beta1'), /not served/);
});
