/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against the real
 * registry and controllers (simulated runtime) and hand-driven gateway metrics: the live split
 * bar, live charts, changing the split (through the API, reaching the route table the gateway
 * routes by), the API's validation message, and /metrics counters. Screenshots go to
 * test-artifacts/dashboard/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ServiceType } from '../../src/apis/resources.ts';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import { FakeGatewayMetrics } from '../../src/dashboard/testing.ts';
import { harness } from '../../src/reconciler/testing/harness.ts';
import { ROOT, waitFor } from './harness.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts/dashboard');
const TOKEN = 'dashboard-test-token';

describe('dashboard in chromium', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  let dash: Dashboard;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let load: NodeJS.Timeout | undefined;
  const metrics = new FakeGatewayMetrics();
  const sent = { 'web-v1': 0, 'web-v2': 0, errors: 0 };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await harness('registry');
    const template = (name: string, image: string) => ({ metadata: { name }, spec: { containers: [{ image }] } });
    await h.client.create(ServiceType, {
      apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { template: template('web-v1', 'ksrv.local/web:v1') },
    });
    await h.ctrls.idle();
    await h.client.patch(ServiceType, 'default', 'web', 'merge', {
      spec: {
        template: template('web-v2', 'ksrv.local/web:v2'),
        traffic: [{ revisionName: 'web-v1', percent: 50, tag: 'v1' }, { revisionName: 'web-v2', percent: 50 }],
      },
    });
    await h.ctrls.idle();
    dash = await startDashboard({ client: h.client, metrics, token: TOKEN, host: '127.0.0.1', port: 0, sampleIntervalMs: 250 });
    userDataDir = mkdtempSync(join(tmpdir(), 'ksrv-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 1400 },
    });
    page = context.pages()[0] ?? await context.newPage();
  });

  after(async () => {
    if (load) clearInterval(load);
    await context?.close();
    await dash?.close();
    await h?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('refuses the API and /metrics without the token', async () => {
    for (const path of ['api/state', 'api/stream', 'metrics']) {
      assert.equal((await fetch(dash.baseUrl + path)).status, 401, path);
      assert.equal((await fetch(dash.baseUrl + path, { headers: { Authorization: 'Bearer wrong' } })).status, 401, path);
    }
  });

  it('shows the split, the revisions and live charts while load runs', async () => {
    await page.goto(dash.url);
    assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
    const bar = page.locator('[data-service="default/web"] .traffic-bar');
    await bar.locator('.segment[data-revision="web-v1"][data-percent="50"]').waitFor();
    await bar.locator('.segment[data-revision="web-v2"][data-percent="50"]').waitFor();
    assert.equal(await bar.locator('.segment[data-revision="web-v1"]').innerText(), '50%');
    const row = page.locator('[data-service="default/web"] tr[data-revision="web-v2"]');
    assert.match(await row.innerText(), /Ready/);
    assert.match(await row.innerText(), /sha256:[0-9a-f]{12}/);
    assert.match(await page.locator('[data-service="default/web"] .tags').innerText(), /v1.*http:\/\/v1-web\.default\.example\.com/);

    load = setInterval(() => {
      metrics.serve('default', 'web-v1', 6, 200, 20); sent['web-v1'] += 6;
      metrics.serve('default', 'web-v2', 3, 200, 80); sent['web-v2'] += 3;
      metrics.serve('default', 'web-v2', 1, 503, 300); sent['web-v2'] += 1; sent.errors += 1;
    }, 100);
    const rpsChart = page.locator('[data-service="default/web"] [data-chart="rps"]');
    await page.waitForFunction(() => Number((globalThis as any).document.querySelector('[data-service="default/web"] [data-chart="rps"]')?.getAttribute('data-samples')) >= 16);
    const before = Number(await rpsChart.getAttribute('data-samples'));
    await page.waitForFunction((n) => Number((globalThis as any).document.querySelector('[data-service="default/web"] [data-chart="rps"]')?.getAttribute('data-samples')) > n, before);
    assert.equal(await rpsChart.locator('canvas').count(), 1);
    await page.waitForFunction(() => /^\d+\.\d$/.test((globalThis as any).document.querySelector('tr[data-revision="web-v2"] [data-field="rps"]')?.textContent ?? '')
      && Number((globalThis as any).document.querySelector('tr[data-revision="web-v2"] [data-field="rps"]')!.textContent) > 0);
    assert.match(await row.locator('[data-field="p99"]').innerText(), /ms$/);
    assert.match(await row.locator('[data-field="errorRate"]').innerText(), /%$/);
    await page.screenshot({ path: join(ARTIFACTS, 'live-split-and-charts.png'), fullPage: true });
  });

  it('changing the split in the page changes the Service and where requests go', async () => {
    const card = page.locator('[data-service="default/web"]');
    await card.locator('.editor-row[data-target="web-v1#v1"] .editor-number').fill('70');
    assert.equal(await card.locator('.editor-row[data-target="web-v2"] .editor-number').inputValue(), '30');
    await card.getByRole('button', { name: 'Apply' }).click();
    await waitFor('spec.traffic 70/30', async () => {
      const svc = await h.client.get(ServiceType, 'default', 'web');
      return svc.spec.traffic.map((t: any) => `${t.revisionName}${t.tag ? '#' + t.tag : ''}=${t.percent}`).join(',') === 'web-v1#v1=70,web-v2=30';
    });
    const svc = await h.client.get(ServiceType, 'default', 'web');
    assert.equal(svc.metadata.annotations?.['serving.knative.dev/lastModifier'], 'ksrv-admin');
    await h.ctrls.idle();
    const table = h.sink.tables.get('default/web');
    assert.deepEqual(table?.groups.find((g) => g.tag === '')?.splits, [{ revisionName: 'web-v1', percent: 70 }, { revisionName: 'web-v2', percent: 30 }]);
    await card.locator('.traffic-bar .segment[data-revision="web-v1"][data-percent="70"]').waitFor();
    await card.locator('.history li', { hasText: 'Traffic: web-v1 70%' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'split-70-30.png'), fullPage: true });
  });

  it('an invalid split shows the API\'s validation message', async () => {
    const card = page.locator('[data-service="default/web"]');
    await card.locator('.editor-keep').uncheck();
    await card.locator('.editor-row[data-target="web-v1#v1"] .editor-number').fill('60');
    assert.equal(await card.locator('.editor-total').innerText(), 'Total 90 %');
    await card.getByRole('button', { name: 'Apply' }).click();
    await card.locator('.editor-error').waitFor({ state: 'visible' });
    const shown = await card.locator('.editor-error').innerText();
    const expected = await h.client.patch(ServiceType, 'default', 'web', 'merge',
      { spec: { traffic: [{ revisionName: 'web-v1', percent: 60, tag: 'v1' }, { revisionName: 'web-v2', percent: 30 }] } }, { dryRun: true })
      .then(() => 'accepted', (e: Error) => e.message);
    assert.equal(shown, expected);
    assert.match(shown, /Traffic targets sum to 90, want 100: spec.traffic/);
    await card.locator('.editor-error').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'invalid-split.png'), fullPage: true });
  });

  it('/metrics parses and its counters match the requests sent', async () => {
    clearInterval(load);
    load = undefined;
    const res = await fetch(`${dash.baseUrl}metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    const families = parsePrometheusTextFormat(await res.text());
    const requests = families.find((f) => f.name === 'ksrv_gateway_requests_total')!;
    const count = (rev: string, cls?: string) => requests.metrics
      .filter((m: any) => m.labels.revision === rev && (!cls || m.labels.code_class === cls))
      .reduce((s: number, m: any) => s + Number(m.value), 0);
    assert.equal(count('web-v1'), sent['web-v1']);
    assert.equal(count('web-v2'), sent['web-v2']);
    assert.equal(count('web-v2', '5xx'), sent.errors);
    const ready = families.find((f) => f.name === 'ksrv_revision_ready_instances')!;
    assert.deepEqual(ready.metrics.map((m: any) => [m.labels.revision, m.value]).sort(), [['web-v1', '1'], ['web-v2', '1']]);
  });
});
