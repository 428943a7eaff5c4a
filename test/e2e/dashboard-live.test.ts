/**
 * Issue 6 acceptance: the dashboard of a real `ksrv up` in Debian's chromium (headless, through
 * playwright-core), with the example app running sandboxed in two revisions split 50/50 and load
 * going through the gateway: the split bar, the per-revision figures and the charts follow the
 * load; changing the split in the page to 80/20 changes where the gateway sends requests (exact
 * counts per 100), and the dashboard's /metrics counts exactly what was sent. Screenshots go to
 * test-artifacts/dashboard-live/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { sandboxTestsSkipReason } from '../../src/runtime/process/testing/example-app.ts';
import { buildExampleImage, GatewayClient, IMAGE, requestsPerRevision, tally } from './example-app-traffic.ts';
import { Ksrv, ROOT, run, waitFor } from './harness.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts/dashboard-live');
const CHROMIUM = '/usr/bin/chromium';
const SVC = 'web';
const MAIN = `${SVC}.default.example.com`;
const skip = sandboxTestsSkipReason() ?? (existsSync(CHROMIUM) ? undefined : `needs ${CHROMIUM}`);

/** Requests from a few workers to the main host until stopped, paced to a few hundred per second to spare the shared CPUs. */
class Load {
  private running = true;
  private readonly loops: Promise<void>[];
  readonly failures: string[] = [];

