import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import pino from 'pino';
import { ServiceType } from '../apis/resources.ts';
import { newRegistry, service } from '../registry/testing.ts';
import { startDashboard, type Dashboard } from './server.ts';
import { FakeGatewayMetrics } from './testing.ts';

const TOKEN = 'secret-token-value';
const auth = { Authorization: `Bearer ${TOKEN}` };

/** Reads server-sent events from a fetch response until `done` returns true for one of them. */
async function readEvents(res: Response, done: (name: string, data: any) => boolean): Promise<{ name: string; data: any }[]> {
  const seen: { name: string; data: any }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (ended) return seen;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (!name || data === undefined) continue;
      seen.push({ name, data: JSON.parse(data) });
      if (done(name, seen[seen.length - 1]!.data)) { await reader.cancel(); return seen; }
    }
  }
}

describe('dashboard server', () => {
  let reg: Awaited<ReturnType<typeof newRegistry>>;
  let dash: Dashboard;
  const logLines: string[] = [];
  const metrics = new FakeGatewayMetrics();

  before(async () => {
    reg = await newRegistry();
    await reg.registry.create(ServiceType, service('hello'));
    const logger = pino({ level: 'debug' }, { write: (s: string) => { logLines.push(s); } });
    dash = await startDashboard({ client: reg.registry, metrics, token: TOKEN, host: '127.0.0.1', port: 0, logger, sampleIntervalMs: 20 });
  });

  after(async () => {
    await dash?.close();
    await reg?.close();
  });

  it('prints a loopback URL carrying the token in its fragment only', () => {
    assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+\/#token=secret-token-value$/);
    assert.equal(dash.url, `${dash.baseUrl}#token=${TOKEN}`);
  });

  it('serves the page and uPlot without the token, with a strict CSP and ETags', async () => {
    const page = await fetch(dash.baseUrl);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="\/app.js">/);
    const uplot = await fetch(`${dash.baseUrl}vendor/uPlot.esm.js`);
    assert.equal(uplot.status, 200);
    assert.match(uplot.headers.get('content-type')!, /^text\/javascript/);
    assert.match(await uplot.text(), /export \{ uPlot as default \}|export default/);
    const again = await fetch(`${dash.baseUrl}app.js`, { headers: { 'If-None-Match': page.headers.get('etag') ?? '' } });
    assert.equal(again.status, 200, 'another file\'s ETag does not match');
    const etag = again.headers.get('etag')!;
    await again.arrayBuffer();
    assert.equal((await fetch(`${dash.baseUrl}app.js`, { headers: { 'If-None-Match': etag } })).status, 304);
    for (const path of ['../package.json', 'vendor/uPlot.cjs.js', 'server.ts', '%2e%2e/server.ts']) {
      assert.equal((await fetch(dash.baseUrl + path)).status, 404, path);
    }
  });

  it('answers 401 without the bearer token', async () => {
    const res = await fetch(`${dash.baseUrl}api/state`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="ksrv"');
    assert.equal(((await res.json()) as { reason: string }).reason, 'Unauthorized');
  });

  it('lists the objects it watches', async () => {
    const res = await fetch(`${dash.baseUrl}api/state`, { headers: auth });
    const state = (await res.json()) as any;
    assert.deepEqual(state.services.map((s: any) => s.name), ['hello']);
    assert.deepEqual(state.history.map((h: any) => h.kind), ['service-created']);
  });

  it('streams a snapshot, then object changes and samples', async () => {
    const res = await fetch(`${dash.baseUrl}api/stream`, { headers: auth });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
    let created = false;
    const events = await readEvents(res, (name, data) => {
      if (name === 'snapshot' && !created) {
        created = true;
        void reg.registry.create(ServiceType, service('second'));
      }
      return name === 'change' && data.type === 'upsert' && data.view.name === 'second';
    });
    assert.equal(events[0]!.name, 'snapshot');
    assert.deepEqual(events[0]!.data.services.map((s: any) => s.name), ['hello']);
    assert.ok(Array.isArray(events[0]!.data.series.times));
    const next = await fetch(`${dash.baseUrl}api/stream`, { headers: auth });
    const samples = await readEvents(next, (name) => name === 'sample');
    assert.ok(samples.some((e) => e.name === 'sample' && typeof e.data.t === 'number'));
  });

  it('/metrics has the gateway counters and the control-plane families', async () => {
    metrics.serve('default', 'hello-00001', 7, 200, 3);
    metrics.serve('default', 'hello-00001', 2, 502, 3);
    const res = await fetch(`${dash.baseUrl}metrics`, { headers: auth });
    assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const families = parsePrometheusTextFormat(text);
    const requests = families.find((f) => f.name === 'ksrv_gateway_requests_total')!;
    const byClass = Object.fromEntries(requests.metrics.map((m) => [m.labels!.code_class, m.value]));
    assert.equal(byClass['2xx'], '7');
    assert.equal(byClass['5xx'], '2');
    assert.equal(families.find((f) => f.name === 'ksrv_gateway_request_duration_seconds')?.type, 'HISTOGRAM');
    // parse-prometheus-text-format merges all labelled series of a histogram into one and drops
    // their _sum/_count; without the TYPE line each part parses as its own labelled family.
    const parts = parsePrometheusTextFormat(text.replace(/^# TYPE ksrv_gateway_request_duration_seconds histogram\n/m, ''));
    const part = (name: string) => parts.find((f) => f.name === name)!.metrics;
    assert.equal(part('ksrv_gateway_request_duration_seconds_count')[0]!.value, '9');
    assert.equal(part('ksrv_gateway_request_duration_seconds_bucket').find((m) => m.labels!.le === '+Inf')!.value, '9');
    assert.equal(part('ksrv_gateway_request_duration_seconds_bucket').find((m) => m.labels!.le === '0.005')!.value, '9');
    for (const name of ['ksrv_revision_cold_starts_total', 'ksrv_autoscaler_decisions_total', 'ksrv_revision_ready_instances']) {
      assert.ok(families.some((f) => f.name === name), name);
    }
    assert.equal(await dash.renderMetrics().then((t) => t.includes('ksrv_gateway_requests_total')), true);
  });

  it('never logs the token', () => {
    assert.ok(logLines.some((l) => l.includes('/api/state')), 'requests are logged');
    assert.ok(!logLines.some((l) => l.includes(TOKEN)));
  });
});
