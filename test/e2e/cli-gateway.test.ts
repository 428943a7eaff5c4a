/**
 * Issue 6 acceptance: the seed scenario done with the ksrv CLI alone (create, new revision names,
 * 50/50 with tags, latest tagged at 0 %, 40/30/30, rollback), every step verified through the
 * gateway with the example app running sandboxed from its image: exact split counts per 100
 * requests on the main host, each tag host answering its revision, latest following the newest
 * revision. Then the gateway's and the dashboard's /metrics, parsed with a Prometheus text-format
 * parser, must count exactly the requests sent per revision, and `ksrv service|revision describe`
 * show the controllers' Events.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandboxTestsSkipReason } from '../../src/runtime/process/testing/example-app.ts';
import { buildExampleImage, GatewayClient, IMAGE, requestsPerRevision, tally } from './example-app-traffic.ts';
import { Ksrv, ROOT, run, waitFor, type RunResult } from './harness.ts';

const SVC = 'stock-service-example';
const MAIN = `${SVC}.default.example.com`;
const tagHost = (tag: string) => `${tag}-${MAIN}`;
const skip = sandboxTestsSkipReason();

describe('seed scenario with the ksrv CLI, verified through the gateway', { skip }, () => {
  const ksrv = new Ksrv();
  let gateway: GatewayClient;

  before(async () => {
    await buildExampleImage(ksrv.dataDir);
    await ksrv.start();
    gateway = new GatewayClient(new URL(ksrv.gatewayUrl));
  });
  after(async () => {
    gateway?.close();
    await ksrv.cleanup();
  });

  const cli = (...args: string[]): Promise<RunResult> => run(join(ROOT, 'bin/ksrv'), args, { env: ksrv.env(), timeoutMs: 120_000 });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `ksrv ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  /** 100 requests to the main host, tallied per app. */
  const split = async () => tally(await gateway.sequence(MAIN, 100));
  /** Every tag host answers only its own revision. */
  const assertTags = async (tags: Record<string, string>) => {
    for (const [tag, app] of Object.entries(tags)) assert.deepEqual(tally(await gateway.sequence(tagHost(tag), 10)), { [app]: 10 }, `tag ${tag}`);
  };

  it('create: v1 answers every request', async () => {
    await ok('service', 'create', SVC, '--image', IMAGE, '--env', 'RESOURCE=v1', '--revision-name', `${SVC}-v1`);
    assert.deepEqual(await split(), { v1: 100 });
    const unknown = await gateway.get(tagHost('v1'));
    assert.equal(unknown.status, 404, 'no tag host before tags exist');
  });

  it('v2 with tags v1, v2 and latest: exactly 50/50 per 100 requests', async () => {
    await ok('service', 'update', SVC, '--env', 'RESOURCE=v2', '--revision-name', `${SVC}-v2`,
      '--tag', `${SVC}-v1=v1,${SVC}-v2=v2`, '--tag', '@latest=latest', '--traffic', 'v1=50,v2=50');
    assert.deepEqual(await split(), { v1: 50, v2: 50 });
    await assertTags({ v1: 'v1', v2: 'v2', latest: 'v2' });
  });

  it('v3: only the latest tag reaches it; the main host keeps 50/50', async () => {
    await ok('service', 'update', SVC, '--env', 'RESOURCE=v3', '--revision-name', `${SVC}-v3`);
    assert.deepEqual(await split(), { v1: 50, v2: 50 });
    await assertTags({ latest: 'v3', v1: 'v1', v2: 'v2' });
  });

  it('40/30/30 with v3 tagged', async () => {
    await ok('service', 'update', SVC, '--tag', `${SVC}-v3=v3`, '--traffic', 'v1=40,v2=30,v3=30');
    assert.deepEqual(await split(), { v1: 40, v2: 30, v3: 30 });
    await assertTags({ v1: 'v1', v2: 'v2', v3: 'v3', latest: 'v3' });
  });

  it('rollback: everything to the previous revision, tags kept; then to v1', async () => {
    await ok('rollback', SVC);
    assert.deepEqual(await split(), { v2: 100 });
    await assertTags({ v1: 'v1', v3: 'v3', latest: 'v3' });
    await ok('rollback', SVC, '--to', `${SVC}-v1`);
    assert.deepEqual(await split(), { v1: 100 });
    await assertTags({ v2: 'v2', latest: 'v3' });
  });

  it('/metrics of the gateway and of the dashboard count exactly the requests sent per revision', async () => {
    const sent = Object.fromEntries(Object.entries(gateway.answered).map(([app, n]) => [`${SVC}-${app}`, n]));
    // The 404 for the unknown tag host reached no revision, so it is in no revision's counters.
    const token = decodeURIComponent(new URL(ksrv.dashboardUrl).hash.replace(/^#token=/, ''));
    const scrape = async (url: string, headers: Record<string, string> = {}) => {
      const res = await fetch(url, { headers });
      assert.equal(res.status, 200, url);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return requestsPerRevision(await res.text());
    };
    // A request is counted when its response has ended, which can be just after the client read it.
    const gatewayCounts = await waitFor('gateway counters to catch up', async () => {
      const counts = await scrape(new URL('/metrics', ksrv.gatewayUrl).href);
      return Object.keys(sent).every((rev) => (counts[rev] ?? 0) >= sent[rev]!) && counts;
    });
    assert.deepEqual(gatewayCounts, sent);
    assert.deepEqual(await scrape(new URL('/metrics', ksrv.dashboardUrl).href, { Authorization: `Bearer ${token}` }), sent);
  });

  it('describe shows the controllers\' events', async () => {
    const service = await ok('service', 'describe', SVC);
    const events = service.slice(service.indexOf('\nEvents:\n'));
    assert.match(events, /^\nEvents:\n  Type\s+Reason\s+Age\s+From\s+Message\n  ----\s+------\s+----\s+----\s+-------\n/);
    assert.match(events, new RegExp(`\n  Normal\\s+Created\\s+\\S+\\s+service-controller\\s+Created Configuration "${SVC}"\n`));
    assert.match(events, new RegExp(`\n  Normal\\s+Created\\s+\\S+\\s+configuration-controller\\s+Created Revision "${SVC}-v3"\n`));
    assert.match(events, new RegExp(`\n  Normal\\s+TrafficAssigned\\s+\\S+\\s+route-controller\\s+Traffic assigned: 0% ${SVC}-v2 #latest, 50% ${SVC}-v1 #v1, 50% ${SVC}-v2 #v2\n`));
    assert.match(events, new RegExp(`\n  Normal\\s+TrafficAssigned\\s+\\S+\\s+route-controller\\s+Traffic assigned: 0% ${SVC}-v3 #latest, 100% ${SVC}-v1 #v1, 0% ${SVC}-v2 #v2, 0% ${SVC}-v3 #v3\n`));
    const revision = await ok('revision', 'describe', `${SVC}-v2`);
    assert.match(revision, /\nEvents:\n(.*\n){2}  Normal\s+RevisionReady\s+\S+\s+revision-controller\s+Revision becomes ready upon all resources being ready\n/);
  });

  it('ksrv.log is JSON lines, each naming its component', async () => {
    const lines = readFileSync(join(ksrv.dataDir, 'ksrv.log'), 'utf8').trim().split('\n');
    const records = lines.map((l, i) => {
      try { return JSON.parse(l); } catch { assert.fail(`line ${i + 1} of ksrv.log is not JSON: ${l.slice(0, 200)}`); }
    });
    for (const r of records) {
      assert.equal(typeof r.level, 'number');
      assert.equal(typeof r.time, 'number');
      assert.equal(typeof r.msg, 'string');
    }
    const withoutComponent = records.filter((r) => !r.component);
    assert.deepEqual(withoutComponent.map((r) => r.msg), [], 'every line names its component');
  });
});
