/**
 * Cold start: latency of the first request to a revision at zero, through the gateway (activator
 * wait → autoscaler poke → revision reconcile → sandboxed instance start → readiness → proxy), minus
 * the same app's bare start (the process runtime starting the sandboxed instance directly, polled
 * every millisecond until its first 200). 20 trials each, p50/p95. Goal: under 20 ms added.
 * Needs root, bwrap, ip, nsenter and go.   Run: node --import tsx bench/cold-start.ts
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRuntime } from '../src/runtime/process/process-runtime.ts';
import { AUTOSCALE_IMAGE_CONFIG, makeAutoscaleRootfs } from '../src/runtime/process/testing/autoscale-app.ts';
import { FakeImageResolver, revisionObject } from '../src/runtime/process/testing/example-app.ts';
import { percentile, pollUntil, requireSandbox, startBenchPlatform } from './support/autoscale-platform.ts';

const TRIALS = 20;
requireSandbox('cold-start');

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode === 200)); });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function bareStarts(): Promise<number[]> {
  const work = mkdtempSync(join(tmpdir(), 'ksrv-bench-'));
  chmodSync(work, 0o755);
  const images = new FakeImageResolver();
  images.add('bench/autoscale:bare', makeAutoscaleRootfs(join(work, 'rootfs')), AUTOSCALE_IMAGE_CONFIG);
  const runtime = new ProcessRuntime({ dataDir: join(work, 'data'), images, graceSeconds: 1 });
  const out: number[] = [];
  try {
    for (let i = 0; i < TRIALS; i++) {
      const name = `bare-${String(i).padStart(5, '0')}`;
      const started = performance.now();
      await runtime.ensure(revisionObject(name, { image: 'bench/autoscale:bare' }), 1);
      const [instance] = runtime.instances('default', name);
      await pollUntil('bare instance', () => answers(instance!.host, instance!.port), 10_000, 1);
      out.push(performance.now() - started);
      await runtime.remove('default', name);
    }
  } finally {
    await runtime.close();
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}

const bare = await bareStarts();

// Every revision starts at zero (initial-scale 0), so each first request is a cold start.
const bench = await startBenchPlatform('autoscaler:\n  allow-zero-initial-scale: true\n  initial-scale: 0\n');
const cold: number[] = [];
try {
  const names = Array.from({ length: TRIALS }, (_, i) => `cold-${i}`);
  for (const n of names) await bench.createService(n);
  for (const n of names) await bench.ready(n);
  for (const n of names) {
    const started = performance.now();
    const reply = await bench.get(`${n}.default.example.com`, '/');
    cold.push(performance.now() - started);
    if (reply.status !== 200) throw new Error(`${n}: ${reply.status} ${reply.body}`);
  }
} finally {
  await bench.close();
}

const fmt = (v: number[]) => `p50 ${percentile(v, 50).toFixed(1)} ms, p95 ${percentile(v, 95).toFixed(1)} ms`;
console.log(`cold start, ${TRIALS} trials each (autoscale app, sandboxed):`);
console.log(`  bare start (runtime starts the instance, polled until its first 200): ${fmt(bare)}`);
console.log(`  first request from zero through the gateway:                          ${fmt(cold)}`);
console.log(`  added by ksrv: p50 ${(percentile(cold, 50) - percentile(bare, 50)).toFixed(1)} ms, p95 ${(percentile(cold, 95) - percentile(bare, 95)).toFixed(1)} ms (goal: under 20 ms)`);
