import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { CrashBackoff } from './crash-backoff.ts';
import { parseDurationMs } from './process-runtime.ts';
import { AGGRESSIVE_TIMEOUT_MS, probeOnce, readinessSettings, runProbeLoop, livenessSettings } from './probes.ts';

describe('probe settings', () => {
  it('defaults readiness to an aggressive TCP probe and applies Kubernetes defaults', () => {
    const r = readinessSettings(undefined);
    assert.deepEqual(r.action, { kind: 'tcp' });
    assert.equal(r.aggressive, true);
    const p = readinessSettings({ httpGet: { path: '/healthz', httpHeaders: [{ name: 'X', value: 'y' }] }, periodSeconds: 2 });
    assert.deepEqual(p.action, { kind: 'http', path: '/healthz', scheme: 'HTTP', headers: { X: 'y' } });
    assert.equal(p.aggressive, false);
    assert.equal(p.periodMs, 2000);
    const l = livenessSettings({ exec: { command: ['true'] } })!;
    assert.deepEqual([l.periodMs, l.timeoutMs, l.failureThreshold, l.successThreshold], [10_000, 1000, 3, 1]);
    assert.equal(livenessSettings(undefined), undefined);
  });
});

describe('runProbeLoop', () => {
  it('aggressive readiness: polls with the 100 ms timeout until the first success', async () => {
    const results = [false, false, true];
    const timeouts: number[] = [];
    const verdicts: boolean[] = [];
    const ctl = new AbortController();
    await runProbeLoop(readinessSettings(undefined), async (t) => {
      timeouts.push(t);
      return results.shift() ?? true;
    }, ctl.signal, false, (ok) => { verdicts.push(ok); ctl.abort(); });
    assert.deepEqual(verdicts, [true]);
    assert.deepEqual(timeouts, [AGGRESSIVE_TIMEOUT_MS, AGGRESSIVE_TIMEOUT_MS, AGGRESSIVE_TIMEOUT_MS]);
  });

  it('liveness: reports failure after failureThreshold consecutive failures', async () => {
    const ctl = new AbortController();
    const verdicts: boolean[] = [];
    let calls = 0;
    const s = { ...livenessSettings({ tcpSocket: {}, failureThreshold: 2 })!, periodMs: 1 };
    await runProbeLoop(s, async () => { calls++; return calls === 1; }, ctl.signal, true, (ok) => { verdicts.push(ok); ctl.abort(); });
    assert.deepEqual(verdicts, [false]);
    assert.equal(calls, 3);
  });
});

describe('probeOnce', () => {
  it('HTTP: 2xx/3xx succeed, others and closed ports fail; TCP connects', async () => {
    const server = http.createServer((req, res) => { res.statusCode = req.url === '/ok' ? 302 : 503; res.end(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const exec = async () => false;
    try {
      const target = { host: '127.0.0.1', port };
      assert.equal(await probeOnce({ kind: 'http', path: '/ok', scheme: 'HTTP', headers: {} }, target, 1000, exec), true);
      assert.equal(await probeOnce({ kind: 'http', path: '/bad', scheme: 'HTTP', headers: {} }, target, 1000, exec), false);
      assert.equal(await probeOnce({ kind: 'tcp' }, target, 1000, exec), true);
    } finally {
      await new Promise((r) => server.close(r));
    }
    assert.equal(await probeOnce({ kind: 'tcp' }, { host: '127.0.0.1', port }, 1000, exec), false);
  });
});

describe('CrashBackoff and durations', () => {
  it('doubles from 1 s to the 5 min cap and resets after 10 min of running', () => {
    const b = new CrashBackoff();
    const delays = Array.from({ length: 11 }, () => b.next(1000));
    assert.deepEqual(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map((s) => s * 1000));
    assert.equal(b.next(600_000), 1000);
    assert.equal(b.next(5), 2000);
  });
  it('parses Go durations', () => {
    assert.equal(parseDurationMs('600s'), 600_000);
    assert.equal(parseDurationMs('1h30m'), 5_400_000);
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('10'), undefined);
    assert.equal(parseDurationMs('5x'), undefined);
  });
});
