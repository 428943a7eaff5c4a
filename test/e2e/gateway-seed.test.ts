/**
 * Issue 4 acceptance: the seed scenario end to end through the gateway, with the seed's own
 * manifests and scripts (run-test.sh, latest-run-test.sh, unmodified), real sandboxed instances of
 * the example app, and a continuous prober that must see no failed request through every step and
 * through 20 further random traffic changes and deploys.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandboxTestsSkipReason } from '../../src/runtime/process/testing/example-app.ts';
import { appOf, buildExampleImage, getWithHost, tally } from './example-app-traffic.ts';
import { FIXTURES, Ksrv, run } from './harness.ts';

const IMAGE = 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1';
const SVC = 'stock-service-example';
const MAIN = `${SVC}.default.example.com`;
const skip = sandboxTestsSkipReason();
const seed = (f: string) => join(FIXTURES, 'seed', f);


const agent = new Agent({ keepAlive: true, maxSockets: 16 });

const get = (base: URL, host: string) => getWithHost(base, host, '/', agent);


/** Requests in a row to the main host; returns the apps in order, asserting every one succeeded. */
async function sequence(base: URL, n: number, host = MAIN): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await get(base, host);
    assert.equal(r.status, 200, `request ${i} to ${host}: ${r.status} ${r.body}`);
    out.push(appOf(r.body)!);
  }
  return out;
}


/** Every window of the sequence gives each app within one request of its share. */
function assertSmoothSplit(apps: string[], shares: Record<string, number>): void {
  const names = Object.keys(shares);
  const maxLen = Math.min(apps.length, 200);
  for (let start = 0; start + maxLen <= apps.length; start += 37) {
    const c: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    for (let end = start; end < start + maxLen; end++) {
      c[apps[end]!]!++;
      const len = end - start + 1;
      for (const n of names) {
        const expected = (len * shares[n]!) / 100;
        assert.ok(c[n]! >= Math.floor(expected) - 1 && c[n]! <= Math.ceil(expected) + 1, `window ${start}+${len}: ${n} ${c[n]} vs ${expected}`);
      }
    }
  }
}

/** Keeps requests going to the main host and the tag hosts; records every failure. */
class Prober {
  mainHostPaused = false;
  hosts: string[] = [];
  sent = 0;
  readonly failures: string[] = [];
  private running = true;
  private loops: Promise<void>[] = [];

  constructor(private readonly base: URL) {}

  start(workers = 3): void {
    for (let w = 0; w < workers; w++) this.loops.push(this.loop(w));
  }

