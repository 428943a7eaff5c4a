/**
 * Knative's dataplane-probe: a constant 1,000 requests/s for 60 s against a revision whose app
 * sleeps 100 ms per request (min-scale = max-scale = 5, as Knative's setups), through the gateway;
 * p50/p95/p99 latency and errors (goal: p95 under 102 ms, 0 errors). The reference, in the same
 * run: the same load straight at one of the revision's instances (its netns address), so the
 * figure the gateway adds is the difference. The load comes from a separate process
 * (bench/support/open-loop-load.ts). Needs root, bwrap, ip, nsenter and go.
 * Run: node --import tsx bench/dataplane-probe.ts [durationSec=60] [rate=1000]
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { requireSandbox, ROOT, startBenchPlatform } from './support/autoscale-platform.ts';

const DURATION_SEC = Number(process.argv[2] ?? 60);
const RATE = Number(process.argv[3] ?? 1000);
requireSandbox('dataplane-probe');

const A = 'autoscaling.knative.dev';
const bench = await startBenchPlatform('');
try {
  await bench.createService('probe', { [`${A}/min-scale`]: '5', [`${A}/max-scale`]: '5' });
  await bench.ready('probe');
  const host = 'probe.default.example.com';
  // Warm the gateway's connections to every instance.
  await Promise.all(Array.from({ length: 50 }, () => bench.get(host, '/?sleep=100')));
  const load = (url: string) => new Promise<any>((resolve, reject) => {
    const spec = { url, host, rate: RATE, durationSec: DURATION_SEC };
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/support/open-loop-load.ts'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').pop()!)) : reject(new Error(`load generator exited with ${code}`))));
  });
  const viaGateway = await load(`${bench.gateway.origin}/?sleep=100`);
  const direct = await load(`http://${instanceAddress(dirname(bench.platform.configPath), 'probe-00001')}/?sleep=100`);
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(`dataplane-probe: ${RATE} req/s for ${DURATION_SEC} s, app sleeps 100 ms, 5 instances:`);
  for (const [name, r] of [['through the gateway', viaGateway], ['direct to one instance (reference)', direct]] as const) {
    console.log(`  ${name}: requests ${r.sent}, ok ${r.ok}, errors ${r.errors}${r.errors ? ` ${JSON.stringify(r.statuses)}` : ''}`);
    console.log(`    latency p50 ${f(r.latency.p50)}, p95 ${f(r.latency.p95)}, p99 ${f(r.latency.p99)}, max ${f(r.latency.max)}`);
  }
  console.log(`  added by the gateway: p50 ${f(viaGateway.latency.p50 - direct.latency.p50)}, p95 ${f(viaGateway.latency.p95 - direct.latency.p95)} (goal: p95 < 102 ms, 0 errors)`);
} finally {
  await bench.close();
}

/** host:port of a revision's first instance, from the runtime's state file and its network namespace. */
function instanceAddress(dataDir: string, revision: string): string {
  const state = JSON.parse(readFileSync(join(dataDir, 'runtime/instances.json'), 'utf8'));
  const inst = state.instances.find((i: any) => i.revision === revision);
  if (!inst) throw new Error(`no instance of ${revision}`);
  const addr = /inet (10\.[0-9.]+)\//.exec(execFileSync('ip', ['-n', inst.netns, '-4', '-o', 'addr', 'show'], { encoding: 'utf8' }))?.[1];
  if (!addr) throw new Error(`no address in ${inst.netns}`);
  return `${addr}:8080`;
}
