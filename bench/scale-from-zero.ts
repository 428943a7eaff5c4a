/**
 * Knative's scale-from-zero benchmark: N revisions at zero (initial-scale 0), then one request to
 * each at once; time until every one answered, with p50/p95/max per request (Knative's SLA for 25:
 * p95 ≤ 2 s, max ≤ 5 s). Needs root, bwrap, ip, nsenter and go.
 * Run: node --import tsx bench/scale-from-zero.ts [N=25]
 */
import { percentile, requireSandbox, startBenchPlatform } from './support/autoscale-platform.ts';

const N = Number(process.argv[2] ?? 25);
requireSandbox('scale-from-zero');

const bench = await startBenchPlatform('autoscaler:\n  allow-zero-initial-scale: true\n  initial-scale: 0\n');
try {
  const names = Array.from({ length: N }, (_, i) => `zero-${i}`);
  await Promise.all(names.map((n) => bench.createService(n)));
  for (const n of names) await bench.ready(n);
  const started = performance.now();
  const latencies = await Promise.all(names.map(async (n) => {
    const reply = await bench.get(`${n}.default.example.com`, '/');
    if (reply.status !== 200) throw new Error(`${n}: ${reply.status} ${reply.body}`);
    return performance.now() - started;
  }));
  const all = performance.now() - started;
  console.log(`scale from zero, ${N} revisions at once (autoscale app, sandboxed):`);
  console.log(`  all answered after ${all.toFixed(0)} ms; per request p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`);
} finally {
  await bench.close();
}
