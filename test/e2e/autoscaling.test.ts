/**
 * Issue 5 acceptance, end to end: the real `ksrv up` with short autoscaler windows (config.yaml),
 * the autoscale workload in sandboxed instances, driven by kubectl and plain HTTP through the
 * gateway. Scale from zero, scale-down-delay and scale to zero, initial/min/max-scale,
 * containerConcurrency 1, reserve revisions, revision GC (with no-gc) and a gradual rollout.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildAutoscaleApp } from '../../src/runtime/process/testing/autoscale-app.ts';
import { sandboxTestsSkipReason } from '../../src/runtime/process/testing/example-app.ts';
import { buildStaticImage, getWithHost } from './example-app-traffic.ts';
import { Ksrv, waitFor } from './harness.ts';

const IMAGE = 'example.com/ksrv/autoscale:e2e';
const A = 'autoscaling.knative.dev';
const skip = sandboxTestsSkipReason();

/** Short windows so that scale to zero takes seconds: window 6 s, grace 1 s. */
const AUTOSCALER_CONFIG = 'autoscaler:\n  stable-window: 6s\n  scale-to-zero-grace-period: 1s\n  allow-zero-initial-scale: true\n';


interface ServiceOptions {
  /** Revision template annotations. */
  annotations?: Record<string, string>;
  serviceAnnotations?: Record<string, string>;
  containerConcurrency?: number;
}

