/**
 * One instance of a revision: starts its process in its InstanceHost, runs startup, readiness and
 * liveness probes, restarts it with CrashLoopBackOff when it exits (or fails liveness/startup), and
 * stops it gracefully (SIGTERM to the app, SIGKILL to the whole process group after the grace
 * period). The process is spawned detached, so it leads its own process group; in a sandbox the
 * group leader is the outer bwrap, whose death (even a SIGKILL of ksrv, via --die-with-parent)
 * takes the sandbox's whole pid namespace with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { processGroupMembers, readProcStat, signalQuietly } from '../sandbox/procfs.ts';
import { INFO_FD } from '../sandbox/sandbox-command.ts';
import { CrashBackoff, type BackoffSettings } from './crash-backoff.ts';
import type { InstanceHost } from './instance-host.ts';
import { LastLines, LineSplitter } from './log-files.ts';
import { probeOnce, runProbeLoop, type ProbeSettings } from './probes.ts';

export type InstanceState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

export interface InstanceProbes { readiness: ProbeSettings; liveness?: ProbeSettings; startup?: ProbeSettings }

export interface InstanceExit { code: number; message: string; at: number }

export interface InstanceOptions {
  id: string;
  host: InstanceHost;
  probes: InstanceProbes;
  backoff: BackoffSettings;
  logger: Logger;
  /** Every output line of the instance. */
  onOutput: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Readiness, state, pid or exit changed. */
  onChange: () => void;
}

export class Instance {
  readonly id: string;
  state: InstanceState = 'starting';
  ready = false;
  restarts = 0;
  pid?: number;
  startTime?: number;
  /** pid (host view) of the sandbox's pid 1, for exec probes and graceful signals. */
  sandboxPid?: number;
  lastExit?: InstanceExit;

  private child?: ChildProcess;
  private exited?: Promise<void>;
  private stopping = false;
  private readonly stopController = new AbortController();
  private runController?: AbortController;
  private readonly backoff: CrashBackoff;
  private readonly lastLines = new LastLines();
  private loop?: Promise<void>;

  constructor(private readonly opts: InstanceOptions) {
    this.id = opts.id;
    this.backoff = new CrashBackoff(opts.backoff);
  }

  get endpoint(): { host: string; port: number } { return this.opts.host.endpoint; }
  get host(): InstanceHost { return this.opts.host; }

  start(): void {
    this.loop ??= this.runLoop().catch((err) => this.opts.logger.error({ err, instance: this.id }, 'instance loop failed'));
  }

  private async runLoop(): Promise<void> {
    while (!this.stopping) {
      const startedAt = Date.now();
      let exit: InstanceExit;
      try {
        exit = await this.runOnce();
      } catch (err) {
        exit = { code: 128, message: (err as Error).message, at: Date.now() };
      }
      if (this.stopping) break;
      this.lastExit = exit;
      this.restarts++;
      const wait = this.backoff.next(Date.now() - startedAt);
      this.setState('backoff');
      this.opts.logger.warn({ instance: this.id, exitCode: exit.code, restartInMs: wait }, 'instance exited; restarting after back-off');
      try { await delay(wait, undefined, { signal: this.stopController.signal }); } catch { break; }
    }
  }