  constructor(gateway: GatewayClient, workers = 2) {
    this.loops = Array.from({ length: workers }, async () => {
      while (this.running) {
        try {
          await gateway.sequence(MAIN, 1);
        } catch (e) {
          this.failures.push((e as Error).message);
        }
        await new Promise((r) => setTimeout(r, 4));
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

describe('dashboard of a live ksrv in chromium', { skip }, () => {
  const ksrv = new Ksrv();
  let gateway: GatewayClient;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let load: Load | undefined;

  const card = () => page.locator(`[data-service="default/${SVC}"]`);
  /** The "req/s" figure of a revision's row, once it shows a number. */
  const rps = async (revision: string) => Number(await card().locator(`tr[data-revision="${revision}"] [data-field="rps"]`).innerText());

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildExampleImage(ksrv.dataDir);
    await ksrv.start();
    gateway = new GatewayClient(new URL(ksrv.gatewayUrl));
    const cli = async (...args: string[]) => {
      const r = await run(join(ROOT, 'bin/ksrv'), args, { env: ksrv.env(), timeoutMs: 120_000 });
      assert.equal(r.code, 0, `ksrv ${args.join(' ')}:\n${r.stderr}${r.stdout}`);
    };
    await cli('service', 'create', SVC, '--image', IMAGE, '--env', 'RESOURCE=v1', '--revision-name', `${SVC}-v1`);
    await cli('service', 'update', SVC, '--env', 'RESOURCE=v2', '--revision-name', `${SVC}-v2`,
      '--tag', `${SVC}-v1=v1,${SVC}-v2=v2`, '--traffic', 'v1=50,v2=50');
    userDataDir = mkdtempSync(join(tmpdir(), 'ksrv-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM, headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 1400 },
    });
    page = context.pages()[0] ?? await context.newPage();
  });

  after(async () => {
    await load?.stop();
    await context?.close();
    gateway?.close();
    await ksrv.cleanup();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('shows the 50/50 split, then live figures and charts for both revisions while load runs', async () => {
    await page.goto(ksrv.dashboardUrl);
    assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
    const bar = card().locator('.traffic-bar');
    await bar.locator(`.segment[data-revision="${SVC}-v1"][data-percent="50"]`).waitFor();
    await bar.locator(`.segment[data-revision="${SVC}-v2"][data-percent="50"]`).waitFor();
    for (const r of ['v1', 'v2']) assert.match(await card().locator(`tr[data-revision="${SVC}-${r}"]`).innerText(), /Ready/);

    load = new Load(gateway);
    const rpsChart = card().locator('[data-chart="rps"]');
    const samples = async () => Number(await rpsChart.getAttribute('data-samples'));
    await waitFor('rps figures for both revisions', async () => (await rps(`${SVC}-v1`)) > 0 && (await rps(`${SVC}-v2`)) > 0, 30_000);
    const samplesBefore = await samples();
    await waitFor('another chart sample', async () => (await samples()) > samplesBefore, 10_000);
    assert.equal(await rpsChart.locator('canvas').count(), 1);
    for (const chart of ['latency', 'instances']) assert.ok(Number(await card().locator(`[data-chart="${chart}"]`).getAttribute('data-samples')) > 0, chart);
    // The gateway's split is exact, so both revisions see about the same rate.
    const [v1, v2] = [await rps(`${SVC}-v1`), await rps(`${SVC}-v2`)];
    assert.ok(Math.abs(v1 - v2) <= Math.max(2, 0.2 * (v1 + v2)), `50/50 rates ${v1} vs ${v2}`);
    await page.screenshot({ path: join(ARTIFACTS, 'live-50-50.png'), fullPage: true });
  });

  it('80/20 set in the page: the gateway follows it exactly, and so do the live figures', async () => {
    await card().locator(`.editor-row[data-target="${SVC}-v1#v1"] .editor-number`).fill('80');
    assert.equal(await card().locator(`.editor-row[data-target="${SVC}-v2#v2"] .editor-number`).inputValue(), '20');
    await card().getByRole('button', { name: 'Apply' }).click();
    // The bar shows the Service's status.traffic, which the Route reports after programming the gateway.
    await card().locator(`.traffic-bar .segment[data-revision="${SVC}-v1"][data-percent="80"]`).waitFor();
    await card().locator(`.traffic-bar .segment[data-revision="${SVC}-v2"][data-percent="20"]`).waitFor();
    const svc = JSON.parse(await ksrv.k('get', 'ksvc', SVC, '-o', 'json'));
    assert.deepEqual(svc.spec.traffic.map((t: any) => [t.revisionName, t.tag, t.percent]), [[`${SVC}-v1`, 'v1', 80], [`${SVC}-v2`, 'v2', 20]]);

    await waitFor('the live figures to show 80/20', async () => {
      const [v1, v2] = [await rps(`${SVC}-v1`), await rps(`${SVC}-v2`)];
      return v2 > 0 && Math.abs(v1 / (v1 + v2) - 0.8) < 0.08;
    }, 30_000);
    await page.screenshot({ path: join(ARTIFACTS, 'live-80-20.png'), fullPage: true });

    await load!.stop();
    assert.deepEqual(load!.failures, []);
    load = undefined;
    assert.deepEqual(tally(await gateway.sequence(MAIN, 100)), { v1: 80, v2: 20 });
    assert.deepEqual(tally(await gateway.sequence(`v2-${MAIN}`, 10)), { v2: 10 });
  });

  it('all traffic to one revision from the page', async () => {
    await card().locator(`.editor-row[data-target="${SVC}-v2#v2"] .editor-number`).fill('100');
    assert.equal(await card().locator(`.editor-row[data-target="${SVC}-v1#v1"] .editor-number`).inputValue(), '0');
    await card().getByRole('button', { name: 'Apply' }).click();
    await card().locator(`.traffic-bar .segment[data-revision="${SVC}-v2"][data-percent="100"]`).waitFor();
    assert.deepEqual(tally(await gateway.sequence(MAIN, 100)), { v2: 100 });
    await card().locator('.history li', { hasText: `Traffic: ${SVC}-v1 0% #v1, ${SVC}-v2 100% #v2` }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'all-to-v2.png'), fullPage: true });
  });

  it('the dashboard\'s /metrics counts exactly the requests sent', async () => {
    const token = decodeURIComponent(new URL(ksrv.dashboardUrl).hash.replace(/^#token=/, ''));
    const sent = Object.fromEntries(Object.entries(gateway.answered).map(([app, n]) => [`${SVC}-${app}`, n]));
    const counts = await waitFor('dashboard counters to catch up', async () => {
      const res = await fetch(new URL('/metrics', ksrv.dashboardUrl), { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const c = requestsPerRevision(await res.text());
      return Object.keys(sent).every((rev) => (c[rev] ?? 0) >= sent[rev]!) && c;
    });
    assert.deepEqual(counts, sent);
  });
});