function service(name: string, o: ServiceOptions = {}): object {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Service',
    metadata: { name, namespace: 'default', annotations: o.serviceAnnotations ?? {} },
    spec: {
      template: {
        metadata: { annotations: o.annotations ?? {} },
        spec: { ...(o.containerConcurrency !== undefined ? { containerConcurrency: o.containerConcurrency } : {}), containers: [{ image: IMAGE }] },
      },
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

const get = (base: URL, host: string, path = '/') => getWithHost(base, host, path, agent);

const hostOf = (svc: string) => `${svc}.default.example.com`;
const cond = (obj: any, type: string) => obj?.status?.conditions?.find((c: any) => c.type === type);

describe('autoscaling end to end', { skip }, () => {
  const ksrv = new Ksrv();
  let base: URL;

  before(async () => {
    writeFileSync(join(ksrv.dataDir, 'config.yaml'), AUTOSCALER_CONFIG);
    await buildStaticImage(ksrv.dataDir, { binary: buildAutoscaleApp(), name: 'autoscale', tag: IMAGE });
    await ksrv.start();
    base = new URL(ksrv.gatewayUrl);
    // Goes to zero while the first tests run.
    await apply(service('cold', { annotations: { [`${A}/scale-down-delay`]: '6s' } }));
  });
  after(async () => {
    agent.destroy();
    await ksrv.cleanup();
  });

  async function apply(obj: object): Promise<void> {
    const r = await ksrv.kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });
    assert.equal(r.code, 0, r.stderr);
  }
  async function ready(svc: string): Promise<void> {
    await waitFor(`ksvc ${svc} Ready`, async () => {
      const s = JSON.parse(await ksrv.k('get', 'ksvc', svc, '-o', 'json'));
      if (cond(s, 'Ready')?.status === 'False') throw new Error(JSON.stringify(s.status.conditions));
      return s.status?.observedGeneration === s.metadata.generation && cond(s, 'Ready')?.status === 'True';
    }, 60_000);
  }
  const revision = async (name: string) => JSON.parse(await ksrv.k('get', 'revision', name, '-o', 'json'));
  const replicas = async (name: string) => {
    const r = await revision(name);
    return { actual: r.status?.actualReplicas as number | undefined, desired: r.status?.desiredReplicas as number | undefined, active: cond(r, 'Active') };
  };

  /** Keeps `clients` loops of requests going until stopped; returns the statuses seen. */
  function load(host: string, clients: number, path: string) {
    let running = true;
    const statuses: number[] = [];
    const loops = Array.from({ length: clients }, async () => {
      while (running) statuses.push((await get(base, host, path)).status);
    });
    return { statuses, async stop() { running = false; await Promise.all(loops); return statuses; } };
  }

  it('initial-scale, max-scale under load, then min-scale', async () => {
    await apply(service('bounds', {
      annotations: { [`${A}/initial-scale`]: '2', [`${A}/min-scale`]: '1', [`${A}/max-scale`]: '3', [`${A}/target`]: '1' },
    }));
    await ready('bounds');
    assert.equal((await replicas('bounds-00001')).actual, 2);

    const traffic = load(hostOf('bounds'), 8, '/?sleep=200');
    let maxDesired = 0;
    try {
      await waitFor('bounds at max-scale 3', async () => {
        const x = await replicas('bounds-00001');
        maxDesired = Math.max(maxDesired, x.desired ?? 0);
        return x.actual === 3;
      }, 20_000);
      // Another decision under load: still capped.
      await new Promise((r) => setTimeout(r, 2_500));
      maxDesired = Math.max(maxDesired, (await replicas('bounds-00001')).desired ?? 0);
    } finally {
      const statuses = await traffic.stop();
      assert.ok(statuses.every((s) => s === 200), `statuses: ${[...new Set(statuses)]}`);
    }
    assert.equal(maxDesired, 3);

    await waitFor('bounds down to min-scale 1', async () => (await replicas('bounds-00001')).actual === 1, 30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const r = await replicas('bounds-00001');
    assert.deepEqual([r.actual, r.desired, r.active?.status], [1, 1, 'True']);
  });

  it('containerConcurrency 1: five concurrent clients never overlap at the app', async () => {
    await apply(service('serial', { containerConcurrency: 1, annotations: { [`${A}/max-scale`]: '1' } }));
    await ready('serial');
    const done: number[] = [];
    await Promise.all(Array.from({ length: 5 }, async () => {
      for (let i = 0; i < 2; i++) {
        const reply = await get(base, hostOf('serial'), '/?sleep=200');
        assert.equal(reply.status, 200, reply.body);
        done.push(performance.now());
      }
    }));
    done.sort((a, b) => a - b);
    const gaps = done.slice(1).map((t, i) => t - done[i]!);
    // One instance taking one request at a time: each answer comes a whole sleep after the previous.
    assert.ok(gaps.every((g) => g >= 150), `gaps between answers: ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);
  });

  let coldLastRequestAt = 0;

  it('from zero the first request succeeds; kubectl shows the replicas', async () => {
    // `cold` was created in before(); with no traffic it went to zero meanwhile.
    await waitFor('cold-00001 at zero', async () => {
      const x = await replicas('cold-00001');
      return x.actual === 0 && x.active?.status === 'False';
    }, 30_000);
    assert.match(await ksrv.k('get', 'revision', 'cold-00001'), /ACTUAL REPLICAS\s+DESIRED REPLICAS[^\n]*\ncold-00001\s+cold\s+1\s+True\s+0\s+0/);
    const started = performance.now();
    const reply = await get(base, hostOf('cold'), '/?sleep=1');
    const coldMs = performance.now() - started;
    coldLastRequestAt = Date.now();
    assert.equal(reply.status, 200, reply.body);
    assert.match(reply.body, /^Slept for/);
    assert.ok(coldMs < 5_000, `cold start took ${coldMs} ms`);
    await waitFor('cold-00001 active with one instance', async () => {
      const x = await replicas('cold-00001');
      return x.actual === 1 && x.active?.status === 'True';
    });
    assert.match(await ksrv.k('get', 'revision', 'cold-00001'), /cold-00001\s+cold\s+1\s+True\s+1\s+1/);
  });

  it('after the window and scale-down-delay it goes back to zero: Active False NoTraffic', async () => {
    const r = await waitFor('cold-00001 at zero', async () => {
      const x = await replicas('cold-00001');
      return x.actual === 0 && x.active?.status === 'False' && x;
    }, 30_000);
    const idleMs = Date.now() - coldLastRequestAt;
    assert.equal(r.active.reason, 'NoTraffic');
    assert.equal(r.desired, 0);
    // The request leaves the 6 s stable window after 5-6 s (1 s buckets); the 6 s scale-down-delay
    // then holds the last non-zero decision for at least 4 s more (2 s slots); without it ≈ 5-8 s.
    assert.ok(idleMs >= 9_000, `went inactive after ${idleMs} ms idle`);
  });

  it('a revision no longer routed becomes reserve and scales to zero despite min-scale', async () => {
    await apply(service('bounds', { annotations: { [`${A}/min-scale`]: '1', [`${A}/target`]: '1' } }));
    await ready('bounds');
    await waitFor('bounds-00001 reserve at zero', async () => {
      const rev = await revision('bounds-00001');
      return rev.metadata.labels?.['serving.knative.dev/routingState'] === 'reserve' && rev.status?.actualReplicas === 0
        && cond(rev, 'Active')?.reason === 'NoTraffic';
    }, 30_000);
    assert.equal((await replicas('bounds-00002')).actual, 1);
  });

  it('a gradual rollout (rollout-duration 8s) shifts traffic in steps at the gateway', async () => {
    const roll = (v: string) => service('roll', { serviceAnnotations: { 'serving.knative.dev/rollout-duration': '8s' }, annotations: { [`${A}/min-scale`]: '1', v } });
    await apply(roll('1'));
    await ready('roll');
    await apply(roll('2'));
    const shares: { at: number; share: number }[] = [];
    const started = Date.now();
    let last = { r1: 0, r2: 0 };
    while (Date.now() - started < 25_000) {
      await Promise.all(Array.from({ length: 20 }, () => get(base, hostOf('roll'))));
      const metrics = (await get(base, base.host, '/metrics')).body;
      const count = (rev: string) => Number(new RegExp(`ksrv_gateway_requests_total\\{namespace="default",revision="${rev}",code_class="2xx"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      const now = { r1: count('roll-00001'), r2: count('roll-00002') };
      const d1 = now.r1 - last.r1;
      const d2 = now.r2 - last.r2;
      last = now;
      if (d1 + d2 > 0) shares.push({ at: Date.now() - started, share: d2 / (d1 + d2) });
      if (shares.length > 0 && shares[shares.length - 1]!.share === 1 && shares.some((s) => s.share > 0 && s.share < 1)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const partial = shares.filter((s) => s.share > 0 && s.share < 1);
    assert.equal(shares[shares.length - 1]?.share, 1, JSON.stringify(shares));
    assert.ok(new Set(partial.map((s) => s.share.toFixed(2))).size >= 2, `traffic moved in steps: ${JSON.stringify(shares)}`);
    const firstPartial = partial[0]!.at;
    const full = shares.find((s) => s.share === 1 && s.at > firstPartial)!.at;
    assert.ok(full - firstPartial >= 4_000, `the rollout took ${full - firstPartial} ms`);
  });

  it('revision GC per config.yaml gc (reloaded), honouring serving.knative.dev/no-gc', async () => {
    for (const [v, noGc] of [['1', true], ['2', false], ['3', false]] as const) {
      await apply(service('gc', { annotations: { v, ...(noGc ? { 'serving.knative.dev/no-gc': 'true' } : {}) } }));
      await ready('gc');
    }
    writeFileSync(join(ksrv.dataDir, 'config.yaml'),
      `${AUTOSCALER_CONFIG}gc:\n  retain-since-create-time: 1s\n  retain-since-last-active-time: disabled\n  min-non-active-revisions: 0\n`);
    await waitFor('gc-00002 collected', async () => {
      const r = await ksrv.kubectl(['get', 'revision', 'gc-00002']);
      return r.code !== 0 && /NotFound/.test(r.stderr);
    }, 20_000);
    const names = (await ksrv.k('get', 'revision', '-l', 'serving.knative.dev/configuration=gc', '-o', 'jsonpath={.items[*].metadata.name}')).split(' ').sort();
    assert.deepEqual(names, ['gc-00001', 'gc-00003']);
  });
});
