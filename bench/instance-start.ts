/**
 * Instance start-up cost of the process runtime: spawn-to-ready p50/p95 of the example app in a
 * sandbox (network namespace + veth + bwrap) vs the same binary started bare, 20 trials each, and
 * the memory an idle sandbox adds beyond the app's own (RSS of bwrap's two processes).
 * Needs root, bwrap, ip, nsenter and go.   Run: node --import tsx bench/instance-start.ts
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../src/runtime/process/instance-host.ts';
import { ProcessRuntime } from '../src/runtime/process/process-runtime.ts';
import { buildExampleApp, FakeImageResolver, makeExampleRootfs, revisionObject, sandboxTestsSkipReason } from '../src/runtime/process/testing/example-app.ts';
import { processGroupMembers } from '../src/runtime/sandbox/procfs.ts';

const TRIALS = 20;

const skip = sandboxTestsSkipReason();
if (skip) {
  console.log(`instance-start bench skipped: ${skip}`);
  process.exit(0);
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function untilListening(host: string, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await connects(host, port))) {
    if (Date.now() > deadline) throw new Error(`${host}:${port} never listened`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function rssKb(pid: number): number {
  try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0); } catch { return 0; }
}

function commandName(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

const work = mkdtempSync(join(tmpdir(), 'ksrv-bench-'));
chmodSync(work, 0o755);
const binary = buildExampleApp();
const rootfs = makeExampleRootfs(join(work, 'rootfs'), binary);
const images = new FakeImageResolver();
images.add('bench/rest-api:v1', rootfs);
const runtime = new ProcessRuntime({ dataDir: join(work, 'data'), images, graceSeconds: 1 });

try {
  const bare: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const port = await freeLoopbackPort();
    const started = performance.now();
    const child = spawn(binary, [], { env: { LISTEN_PORT: String(port), RESOURCE: 'bench' }, stdio: 'ignore' });
    await untilListening('127.0.0.1', port);
    bare.push(performance.now() - started);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }

  const sandboxed: number[] = [];
  const reportedReady: number[] = [];
  let overheadKb = 0;
  let appKb = 0;
  for (let i = 0; i < TRIALS; i++) {
    const name = `bench-${String(i).padStart(5, '0')}`;
    const started = performance.now();
    await runtime.ensure(revisionObject(name, { image: 'bench/rest-api:v1' }), 1);
    const [instance] = runtime.instances('default', name);
    await untilListening(instance!.host, instance!.port);
    sandboxed.push(performance.now() - started);
    while (runtime.endpoints('default', name).length === 0) await new Promise((r) => setTimeout(r, 2));
    reportedReady.push(performance.now() - started);
    if (i === TRIALS - 1) {
      await new Promise((r) => setTimeout(r, 500)); // let the app settle to idle before measuring memory
      const [idle] = runtime.instances('default', name);
      for (const pid of processGroupMembers(idle!.pid!)) {
        if (commandName(pid) === 'bwrap') overheadKb += rssKb(pid);
        else appKb += rssKb(pid);
      }
    }
    await runtime.remove('default', name);
  }

  const fmt = (v: number[]) => `p50 ${percentile(v, 50).toFixed(1)} ms, p95 ${percentile(v, 95).toFixed(1)} ms`;
  console.log(`instance start, ${TRIALS} trials each (example Go app, spawn → TCP port accepting):`);
  console.log(`  bare process:            ${fmt(bare)}`);
  console.log(`  sandboxed (netns+bwrap): ${fmt(sandboxed)}`);
  console.log(`  sandboxed, until the runtime reports it ready (aggressive 50 ms probe): ${fmt(reportedReady)}`);
  console.log(`memory of an idle sandboxed instance: app ${(appKb / 1024).toFixed(1)} MiB RSS, sandbox overhead (2 bwrap processes) ${(overheadKb / 1024).toFixed(1)} MiB RSS`);
} finally {
  await runtime.close();
  rmSync(work, { recursive: true, force: true });
}
