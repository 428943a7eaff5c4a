/**
 * Gateway data-path benchmark. In one run, `wrk` against
 *   (a) one backend directly,
 *   (b) ksrv's gateway with a 50/50 split over two backends, inbound through node:http (`fastPath: false`),
 *   (b') the same with the lean inbound HTTP/1.1 path (`fastPath: true`, src/gateway/fast-http1.ts),
 *   (c) nginx (1 worker, `split_clients` 50/50 over the same two backends, upstream keep-alive),
 * each proxy pinned to the same single core (taskset), wrk and the backends (the example Go app,
 * GOMAXPROCS=1) on the other. Prints requests/s, p50/p99 latency and the proxy's CPU time per
 * request (user + sys of its processes, which other load on the machine barely changes), and the
 * ratios. The gateways and nginx alternate for `rounds` rounds; the median round of each is reported.
 * Goal (issue 4): gateway throughput ≥ nginx's, added p99 latency < 1 ms.
 * Usage: node --import tsx bench/gateway.ts [seconds=8] [connections=64] [rounds=3]
 *        (internal: bench/gateway.ts --serve PORT BACKEND1 BACKEND2 runs just the gateway)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endpoint, EndpointSource } from '../src/gateway/backends.ts';
import { Gateway } from '../src/gateway/gateway.ts';
import { buildExampleApp } from '../src/runtime/process/testing/example-app.ts';

const HOST = 'bench.default.example.com';

if (process.argv[2] === '--serve') {
  const [port, ...backends] = process.argv.slice(3);
  const eps: Endpoint[] = backends.map((b) => ({ host: '127.0.0.1', port: Number(b) }));
  const source: EndpointSource = { endpoints: (_ns, rev) => [eps[Number(rev.slice(1))]!], onEndpointsChange: () => {} };
  const gateway = new Gateway({ endpoints: source, h2c: process.env.BENCH_H2C !== '0', fastPath: process.env.BENCH_FAST_PATH !== '0' });
  gateway.table.update('default/bench', {
    namespace: 'default', route: 'bench', visibility: 'ExternalIP',
    groups: [{ tag: '', hosts: [HOST], splits: [{ revisionName: 'r0', percent: 50 }, { revisionName: 'r1', percent: 50 }] }],
  });
  await gateway.listen('127.0.0.1', Number(port));
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => { void gateway.close().then(() => process.exit(0)); });
} else {
  await main();
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 8);
  const connections = Number(process.argv[3] ?? 64);
  const rounds = Number(process.argv[4] ?? 3);
  const PROXY_CPU = '1';
  const LOAD_CPU = '0';
  const children: ChildProcess[] = [];
  const work = mkdtempSync(join(tmpdir(), 'ksrv-gw-bench-'));
  const ports = { b1: 18081, b2: 18082, gateway: 18090, nginx: 18091, fast: 18092 };

  const start = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, readyText?: string): Promise<ChildProcess> => new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    const onOut = (d: Buffer) => { out += d; if (!readyText || out.includes(readyText)) resolve(child); };
    child.stdout!.on('data', onOut);
    child.stderr!.on('data', onOut);
    child.on('exit', (code) => reject(new Error(`${cmd} exited with ${code}: ${out}`)));
    if (!readyText) resolve(child);
  });

  const wrk = async (port: number, proxyPid?: number) => {
    const cpuBefore = proxyPid ? cpuSeconds(proxyPid) : [0, 0];
    const child = spawn('taskset', ['-c', LOAD_CPU, 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', `Host: ${HOST}`, `http://127.0.0.1:${port}/`]);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    await new Promise((r) => child.on('close', r));
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const lat = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? 'NaN');
    const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out)?.[0] ?? '';
    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    const cpuAfter = proxyPid ? cpuSeconds(proxyPid) : [NaN, NaN];
    const userUs = ((cpuAfter[0]! - cpuBefore[0]!) * 1e6) / requests;
    const sysUs = ((cpuAfter[1]! - cpuBefore[1]!) * 1e6) / requests;
    return { rps, p50: lat('50'), p99: lat('99'), cpuUsPerRequest: userUs + sysUs, userUs, sysUs, errors };
  };
  type Result = Awaited<ReturnType<typeof wrk>>;
  const median = (runs: Result[]) => [...runs].sort((a, b) => a.rps - b.rps)[(runs.length - 1) >> 1]!;

  try {
    const app = buildExampleApp();
    for (const [i, port] of [ports.b1, ports.b2].entries()) {
      await start('taskset', ['-c', LOAD_CPU, app], { LISTEN_PORT: String(port), RESOURCE: `b${i + 1}`, GOMAXPROCS: '1' }, 'listening');
    }
    const startGateway = async (port: number, fastPath: boolean) => (await start('taskset', ['-c', PROXY_CPU, process.execPath, ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', fileURLToPath(import.meta.url), '--serve', String(port), String(ports.b1), String(ports.b2)], { BENCH_FAST_PATH: fastPath ? '1' : '0' }, 'ready')).pid!;
    const gatewayPid = await startGateway(ports.gateway, false);
    const fastPid = await startGateway(ports.fast, true);
    writeFileSync(join(work, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${work}/nginx.pid;
error_log ${work}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy; fastcgi_temp_path ${work}/fcgi; uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;
  upstream b1 { server 127.0.0.1:${ports.b1}; keepalive 128; }
  upstream b2 { server 127.0.0.1:${ports.b2}; keepalive 128; }
  split_clients "\${request_id}" $backend { 50% b1; * b2; }
  server {
    listen 127.0.0.1:${ports.nginx};
    location / {
      proxy_pass http://$backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`);
    const nginxPid = (await start('taskset', ['-c', PROXY_CPU, 'nginx', '-p', work, '-c', join(work, 'nginx.conf'), '-e', join(work, 'error.log')])).pid!;
    await waitForPort(ports.nginx);

    // Warm-up (JIT, connection pools), then the measured runs.
    await wrk(ports.gateway);
    await wrk(ports.fast);
    await wrk(ports.nginx);
    const direct = await wrk(ports.b1);
    const gatewayRuns: Result[] = [];
    const fastRuns: Result[] = [];
    const nginxRuns: Result[] = [];
    for (let r = 0; r < rounds; r++) {
      gatewayRuns.push(await wrk(ports.gateway, gatewayPid));
      fastRuns.push(await wrk(ports.fast, fastPid));
      nginxRuns.push(await wrk(ports.nginx, nginxPid));
    }
    const gateway = median(gatewayRuns);
    const fast = median(fastRuns);
    const nginx = median(nginxRuns);

    const row = (name: string, r: Result) =>
      `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(9)} ${(Number.isNaN(r.cpuUsPerRequest) ? '' : `${r.cpuUsPerRequest.toFixed(1)} (${r.userUs.toFixed(1)} + ${r.sysUs.toFixed(1)})`).padStart(20)}  ${r.errors}`;
    const rps = (runs: Result[]) => runs.map((r) => `${r.rps.toFixed(0)} (${r.cpuUsPerRequest.toFixed(1)} µs)`).join(' ');
    console.log(`wrk -t1 -c${connections} -d${seconds}s, median of ${rounds}; proxies on CPU ${PROXY_CPU}, wrk + backends on CPU ${LOAD_CPU}`);
    console.log(`all rounds req/s (CPU/req): gateway ${rps(gatewayRuns)}; fast path ${rps(fastRuns)}; nginx ${rps(nginxRuns)}`);
    console.log(`${'target'.padEnd(28)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'CPU µs/req (usr + sys)'.padStart(20)}`);
    console.log(row('(a) backend direct', direct));
    console.log(row('(b) gateway, node:http in', gateway));
    console.log(row("(b') gateway, fast path in", fast));
    console.log(row('(c) nginx split_clients', nginx));
    console.log(`throughput: fast/node:http ${(fast.rps / gateway.rps).toFixed(2)}×; fast/nginx ${(fast.rps / nginx.rps).toFixed(2)}×; node:http/nginx ${(gateway.rps / nginx.rps).toFixed(2)}×; fast/direct ${(fast.rps / direct.rps).toFixed(2)}×; nginx/direct ${(nginx.rps / direct.rps).toFixed(2)}×`);
    console.log(`proxy CPU per request: fast/nginx ${(fast.cpuUsPerRequest / nginx.cpuUsPerRequest).toFixed(2)}×; node:http/nginx ${(gateway.cpuUsPerRequest / nginx.cpuUsPerRequest).toFixed(2)}×`);
    console.log(`added p99 vs direct: fast ${(fast.p99 - direct.p99).toFixed(2)} ms, node:http ${(gateway.p99 - direct.p99).toFixed(2)} ms, nginx ${(nginx.p99 - direct.p99).toFixed(2)} ms`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    rmSync(work, { recursive: true, force: true });
  }
}

/** [user, sys] CPU seconds of a process and its direct children (nginx's worker). */
function cpuSeconds(pid: number): [number, number] {
  const ticks = (p: string): [number, number] => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      return [Number(fields[11]), Number(fields[12])];
    } catch { return [0, 0]; }
  };
  let children: string[] = [];
  try { children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { /* gone */ }
  const [user, sys] = [String(pid), ...children].map(ticks).reduce((a, b) => [a[0] + b[0], a[1] + b[1]]);
  return [user / 100, sys / 100];
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  if (!m) return NaN;
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[m[2]!]!;
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => { const s = connect(port, '127.0.0.1'); s.once('connect', () => { s.destroy(); r(true); }); s.once('error', () => r(false)); });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open`);
}
