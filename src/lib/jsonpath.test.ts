import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateJsonPath, formatJsonPath, JsonPathError, printerCell } from './jsonpath.ts';

const svc = {
  kind: 'Service',
  metadata: {
    name: 'hello', namespace: 'default',
    labels: { 'serving.knative.dev/configuration': 'hello', 'serving.knative.dev/configurationGeneration': '2', app: 'x' },
  },
  spec: { traffic: [{ tag: 'v1', revisionName: 'hello-00001', percent: 50 }, { tag: 'latest', latestRevision: true, percent: 50 }] },
  status: {
    url: 'http://hello.default.example.com',
    observedGeneration: 2,
    conditions: [
      { type: 'ConfigurationsReady', status: 'True' },
      { type: 'Ready', status: 'Unknown', reason: 'RevisionMissing' },
      { type: 'RoutesReady', status: 'False', reason: 'Oops' },
    ],
    traffic: [
      { tag: 'v1', revisionName: 'hello-00001', percent: 50, url: 'http://v1-hello.default.example.com' },
      { tag: 'latest', revisionName: 'hello-00002', percent: 50, url: 'http://latest-hello.default.example.com' },
    ],
    actualReplicas: 3,
  },
};
const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'a', namespace: 'x' }, status: { n: 1 } },
    { metadata: { name: 'b', namespace: 'y' }, status: { n: 5 } },
    { metadata: { name: 'c', namespace: 'x' } },
  ],
};

test('simple fields, $ and @ roots', () => {
  assert.equal(formatJsonPath('{.status.url}', svc), 'http://hello.default.example.com');
  assert.equal(formatJsonPath('{$.metadata.name}', svc), 'hello');
  assert.equal(formatJsonPath('{@.kind}', svc), 'Service');
  assert.equal(formatJsonPath('{kind}', svc), 'Service');
  assert.equal(formatJsonPath('{.status.observedGeneration}', svc), '2');
});

test('literal text around actions and quoted text with escapes', () => {
  assert.equal(formatJsonPath('name={.metadata.name} ns={.metadata.namespace}', svc), 'name=hello ns=default');
  assert.equal(formatJsonPath('{.metadata.name}{"\\n"}{"\\t"}{"a}b"}', svc), 'hello\n\ta}b');
  assert.equal(formatJsonPath("{'x'}", svc), 'x');
});

test('wildcards over arrays print space separated', () => {
  assert.equal(formatJsonPath('{.items[*].metadata.name}', list), 'a b c');
  assert.equal(formatJsonPath('{.items.*.metadata.name}', list), 'a b c');
  assert.equal(formatJsonPath('{.metadata.labels.*}', { metadata: { labels: { a: '1', b: '2' } } }), '1 2');
});

test('range ... end, nested and with text', () => {
  assert.equal(formatJsonPath('{range .items[*]}{.metadata.name}{"\\n"}{end}', list), 'a\nb\nc\n');
  assert.equal(
    formatJsonPath('{range .items[*]}[{.metadata.name}:{range .status.*}{@}{end}]{end}', list),
    '[a:1][b:5][c:]',
  );
  assert.throws(() => formatJsonPath('{range .items[*]}{.x}', list), JsonPathError);
  assert.throws(() => formatJsonPath('{end}', list), JsonPathError);
});

test('filters with == != < > <= >= and existence', () => {
  assert.equal(formatJsonPath("{.status.conditions[?(@.type=='Ready')].status}", svc), 'Unknown');
  assert.equal(formatJsonPath('{.status.conditions[?(@.type=="Ready")].reason}', svc), 'RevisionMissing');
  assert.equal(formatJsonPath("{.status.conditions[?(@.status!='True')].type}", svc), 'Ready RoutesReady');
  assert.equal(formatJsonPath("{.status.traffic[?(@.tag=='latest')].url}", svc), 'http://latest-hello.default.example.com');
  assert.equal(formatJsonPath('{.items[?(@.status.n > 2)].metadata.name}', list), 'b');
  assert.equal(formatJsonPath('{.items[?(@.status.n<2)].metadata.name}', list), 'a');
  assert.equal(formatJsonPath('{.items[?(@.status.n>=1)].metadata.name}', list), 'a b');
  assert.equal(formatJsonPath('{.items[?(@.status.n<=1)].metadata.name}', list), 'a');
  assert.equal(formatJsonPath('{.items[?(@.status)].metadata.name}', list), 'a b');
  assert.equal(formatJsonPath('{.spec.traffic[?(@.latestRevision==true)].tag}', svc), 'latest');
  assert.equal(formatJsonPath("{.items[?(@.metadata.namespace=='x')].metadata.name}", list), 'a c');
  // A string never equals a number.
  assert.equal(formatJsonPath("{.items[?(@.status.n=='1')].metadata.name}", list), '');
});

test('bracket keys with dots and slashes, unions', () => {
  assert.equal(formatJsonPath("{.metadata.labels['serving.knative.dev/configuration']}", svc), 'hello');
  assert.equal(formatJsonPath('{.metadata.labels["app"]}', svc), 'x');
  assert.equal(formatJsonPath("{.metadata['name','namespace']}", svc), 'hello default');
  assert.equal(formatJsonPath('{.items[0,2].metadata.name}', list), 'a c');
  assert.deepEqual(evaluateJsonPath("{.items[*]['kind','status']}", list), [[{ n: 1 }, { n: 5 }]]);
  assert.deepEqual(evaluateJsonPath("{.spec.traffic[*]['tag','percent']}", svc), [['v1', 'latest', 50, 50]]);
});

