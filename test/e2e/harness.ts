/**
 * Starts the real `ksrv up` as a child process on a fresh data dir and random port, and runs the
 * real kubectl against it with its own kubeconfig and discovery cache.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(ROOT, 'test/fixtures');
const KSRV = join(ROOT, 'bin/ksrv');

export interface RunResult { code: number; stdout: string; stderr: string }

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolveRun({ code: code ?? -1, stdout, stderr }); });
    if (child.stdin) {
      // A command may exit without reading its input (EPIPE): that is its answer, not an error.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
  });
}

export class Ksrv {
  readonly dataDir: string;
  readonly cacheDir: string;
  child: ChildProcess | undefined;
  kubeconfig = '';
  /** http://host:port of the gateway, from the banner. */
  gatewayUrl = '';
  /** With the token in its fragment. */
  dashboardUrl = '';
  output = '';
  readonly #ownsDataDir: boolean;

  constructor(dataDir?: string) {
    this.#ownsDataDir = !dataDir;
    this.dataDir = dataDir ?? mkdtempSync(join(tmpdir(), 'ksrv-e2e-'));
    this.cacheDir = mkdtempSync(join(tmpdir(), 'ksrv-kubecache-'));
  }

  /** Starts `ksrv up` and resolves once it printed its KUBECONFIG line. */
  async start(extraArgs: string[] = []): Promise<void> {
    // Free ports unless the test asks for some, so parallel runs do not collide on 8080/8090.
    const freePort = (flag: string) => (extraArgs.includes(flag) ? [] : [flag, '127.0.0.1:0']);
    const args = ['up', '--data-dir', this.dataDir, '--api-address', '127.0.0.1:0',
      ...freePort('--gateway-address'), ...freePort('--dashboard-address'), ...extraArgs];
    const child = spawn(KSRV, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    await new Promise<void>((resolveStart, reject) => {
      const timer = setTimeout(() => reject(new Error(`ksrv did not start in 60 s:\n${this.output}`)), 60_000);
      const onData = (d: Buffer) => {
        this.output += d;
        const m = /export KUBECONFIG=(\S+)/.exec(this.output);
        if (m) {
          clearTimeout(timer);
          this.kubeconfig = m[1]!;
          this.gatewayUrl = /gateway:\s+(http:\/\/\S+)/.exec(this.output)?.[1] ?? '';
          this.dashboardUrl = /dashboard:\s+(http:\/\/\S+)/.exec(this.output)?.[1] ?? '';
          resolveStart();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d) => { this.output += d; });
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`ksrv exited with ${code}:\n${this.output}`)); });
    });
  }

  env(): NodeJS.ProcessEnv {
    return { ...process.env, KUBECONFIG: this.kubeconfig, KUBECACHEDIR: this.cacheDir, HOME: this.cacheDir };
  }

  kubectl(args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return run('kubectl', args, { env: { ...this.env(), ...opts.env }, input: opts.input, timeoutMs: opts.timeoutMs });
  }

  /** kubectl that must succeed; returns stdout. */
  async k(...args: string[]): Promise<string> {
    const r = await this.kubectl(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Graceful stop (SIGINT, as Ctrl-C); resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(signal);
    return exited;
  }

  async kill9(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async cleanup(): Promise<void> {
    await this.stop();
    rmSync(this.cacheDir, { recursive: true, force: true });
    if (this.#ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Polls `check` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