  private async loop(w: number): Promise<void> {
    let i = w;
    while (this.running) {
      const candidates = this.mainHostPaused ? this.hosts : [MAIN, ...this.hosts];
      const host = candidates[i++ % candidates.length]!;
      try {
        const r = await get(this.base, host);
        if (r.status !== 200 || !appOf(r.body)) this.failures.push(`${host}: ${r.status} ${r.body.slice(0, 200)}`);
      } catch (e) {
        this.failures.push(`${host}: ${(e as Error).message}`);
      }
      this.sent++;
      // Yield to the event loop so kubectl children and assertions keep running.
      await new Promise((r) => setImmediate(r));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

describe('the seed scenario through the gateway', { skip }, () => {
  const ksrv = new Ksrv();
  let base: URL;
  let prober: Prober;

  before(async () => {
    await buildExampleImage(ksrv.dataDir);
    await ksrv.start();
    base = new URL(ksrv.gatewayUrl);
    prober = new Prober(base);
  });
  after(async () => {
    await prober?.stop();
    agent.destroy();
    await ksrv.cleanup();
  });

  /** Waits until the ksvc reconciled its latest generation and is Ready (the route table is then programmed). */
  async function settled(): Promise<any> {
    for (;;) {
      const svc = JSON.parse(await ksrv.k('get', 'ksvc', SVC, '-o', 'json'));
      const ready = svc.status?.conditions?.find((c: any) => c.type === 'Ready')?.status;
      if (svc.status?.observedGeneration === svc.metadata.generation && ready === 'True') return svc;
      if (ready === 'False') throw new Error(`service failed: ${JSON.stringify(svc.status.conditions)}`);
      await ksrv.k('wait', '--for=condition=Ready', `ksvc/${SVC}`, '--timeout=60s');
    }
  }

  /**
   * Makes a change while the prober only probes tag hosts that exist before and after it (a tag
   * that goes away rightly answers 404), then lets it probe the new tag hosts.
   */
  async function change(kubectlArgs: string[], tagHosts: string[]): Promise<any> {
    prober.hosts = prober.hosts.filter((h) => tagHosts.includes(h));
    await ksrv.k(...kubectlArgs);
    const svc = await settled();
    prober.hosts = tagHosts;
    return svc;
  }
  const tagHostsOf = (tags: string[]) => tags.map((t) => `${t}-${MAIN}`);

  const script = async (name: string) => {
    const r = await run('bash', [seed(name)], { env: ksrv.env() });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  it('the compatibility Services carry the gateway address', async () => {
    const ip = await ksrv.k('get', 'svc', 'istio-ingressgateway', '--namespace', 'istio-system', '--output', "jsonpath={.status.loadBalancer.ingress[*]['ip']}");
    assert.equal(`http://${ip}`, ksrv.gatewayUrl);
    assert.equal(await ksrv.k('get', 'svc', 'kourier', '-n', 'kourier-system', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'), ip);
    assert.match(await ksrv.k('get', 'services', '-A'), /istio-system\s+istio-ingressgateway\s+LoadBalancer\s+127\.0\.0\.1\s+127\.0\.0\.1:\d+/);
    const unknown = await get(base, 'nothing.default.example.com');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body, /no route for host/);
  });

  it('v1: run-test.sh answers v1, and so does every request', async () => {
    await ksrv.k('apply', '-f', seed('revision-v1.yaml'));
    await settled();
    prober.start();
    assert.equal(await script('run-test.sh'), 'Welcome to the v1 app! \n');
    assert.deepEqual(tally(await sequence(base, 200)), { v1: 200 });
  });

  it('v2: 2,000 requests split 1,000/1,000, smooth over every window', async () => {
    await change(['apply', '-f', seed('revision-v2.yaml')], tagHostsOf(['v1', 'v2', 'latest']));
    prober.mainHostPaused = true;
    const apps = await sequence(base, 2000);
    prober.mainHostPaused = false;
    assert.deepEqual(tally(apps), { v1: 1000, v2: 1000 });
    assertSmoothSplit(apps, { v1: 50, v2: 50 });
  });

  it('v3: the main host never reaches v3 while latest-run-test.sh always answers v3', async () => {
    await change(['apply', '-f', seed('revision-v3.yaml')], tagHostsOf(['v1', 'v2', 'latest']));
    const apps = await sequence(base, 500);
    assert.equal(tally(apps).v3, undefined);
    for (let i = 0; i < 3; i++) assert.equal(await script('latest-run-test.sh'), 'Welcome to the v3 app! \n');
    assert.deepEqual(tally(await sequence(base, 100, `latest-${MAIN}`)), { v3: 100 });
  });

  it('v3-2: 40/30/30 over 100 requests', async () => {
    await change(['apply', '-f', seed('revision-v3-2.yaml')], tagHostsOf(['v1', 'v2', 'v3', 'latest']));
    prober.mainHostPaused = true;
    const apps = await sequence(base, 300);
    prober.mainHostPaused = false;
    assert.deepEqual(tally(apps.slice(0, 100)), { v1: 40, v2: 30, v3: 30 });
    assertSmoothSplit(apps, { v1: 40, v2: 30, v3: 30 });
  });

  const revisions = ['v1', 'v2', 'v3'];
  const trafficWith = (shares: [string, number][]) => [
    ...shares.map(([rev, percent]) => ({ revisionName: `${SVC}-${rev}`, percent })),
    ...revisions.map((rev) => ({ tag: `t-${rev}`, revisionName: `${SVC}-${rev}`, percent: 0 })),
  ];

  it('rollback to 100 % v1 answers only v1', async () => {
    await change(['patch', 'ksvc', SVC, '--type=merge', '-p', JSON.stringify({ spec: { traffic: trafficWith([['v1', 100]]) } })], tagHostsOf(revisions.map((r) => `t-${r}`)));
    assert.deepEqual(tally(await sequence(base, 200)), { v1: 200 });
    assert.equal(await script('run-test.sh'), 'Welcome to the v1 app! \n');
  });

  it('20 random traffic changes and deploys; the prober never saw a failure', async () => {
    let deploys = 0;
    for (let step = 0; step < 20; step++) {
      const deploy = step % 2 === 0;
      const patch: any = { spec: {} };
      if (deploy) {
        const rev = `r${++deploys}`;
        patch.spec.template = { metadata: { name: `${SVC}-${rev}` }, spec: { containers: [{ image: IMAGE, env: [{ name: 'RESOURCE', value: rev }] }] } };
        revisions.push(rev);
      }
      const picked = [...revisions].sort(() => Math.random() - 0.5).slice(0, 1 + Math.floor(Math.random() * 3));
      const cuts = picked.map(() => 1 + Math.floor(Math.random() * 9));
      const sum = cuts.reduce((a, b) => a + b, 0);
      const shares: [string, number][] = picked.map((r, i) => [r, Math.floor((cuts[i]! * 100) / sum)]);
      shares[0]![1] += 100 - shares.reduce((a, [, p]) => a + p, 0);
      patch.spec.traffic = trafficWith(shares.filter(([, p]) => p > 0));
      await change(['patch', 'ksvc', SVC, '--type=merge', '-p', JSON.stringify(patch)], tagHostsOf(revisions.map((r) => `t-${r}`)));
      prober.mainHostPaused = true;
      const apps = await sequence(base, 100);
      prober.mainHostPaused = false;
      assert.deepEqual(tally(apps), Object.fromEntries(shares.filter(([, p]) => p > 0).sort(([a], [b]) => a.localeCompare(b)).map(([r, p]) => [r, p])),
        `step ${step}: ${JSON.stringify(shares)}`);
    }
    await prober.stop();
    assert.deepEqual(prober.failures, []);
    assert.ok(prober.sent > 500, `prober sent ${prober.sent}`);
  });
});