test('indexes and slices, negative included', () => {
  assert.equal(formatJsonPath('{.items[0].metadata.name}', list), 'a');
  assert.equal(formatJsonPath('{.items[-1].metadata.name}', list), 'c');
  assert.equal(formatJsonPath('{.items[1:].metadata.name}', list), 'b c');
  assert.equal(formatJsonPath('{.items[:2].metadata.name}', list), 'a b');
  assert.equal(formatJsonPath('{.items[-2:].metadata.name}', list), 'b c');
  assert.equal(formatJsonPath('{.items[0:3:2].metadata.name}', list), 'a c');
  assert.equal(formatJsonPath('{.items[5].metadata.name}', list), '');
  assert.equal(formatJsonPath('{.items[1:100].metadata.name}', list), 'b c');
});

test('recursive descent', () => {
  assert.equal(formatJsonPath('{..name}', list), 'a b c');
  assert.deepEqual(evaluateJsonPath('{..tag}', svc), [['v1', 'latest', 'v1', 'latest']]);
  assert.equal(formatJsonPath('{.status..percent}', svc), '50 50');
});

test('missing fields yield nothing', () => {
  assert.equal(formatJsonPath('{.status.nope.deeper}', svc), '');
  assert.equal(formatJsonPath('a{.missing}b', svc), 'ab');
  assert.deepEqual(evaluateJsonPath('{.missing}', svc), [[]]);
  assert.equal(formatJsonPath('{.metadata.name.length}', svc), '');
  assert.equal(formatJsonPath("{.metadata[?(@.x=='y')]}", svc), '');
});

test('maps and arrays print as JSON with sorted keys; whole documents too', () => {
  assert.equal(formatJsonPath('{.status.conditions[0]}', svc), '{"status":"True","type":"ConfigurationsReady"}');
  assert.equal(formatJsonPath('{.metadata.labels}', { metadata: { labels: { z: '1', a: '2' } } }), '{"a":"2","z":"1"}');
  assert.equal(formatJsonPath('{.a}', { a: [1, 'x', true] }), '[1,"x",true]');
  assert.equal(formatJsonPath('{.a}', { a: null }), '');
});

test('evaluateJsonPath returns one result list per action', () => {
  assert.deepEqual(evaluateJsonPath('x{.metadata.name}{.items[*].metadata.name}', { ...list, metadata: { name: 'n' } }), [
    ['x'], ['n'], ['a', 'b', 'c'],
  ]);
  assert.deepEqual(evaluateJsonPath('{range .items[*]}{.metadata.name}{end}', list), [['a'], ['b'], ['c']]);
});

test('syntax errors are reported', () => {
  assert.throws(() => evaluateJsonPath('{.a', {}), JsonPathError);
  assert.throws(() => evaluateJsonPath('{.a[}', {}), JsonPathError);
  assert.throws(() => evaluateJsonPath('{.a[x]}', {}), JsonPathError);
  assert.throws(() => evaluateJsonPath('{.a[?(@.b=)]}', {}), JsonPathError);
});

test('printerCell: Knative printer columns', () => {
  assert.equal(printerCell('.status.url', svc), 'http://hello.default.example.com');
  assert.equal(printerCell(".status.conditions[?(@.type=='Ready')].status", svc), 'Unknown');
  assert.equal(printerCell(".status.conditions[?(@.type=='Ready')].reason", svc), 'RevisionMissing');
  assert.equal(printerCell(".status.conditions[?(@.type=='ConfigurationsReady')].reason", svc), null);
  assert.equal(printerCell(".metadata.labels['serving.knative.dev/configurationGeneration']", svc, 'string'), '2');
  assert.equal(printerCell('.status.actualReplicas', svc, 'integer'), 3);
  assert.equal(printerCell('.status.desiredReplicas', svc, 'integer'), null);
  assert.equal(printerCell('.status.url', svc, 'integer'), null);
  assert.equal(printerCell('.status.observedGeneration', svc, 'string'), '2');
  assert.equal(printerCell('.spec.traffic[1].latestRevision', svc, 'boolean'), true);
  assert.equal(printerCell('.status.traffic[0].percent', svc, 'number'), 50);
  assert.equal(printerCell('{.status.url}', svc), 'http://hello.default.example.com');
  assert.equal(printerCell('.spec.traffic[0]', svc), '{"percent":50,"revisionName":"hello-00001","tag":"v1"}');
  assert.equal(printerCell('.status.url', null), null);
});

test('printerCell over 1,000 rows is fast (parsed paths are cached)', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({ ...svc, metadata: { ...svc.metadata, name: `s${i}` } }));
  const columns = ['.status.url', '.status.latestCreatedRevisionName', ".status.conditions[?(@.type=='Ready')].status", ".status.conditions[?(@.type=='Ready')].reason"];
  const start = performance.now();
  let cells = 0;
  for (const row of rows) for (const c of columns) if (printerCell(c, row) !== undefined) cells++;
  const ms = performance.now() - start;
  assert.equal(cells, 4000);
  assert.ok(ms < 250, `took ${ms.toFixed(1)} ms`);
});
