/**
 * An open-loop HTTP load generator (like vegeta's constant pacer), run as its own process so it
 * does not share an event loop with the gateway: `rate` requests per second for `durationSec`,
 * each latency measured from when the request was due (no coordinated omission). Prints one JSON
 * line: { sent, ok, errors, statuses, latency: { p50, p95, p99, max } } (ms).
 * Run: node --import tsx bench/support/open-loop-load.ts '{"url":"http://127.0.0.1:8080/?sleep=100","host":"x.default.example.com","rate":1000,"durationSec":60}'
 */
import { Agent, request } from 'node:http';

interface LoadSpec { url: string; host: string; rate: number; durationSec: number; timeoutMs?: number }

const spec = JSON.parse(process.argv[2]!) as LoadSpec;
const url = new URL(spec.url);
const agent = new Agent({ keepAlive: true, maxSockets: 2048 });
const total = Math.round(spec.rate * spec.durationSec);
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let sent = 0;
let finished = 0;

function fire(dueAt: number): void {
  const count = (key: string) => { statuses[key] = (statuses[key] ?? 0) + 1; };
  const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { host: spec.host }, agent, timeout: spec.timeoutMs ?? 30_000 }, (res) => {
    res.resume();
    res.on('end', () => { latencies.push(performance.now() - dueAt); count(String(res.statusCode)); done(); });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (err) => { count(err.message); done(); });
  req.end();
}

const start = performance.now();
let resolveAll: () => void;
const allDone = new Promise<void>((r) => { resolveAll = r; });
function done(): void { if (++finished === total) resolveAll(); }

const pacer = setInterval(() => {
  const due = Math.min(total, Math.floor(((performance.now() - start) * spec.rate) / 1000));
  while (sent < due) fire(start + (sent++ * 1000) / spec.rate);
  if (sent >= total) clearInterval(pacer);
}, 1);

await allDone;
agent.destroy();
const sorted = latencies.sort((a, b) => a - b);
const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
const ok = statuses['200'] ?? 0;
console.log(JSON.stringify({ sent, ok, errors: sent - ok, statuses, latency: { p50: p(0.5), p95: p(0.95), p99: p(0.99), max: sorted[sorted.length - 1] } }));
