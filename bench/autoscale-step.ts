/**
 * The autoscaler under a step load: 0 → 50 concurrent clients (each looping requests that sleep
 * 100 ms) → 0, against a revision with target 10 at 100 % utilization, so the KPA formula wants
 * ceil(50 / 10) = 5 instances (with the default 70 % it would be 50 / 7 = 7.1, right at the edge
 * between 7 and 8, where the measured concurrency of 49.x flips it). Samples load, in-flight requests at the
 * gateway, ready and desired instances every 250 ms; prints when instances reached the formula's
 * count (goal: within the panic window), fell back (after the stable window) and reached zero
 * (after the grace period), and writes bench/results/autoscale-step.svg.
 * Needs root, bwrap, ip, nsenter and go.
 * Run: node --import tsx bench/autoscale-step.ts [window=60s] [loadSec=30]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGoDuration } from '../src/apis/serving/k8s-strings.ts';
import { lineChartSvg } from './support/svg-chart.ts';
import { requireSandbox, ROOT, startBenchPlatform } from './support/autoscale-platform.ts';

const WINDOW = process.argv[2] ?? '60s';
const LOAD_SEC = Number(process.argv[3] ?? 30);
const CLIENTS = 50;
const TARGET = 10;
const EXPECTED = Math.ceil(CLIENTS / TARGET);
const IDLE_BEFORE_SEC = 5;
requireSandbox('autoscale-step');

const windowMs = (parseGoDuration(WINDOW) ?? 60e9) / 1e6;
const panicMs = Math.max(1000, Math.round(windowMs * 0.1));
const A = 'autoscaling.knative.dev';
const bench = await startBenchPlatform('');
const host = 'step.default.example.com';
const key = 'default/step';

interface Sample { t: number; load: number; inFlight: number; ready: number; desired: number }
const samples: Sample[] = [];
let clients = 0;
let running = true;
const t0 = performance.now();
const now = () => (performance.now() - t0) / 1000;

try {
  await bench.createService('step', { [`${A}/target`]: String(TARGET), [`${A}/target-utilization-percentage`]: '100', [`${A}/window`]: WINDOW });
  await bench.ready('step');
  const sampler = setInterval(() => {
    const stats = bench.platform.gatewayMetrics.revision('default', 'step-00001');
    const status = bench.platform.autoscaler.status('default/step-00001');
    samples.push({ t: now(), load: clients, inFlight: stats?.inFlight ?? 0, ready: stats?.instances.length ?? 0, desired: status?.desiredScale ?? 0 });
  }, 250);
  void key;
  const errors: string[] = [];
  const loops: Promise<void>[] = [];

  await new Promise((r) => setTimeout(r, IDLE_BEFORE_SEC * 1000));
  const stepUp = now();
  clients = CLIENTS;
  for (let i = 0; i < CLIENTS; i++) {
    loops.push((async () => {
      while (running) {
        const r = await bench.get(host, '/?sleep=100').catch((e: Error) => ({ status: 0, body: e.message }));
        if (r.status !== 200) errors.push(`${r.status} ${r.body}`);
      }
    })());
  }
  await new Promise((r) => setTimeout(r, LOAD_SEC * 1000));
  running = false;
  await Promise.all(loops);
  clients = 0;
  const stepDown = now();

  // Until zero instances (stable window + grace period), at most window + 2 min.
  const deadline = performance.now() + windowMs + 120_000;
  while (performance.now() < deadline && !(samples.length && samples[samples.length - 1]!.ready === 0 && samples[samples.length - 1]!.t > stepDown + 1)) {
    await new Promise((r) => setTimeout(r, 250));
  }
  clearInterval(sampler);

  const after = (t: number) => samples.filter((s) => s.t >= t);
  const peak = Math.max(...samples.map((s) => s.ready));
  const fell = after(stepDown).find((s) => s.ready < peak);
  const zero = after(stepDown).find((s) => s.ready === 0);
  const steady = samples.filter((s) => s.t > stepUp + 2 && s.t < stepDown);
  const formula = Math.ceil(steady.reduce((sum, s) => sum + s.inFlight, 0) / Math.max(1, steady.length) / TARGET);
  const reached = after(stepUp).find((s) => s.ready >= formula);
  const wanted = after(stepUp).find((s) => s.desired >= formula);
  const observed = steady.reduce((sum, s) => sum + s.inFlight, 0) / Math.max(1, steady.length);
  const fmt = (s: Sample | undefined, from: number) => (s ? `${(s.t - from).toFixed(1)} s` : 'never');
  console.log(`autoscale step: ${CLIENTS} concurrent clients (?sleep=100) for ${LOAD_SEC} s, target ${TARGET}, window ${WINDOW} (panic ${panicMs / 1000} s):`);
  console.log(`  KPA formula: ceil(${CLIENTS} / ${TARGET}) = ${EXPECTED} instances at ${CLIENTS} in flight; observed ${observed.toFixed(1)} in flight → ${formula}; peak ready ${peak}, requests failed ${errors.length}${errors.length ? ` (${errors[0]})` : ''}`);
  console.log(`  after the step up: desired ${formula} after ${fmt(wanted, stepUp)}, ${formula} ready after ${fmt(reached, stepUp)} (goal: within the ${panicMs / 1000} s panic window)`);
  const lastLoaded = after(stepDown).find((s) => s.desired <= 1);
  console.log(`  after the step down: fewer instances after ${fmt(fell, stepDown)} (the stable average decays over the ${windowMs / 1000} s window), one wanted after ${fmt(lastLoaded, stepDown)}, zero after ${fmt(zero, stepDown)}`);

  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'autoscale-step.svg');
  writeFileSync(file, lineChartSvg({
    title: `ksrv KPA: step load ${CLIENTS} concurrent, target ${TARGET}, window ${WINDOW}`,
    xLabel: 'seconds', leftLabel: 'concurrent requests', rightLabel: 'instances',
    series: [
      { name: 'load (clients)', color: '#999', axis: 'left', step: true, points: samples.map((s) => [s.t, s.load]) },
      { name: 'in flight at the gateway', color: '#1f77b4', axis: 'left', points: samples.map((s) => [s.t, s.inFlight]) },
      { name: 'ready instances', color: '#d62728', axis: 'right', step: true, points: samples.map((s) => [s.t, s.ready]) },
      { name: 'desired instances', color: '#2ca02c', axis: 'right', step: true, dashed: true, points: samples.map((s) => [s.t, s.desired]) },
    ],
    markers: [{ at: stepUp, label: 'step up' }, { at: stepDown, label: 'step down' }],
  }));
  console.log(`  plot: ${file}`);
} finally {
  running = false;
  await bench.close();
}
