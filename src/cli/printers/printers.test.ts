import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../apis/meta.ts';
import { age, humanDuration } from './age.ts';
import { eventsSection } from './describe.ts';
import { conditionsValue, nonReadyReason, readyStatus } from './conditions.ts';
import { palette } from './colour.ts';
import { parseOutputFormat, renderObjects } from './output.ts';
import { renderTable } from './table.ts';

const svc = (name: string, conditions: unknown[] = []): KObject => ({
  apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name, namespace: 'default' }, status: { url: `http://${name}.default.example.com`, conditions },
});

describe('renderTable', () => {
  it('pads columns by three spaces and trims line ends', () => {
    assert.equal(renderTable(['name', 'url', 'reason'], [['a', 'http://a', ''], ['long-name', 'u', 'x']]),
      'NAME        URL        REASON\na           http://a\nlong-name   u          x\n');
  });
});

describe('humanDuration', () => {
  const s = 1000;
  for (const [ms, want] of [[0, '0s'], [119 * s, '119s'], [120 * s, '2m'], [150 * s, '2m30s'], [11 * 60 * s, '11m'], [3 * 3600 * s, '3h'], [3.5 * 3600 * s, '3h30m'], [10 * 3600 * s, '10h'], [50 * 3600 * s, '2d2h'], [30 * 86400 * s, '30d'], [3 * 365 * 86400 * s, '3y']] as const) {
    it(`${ms} ms is ${want}`, () => assert.equal(humanDuration(ms), want));
  }
  it('age of a missing timestamp', () => assert.equal(age(undefined), '<unknown>'));
});

describe('conditions', () => {
  it('summarises as kn does', () => {
    const obj = svc('a', [{ type: 'Ready', status: 'False', reason: 'RevisionMissing', message: 'gone' }, { type: 'RoutesReady', status: 'True' }]);
    assert.equal(conditionsValue(obj), '1 OK / 2');
    assert.equal(readyStatus(obj), 'False');
    assert.equal(nonReadyReason(obj), 'RevisionMissing : gone');
    assert.equal(nonReadyReason(svc('b', [{ type: 'Ready', status: 'True' }])), '');
    assert.equal(readyStatus(svc('c')), '<unknown>');
  });
});

describe('output formats', () => {
  const o = { resource: 'services', apiVersion: 'serving.knative.dev/v1', kind: 'Service' };
  it('parses formats', () => {
    assert.deepEqual(parseOutputFormat('json'), { kind: 'json' });
    assert.deepEqual(parseOutputFormat("jsonpath='{.status.url}'"), { kind: 'jsonpath', template: '{.status.url}' });
    assert.throws(() => parseOutputFormat('wide'), /unable to match a printer/);
  });
  it('prints one object or a list', () => {
    assert.equal(JSON.parse(renderObjects([svc('a')], { kind: 'json' }, { ...o, single: true })).metadata.name, 'a');
    const list = JSON.parse(renderObjects([svc('a'), svc('b')], { kind: 'json' }, { ...o, single: false }));
    assert.equal(list.kind, 'ServiceList');
    assert.equal(list.items.length, 2);
    assert.match(renderObjects([svc('a')], { kind: 'yaml' }, { ...o, single: true }), /^apiVersion: serving.knative.dev\/v1\nkind: Service\n/);
  });
  it('prints names and jsonpath', () => {
    assert.equal(renderObjects([svc('a'), svc('b')], { kind: 'name' }, { ...o, single: false }), 'service.serving.knative.dev/a\nservice.serving.knative.dev/b\n');
    assert.equal(renderObjects([svc('a')], { kind: 'jsonpath', template: '{.status.url}' }, { ...o, single: true }), 'http://a.default.example.com');
    assert.equal(renderObjects([svc('a'), svc('b')], { kind: 'jsonpath', template: '{.items[*].metadata.name}' }, { ...o, single: false }), 'a b');
  });
});

describe('palette', () => {
  it('colours only when enabled', () => {
    assert.equal(palette(false).green('x'), 'x');
    assert.equal(palette(true).green('x'), '\x1b[32mx\x1b[0m');
  });
});

it('events block as kubectl describe prints it', () => {
  const now = Date.parse('2030-01-01T00:10:00Z');
  const event = (reason: string, first: string, last: string, count: number, type = 'Normal', message = `${reason} happened`) => ({
    apiVersion: 'v1', kind: 'Event', metadata: { name: reason }, type, reason, message, count,
    firstTimestamp: first, lastTimestamp: last, source: { component: 'route-controller' },
  });
  assert.equal(eventsSection([], now), 'Events:  <none>\n');
  assert.equal(eventsSection([
    event('RevisionMissing', '2030-01-01T00:00:00Z', '2030-01-01T00:09:00Z', 3, 'Warning', 'Configuration "bad" does not have any ready Revision.'),
    event('TrafficAssigned', '2030-01-01T00:05:00Z', '2030-01-01T00:05:00Z', 1),
  ], now), [
    'Events:',
    '  Type     Reason           Age                From              Message',
    '  ----     ------           ----               ----              -------',
    '  Normal   TrafficAssigned  5m                 route-controller  TrafficAssigned happened',
    '  Warning  RevisionMissing  60s (x3 over 10m)  route-controller  Configuration "bad" does not have any ready Revision.',
    '',
  ].join('\n'));
});
