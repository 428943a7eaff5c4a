/**
 * Container probes with Kubernetes defaults and Knative's readiness twist: a readiness probe whose
 * periodSeconds is 0/unset is "aggressive" (every 50 ms with a 100 ms timeout until it first
 * succeeds, like queue-proxy; every 3 ms during the first 200 ms), and every serving container has a readiness probe (default: TCP on
 * the container port). httpGet and tcpSocket always target the container port, as Knative rewrites
 * them; gRPC probes are checked as TCP.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export type ProbeAction =
  | { kind: 'http'; path: string; scheme: 'HTTP' | 'HTTPS'; headers: Record<string, string> }
  | { kind: 'tcp' }
  | { kind: 'exec'; command: string[] };

export interface ProbeSettings {
  action: ProbeAction;
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
  /** Knative aggressive readiness: poll every 50 ms / 100 ms timeout until the first success. */
  aggressive: boolean;
}

export interface ProbeTarget { host: string; port: number }

export const AGGRESSIVE_PERIOD_MS = 50;
export const AGGRESSIVE_TIMEOUT_MS = 100;
/**
 * The first moments of an aggressive probe poll faster still: most apps start listening within
 * them, and every millisecond until the first success is added to a cold start.
 */
export const AGGRESSIVE_FAST_PERIOD_MS = 3;
export const AGGRESSIVE_FAST_PHASE_MS = 200;

function probeAction(probe: any): ProbeAction {
  if (probe?.httpGet) {
    const headers: Record<string, string> = {};
    for (const h of probe.httpGet.httpHeaders ?? []) if (h?.name) headers[h.name] = String(h.value ?? '');
    return { kind: 'http', path: probe.httpGet.path || '/', scheme: probe.httpGet.scheme === 'HTTPS' ? 'HTTPS' : 'HTTP', headers };
  }
  if (probe?.exec?.command?.length) return { kind: 'exec', command: probe.exec.command.map(String) };
  return { kind: 'tcp' };
}

function seconds(value: unknown, fallback: number): number {
  return typeof value === 'number' && value > 0 ? value : fallback;
}

function settings(probe: any, aggressive: boolean): ProbeSettings {
  return {
    action: probeAction(probe),
    initialDelayMs: seconds(probe?.initialDelaySeconds, 0) * 1000,
    periodMs: seconds(probe?.periodSeconds, 10) * 1000,
    timeoutMs: seconds(probe?.timeoutSeconds, 1) * 1000,
    successThreshold: seconds(probe?.successThreshold, 1),
    failureThreshold: seconds(probe?.failureThreshold, 3),
    aggressive,
  };
}

export function readinessSettings(probe: any): ProbeSettings {
  return settings(probe, !(typeof probe?.periodSeconds === 'number' && probe.periodSeconds > 0));
}

export function livenessSettings(probe: any): ProbeSettings | undefined {
  return probe ? settings(probe, false) : undefined;
}

export const startupSettings = livenessSettings;

export type ExecRunner = (command: string[], timeoutMs: number) => Promise<boolean>;

export function probeOnce(action: ProbeAction, target: ProbeTarget, timeoutMs: number, exec: ExecRunner): Promise<boolean> {
  switch (action.kind) {
    case 'tcp': return tcpProbe(target, timeoutMs);
    case 'http': return httpProbe(action, target, timeoutMs);
    case 'exec': return exec(action.command, timeoutMs);
  }
}

function tcpProbe(target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const done = (ok: boolean) => { socket.destroy(); clearTimeout(timer); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function httpProbe(action: Extract<ProbeAction, { kind: 'http' }>, target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const lib = action.scheme === 'HTTPS' ? https : http;
    const req = lib.request({
      host: target.host, port: target.port, path: action.path, method: 'GET', agent: false, rejectUnauthorized: false,
      headers: { 'User-Agent': 'kube-probe/1.30', Accept: '*/*', ...action.headers },
    }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      clearTimeout(timer);
      req.destroy();
      resolve(code >= 200 && code < 400);
    });
    const timer = setTimeout(() => { req.destroy(); resolve(false); }, timeoutMs);
    req.once('error', () => { clearTimeout(timer); resolve(false); });
    req.end();
  });
}

/**
 * Runs a probe until `signal` aborts, reporting each change of its verdict: `true` after
 * successThreshold consecutive successes, `false` after failureThreshold consecutive failures.
 * `initial` is the verdict before the first attempt (readiness starts false, liveness true).
 */
export async function runProbeLoop(s: ProbeSettings, attempt: (timeoutMs: number) => Promise<boolean>, signal: AbortSignal,
  initial: boolean, onVerdict: (ok: boolean) => void): Promise<void> {
  let verdict = initial;
  let successes = 0;
  let failures = 0;
  let aggressive = s.aggressive;
  try {
    if (s.initialDelayMs > 0) await delay(s.initialDelayMs, undefined, { signal });
    const fastUntil = performance.now() + AGGRESSIVE_FAST_PHASE_MS;
    while (!signal.aborted) {
      const ok = await attempt(aggressive ? AGGRESSIVE_TIMEOUT_MS : s.timeoutMs);
      if (signal.aborted) return;
      if (ok) { successes++; failures = 0; } else { failures++; successes = 0; }
      if (!verdict && ok && (aggressive || successes >= s.successThreshold)) {
        verdict = true;
        aggressive = false;
        onVerdict(true);
      } else if (verdict && !ok && failures >= s.failureThreshold) {
        verdict = false;
        onVerdict(false);
      } else if (!verdict && !ok && !aggressive && failures >= s.failureThreshold && failures % s.failureThreshold === 0) {
        onVerdict(false);
      }
      const period = !aggressive ? s.periodMs : performance.now() < fastUntil ? AGGRESSIVE_FAST_PERIOD_MS : AGGRESSIVE_PERIOD_MS;
      await delay(period, undefined, { signal });
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
}