  /** Starts the process once and resolves with how it ended. */
  private runOnce(): Promise<InstanceExit> {
    this.lastLines.clear();
    this.sandboxPid = undefined;
    const cmd = this.opts.host.command();
    const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe'];
    if (this.opts.host.sandboxed) stdio.push('pipe');
    const child = spawn(cmd.file, cmd.args, { env: cmd.env, cwd: cmd.cwd, detached: true, stdio });
    this.child = child;
    this.runController = new AbortController();
    const run = this.runController;

    return new Promise<InstanceExit>((resolve) => {
      let exitCode = 0;
      const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
      const emit = (stream: 'stdout' | 'stderr') => (line: string) => { this.lastLines.add(line); this.opts.onOutput(stream, line); };
      for (const stream of ['stdout', 'stderr'] as const) {
        child[stream]!.setEncoding('utf8');
        child[stream]!.on('data', (chunk: string) => splitters[stream].push(chunk, emit(stream)));
      }
      if (this.opts.host.sandboxed) {
        let info = '';
        const infoStream = child.stdio[INFO_FD] as NodeJS.ReadableStream;
        infoStream.setEncoding('utf8');
        infoStream.on('data', (d: string) => {
          info += d;
          const m = /"child-pid":\s*(\d+)/.exec(info);
          if (m && this.sandboxPid === undefined) this.sandboxPid = Number(m[1]);
        });
      }
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        splitters.stdout.flush(emit('stdout'));
        splitters.stderr.flush(emit('stderr'));
        run.abort();
        this.child = undefined;
        this.pid = undefined;
        this.startTime = undefined;
        this.sandboxPid = undefined;
        this.setReady(false);
        resolve({ code: exitCode, message: this.lastLines.text(), at: Date.now() });
      };
      this.exited = new Promise<void>((resolveExited) => child.once('close', () => { finish(); resolveExited(); }));
      child.once('error', (err) => {
        this.lastLines.add(`failed to start: ${err.message}`);
        exitCode = 128;
        if (child.pid === undefined) finish();
      });
      child.once('spawn', () => {
        this.pid = child.pid;
        this.startTime = child.pid ? readProcStat(child.pid)?.startTime : undefined;
        this.setState('running');
        this.startProbes(run.signal);
      });
      child.once('exit', (code, signal) => {
        exitCode = code ?? 128 + signalNumber(signal);
        // Leftovers of the group (degraded mode, or a sandbox being torn down) go with the leader.
        if (child.pid) signalQuietly(-child.pid, 'SIGKILL');
      });
    });
  }

  private startProbes(signal: AbortSignal): void {
    const target = this.opts.host.endpoint;
    const attempt = (s: ProbeSettings) => (timeoutMs: number) => probeOnce(s.action, target, timeoutMs, (argv, t) => this.exec(argv, t));
    const { readiness, liveness, startup } = this.opts.probes;
    const afterStartup = () => {
      void runProbeLoop(readiness, attempt(readiness), signal, false, (ok) => this.setReady(ok));
      if (liveness) {
        void runProbeLoop(liveness, attempt(liveness), signal, true, (ok) => {
          if (!ok) this.restartAfterProbeFailure('liveness');
        });
      }
    };
    if (!startup) { afterStartup(); return; }
    const startupDone = new AbortController();
    signal.addEventListener('abort', () => startupDone.abort(), { once: true });
    void runProbeLoop(startup, attempt(startup), startupDone.signal, false, (ok) => {
      if (ok) { startupDone.abort(); afterStartup(); } else this.restartAfterProbeFailure('startup');
    });
  }

  private restartAfterProbeFailure(probe: string): void {
    if (this.stopping || !this.child) return;
    this.opts.logger.warn({ instance: this.id, probe }, `${probe} probe failed; restarting the container`);
    this.lastLines.add(`${probe} probe failed`);
    void this.terminate(10_000);
  }

  /** Runs a command inside the instance (exec probes); true when it exits 0 within the timeout. */
  exec(argv: string[], timeoutMs: number): Promise<boolean> {
    let cmd;
    try { cmd = this.opts.host.execCommand(this.sandboxPid, argv); } catch { return Promise.resolve(false); }
    return new Promise((resolve) => {
      const child = spawn(cmd.file, cmd.args, { env: cmd.env, cwd: cmd.cwd, detached: true, stdio: 'ignore' });
      const timer = setTimeout(() => { if (child.pid) signalQuietly(-child.pid, 'SIGKILL'); }, timeoutMs);
      child.once('error', () => { clearTimeout(timer); resolve(false); });
      child.once('exit', (code) => { clearTimeout(timer); resolve(code === 0); });
    });
  }

  /** SIGTERM to the app (not to bwrap, which would take the sandbox down at once), SIGKILL to the group after graceMs. */
  private async terminate(graceMs: number): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (!child?.pid || !exited) return;
    const pgid = child.pid;
    if (this.opts.host.sandboxed && this.sandboxPid !== undefined) {
      for (const pid of processGroupMembers(pgid)) if (pid !== pgid && pid !== this.sandboxPid) signalQuietly(pid, 'SIGTERM');
    } else if (this.opts.host.sandboxed) {
      signalQuietly(-pgid, 'SIGKILL');
    } else {
      signalQuietly(-pgid, 'SIGTERM');
    }
    const timer = setTimeout(() => signalQuietly(-pgid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async stop(graceMs: number): Promise<void> {
    if (this.state === 'stopped') return;
    this.stopping = true;
    this.stopController.abort();
    this.runController?.abort();
    this.setReady(false);
    this.setState('stopping');
    await this.terminate(graceMs);
    await this.loop;
    await this.opts.host.release();
    this.setState('stopped');
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.opts.onChange();
  }

  private setState(state: InstanceState): void {
    this.state = state;
    this.opts.onChange();
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };
  return signal ? numbers[signal] ?? 0 : 0;
}
