/**
 * Control-plane benchmark: creates N Knative Services through the real HTTPS API of a real
 * `ksrv up` (child process, sqlite store) and reports
 *   - create latency (POST → 201) p50/p99,
 *   - create-to-reconciled (POST sent → Service Ready=True with observedGeneration, seen on a watch) p50/p95/p99,
 *   - list latency of all N Services (JSON and kubectl's Table form),
 *   - the server's RSS after the run.
 * Two phases: a burst (N creates from `concurrency` closed-loop clients: throughput, and latency
 * under self-inflicted queueing), then a steady phase (STEADY creates at RATE/s, open loop, on top
 * of the N existing Services: the create→Ready latency a user sees).
 * Goals (issue 2): create-to-reconciled p95 < 50 ms, list of 1,000 < 100 ms, RSS < 200 MB.
 * Usage: node --import tsx bench/control-plane.ts [N=1000] [concurrency=8] [STEADY=200] [RATE=20]
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { parse } from 'yaml';
import { Ksrv } from '../test/e2e/harness.ts';

const N = Number(process.argv[2] ?? 1000);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const STEADY = Number(process.argv[4] ?? 200);
const RATE = Number(process.argv[5] ?? 20);

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

const ksrv = new Ksrv();
await ksrv.start(['--runtime', 'simulated', ...(process.env.BENCH_KSRV_ARGS ?? '').split(' ').filter(Boolean)]);
const cfg = parse(readFileSync(ksrv.kubeconfig, 'utf8'));
const server = new URL(cfg.clusters[0].cluster.server);
const token: string = cfg.users[0].user.token;
const ca = Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + 2, ca });
const base = '/apis/serving.knative.dev/v1/namespaces/default/services';

function call(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<{ status: number; text: string }> {
  return new Promise((resolveCall, reject) => {
    const req = request({ host: server.hostname, port: server.port, path, method, agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolveCall({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

// Watch Services from "now" and note when each becomes Ready at its current generation.
const sentAt = new Map<string, number>();
const readyAt = new Map<string, number>();
let expected = N;
let allReady: () => void;
let allReadyP = new Promise<void>((r) => { allReady = r; });
const startRv = JSON.parse((await call('GET', base)).text).metadata.resourceVersion;
const watchReq = request({ host: server.hostname, port: server.port, path: `${base}?watch=true&resourceVersion=${startRv}`, agent: new Agent({ ca }), headers: { authorization: `Bearer ${token}` } }, (res) => {
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const ev = JSON.parse(line);
      const o = ev.object;
      const ready = o?.status?.conditions?.find((c: any) => c.type === 'Ready');
      if (ready?.status === 'True' && o.status.observedGeneration === o.metadata.generation && !readyAt.has(o.metadata.name)) {
        readyAt.set(o.metadata.name, performance.now());
        if (readyAt.size === expected) allReady();
      }
    }
  });
});
watchReq.end();

const createLatency: number[] = [];
async function create(name: string): Promise<void> {
  const body = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name }, spec: { template: { spec: { containers: [{ image: `ksrv.local/${name}:v1` }] } } } };
  const t = performance.now();
  sentAt.set(name, t);
  const r = await call('POST', base, body);
  if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text}`);
  createLatency.push(performance.now() - t);
}
let next = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (next < N) await create(`bench-${next++}`);
}));
const createWall = performance.now() - t0;
const timeout = setTimeout(() => { console.error(`only ${readyAt.size}/${N} services became Ready within 120 s`); process.exit(1); }, 120_000);
await allReadyP;
clearTimeout(timeout);
const reconciled = [...readyAt].filter(([name]) => name.startsWith('bench-')).map(([name, t]) => t - sentAt.get(name)!);
const allReadyWall = performance.now() - t0;

const listJson: number[] = [];
const listTable: number[] = [];
for (let i = 0; i < 10; i++) {
  let t = performance.now();
  const r = await call('GET', base);
  listJson.push(performance.now() - t);
  if (JSON.parse(r.text).items.length !== N) throw new Error('list returned the wrong number of items');
  t = performance.now();
  await call('GET', `${base}?limit=500`, undefined, 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json');
  listTable.push(performance.now() - t);
}

// Steady phase: open loop at RATE creates/s.
expected = N + STEADY;
allReadyP = new Promise<void>((r) => { allReady = r; });
const steadyStart = performance.now();
const steadyCreates: Promise<void>[] = [];
for (let i = 0; i < STEADY; i++) {
  const due = steadyStart + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  steadyCreates.push(create(`steady-${i}`));
}
await Promise.all(steadyCreates);
const steadyTimeout = setTimeout(() => { console.error(`only ${readyAt.size}/${expected} services became Ready`); process.exit(1); }, 60_000);
await allReadyP;
clearTimeout(steadyTimeout);
const steady = [...readyAt].filter(([name]) => name.startsWith('steady-')).map(([name, t]) => t - sentAt.get(name)!);

const pid = ksrv.child!.pid!;
const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
watchReq.destroy();
agent.destroy();
await ksrv.cleanup();

console.log(`control-plane benchmark: ${N} Services from ${CONCURRENCY} closed-loop clients, then ${STEADY} at ${RATE}/s; sqlite store, HTTPS`);
console.log(`  burst create (POST→201):  p50 ${ms(pct(createLatency.slice(0, N), 50))}  p99 ${ms(pct(createLatency.slice(0, N), 99))}  (${(N / (createWall / 1000)).toFixed(0)} creates/s)`);
console.log(`  burst create→Ready:       p50 ${ms(pct(reconciled, 50))}  p95 ${ms(pct(reconciled, 95))}  p99 ${ms(pct(reconciled, 99))}   (queueing behind the burst)`);
console.log(`  steady create→Ready:      p50 ${ms(pct(steady, 50))}  p95 ${ms(pct(steady, 95))}  p99 ${ms(pct(steady, 99))}   goal p95 < 50 ms`);
console.log(`  all ${N} Ready after:      ${ms(allReadyWall)}`);
console.log(`  list ${N} ksvc (JSON):     p50 ${ms(pct(listJson, 50))}  max ${ms(Math.max(...listJson))}   goal < 100 ms`);
console.log(`  list ${N} ksvc (Table):    p50 ${ms(pct(listTable, 50))}  max ${ms(Math.max(...listTable))}`);
console.log(`  server RSS:                ${(rssKb / 1024).toFixed(0)} MB now, ${(hwmKb / 1024).toFixed(0)} MB peak   goal < 200 MB`);
