/**
 * Issue 4: protocols through a real `ksrv up`, to apps packaged with `ksrv image build` (Node.js on
 * the host's node through `dev.ksrv.host-paths`, test/fixtures/apps/) running as sandboxed revisions:
 * a WebSocket echo, a 100 MB streamed upload that must not grow ksrv's memory by anything like
 * 100 MB, and a gRPC-shaped call over h2c to a revision whose port is named `h2c`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as h2connect } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Agent, WebSocket } from 'undici';
import { sandboxTestsSkipReason } from '../../src/runtime/process/testing/example-app.ts';
import { FIXTURES, Ksrv, ROOT, run } from './harness.ts';

const skip = sandboxTestsSkipReason();
const host = (svc: string) => `${svc}.default.example.com`;

const APPS = {
  'ws-echo': { dir: 'websocket', port: { containerPort: 8080 } },
  'upload-counter': { dir: 'upload', port: { containerPort: 8080 } },
  'grpc-echo': { dir: 'grpc', port: { name: 'h2c', containerPort: 8080 } },
} as const;

/** Resident set size of a process in bytes. */
function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** `size` bytes in 64 KiB chunks, produced on demand (backpressure decides the pace). */
function bytesStream(size: number): Readable {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) { this.push(null); return; }
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

function upload(base: URL, hostname: string, size: number, chunked: boolean, path = '/upload'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { host: hostname, 'content-type': 'application/octet-stream' };
    if (!chunked) headers['content-length'] = size;
    const req = request({ host: base.hostname, port: base.port, method: 'POST', path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    bytesStream(size).pipe(req);
  });
}

/** A gRPC unary call (length-prefixed message, trailers) over one prior-knowledge h2c session. */
function grpcCall(session: ReturnType<typeof h2connect>, authority: string, path: string, message: string): Promise<{ headers: Record<string, unknown>; message: string; trailers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(message);
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(payload.length, 1);
    const stream = session.request({ ':method': 'POST', ':path': path, ':authority': authority, 'content-type': 'application/grpc', te: 'trailers' });
    let headers: Record<string, unknown> = {};
    let trailers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => { headers = h; });
    stream.on('trailers', (t) => { trailers = t; });
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.length >= 5 ? body.subarray(5, 5 + body.readUInt32BE(1)).toString() : '';
      resolve({ headers, message: text, trailers });
    });
    stream.on('error', reject);
    stream.end(Buffer.concat([prefix, payload]));
  });
}

describe('protocols through ksrv up to sandboxed revisions', { skip }, () => {
  const ksrv = new Ksrv();
  let base: URL;
  /** Connects every WebSocket to the gateway whatever host its URL names (the gateway routes by Host). */
  let toGateway: Agent;

  before(async () => {
    for (const [svc, app] of Object.entries(APPS)) {
      const r = await run(join(ROOT, 'bin/ksrv'), ['image', 'build', join(FIXTURES, 'apps', app.dir), '--tag', `ksrv.local/${svc}:v1`, '--data-dir', ksrv.dataDir]);
      assert.equal(r.code, 0, r.stderr);
    }
    await ksrv.start();
    base = new URL(ksrv.gatewayUrl);
    toGateway = new Agent({
      connect: (_opts, callback) => {
        const socket = netConnect(Number(base.port), base.hostname);
        socket.once('connect', () => callback(null, socket));
        socket.once('error', (err) => callback(err, null));
      },
    });
    for (const [svc, app] of Object.entries(APPS)) {
      const manifest = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: svc }, spec: { template: { spec: { containers: [{ image: `ksrv.local/${svc}:v1`, ports: [app.port] }] } } } };
      const r = await ksrv.kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
      assert.equal(r.code, 0, r.stderr);
    }
    for (const svc of Object.keys(APPS)) await ksrv.k('wait', '--for=condition=Ready', `ksvc/${svc}`, '--timeout=90s');
  });
  after(async () => {
    await toGateway?.close();
    await ksrv.cleanup();
  });

  it('WebSocket: text and binary messages echo through the gateway, then a clean close', async () => {
    const ws = new WebSocket(`ws://${host('ws-echo')}/chat`, { dispatcher: toGateway });
    ws.binaryType = 'arraybuffer';
    const received: (string | ArrayBuffer)[] = [];
    let onMessage: () => void = () => undefined;
    ws.onmessage = (e) => { received.push(e.data); onMessage(); };
    await new Promise<void>((resolve, reject) => { ws.onopen = () => resolve(); ws.onerror = () => reject(new Error('websocket failed to open')); });
    const nextMessages = (n: number) => new Promise<void>((resolve) => { onMessage = () => { if (received.length >= n) resolve(); }; });

    const binary = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
    const all = nextMessages(102);
    ws.send('hello through ksrv');
    for (let i = 0; i < 100; i++) ws.send(`message ${i}`);
    ws.send(binary);
    await all;
    assert.equal(received[0], 'hello through ksrv');
    assert.deepEqual(received.slice(1, 101), Array.from({ length: 100 }, (_, i) => `message ${i}`));
    assert.deepEqual(new Uint8Array(received[101] as ArrayBuffer), binary);

    const closed = new Promise<{ code: number; wasClean: boolean }>((resolve) => { ws.onclose = (e) => resolve({ code: e.code, wasClean: e.wasClean }); });
    ws.close(1000, 'done');
    assert.deepEqual(await closed, { code: 1000, wasClean: true });
  });

  it('a 100 MB upload streams through (the app counts every byte) without ksrv buffering it', async (t) => {
    const pid = ksrv.child!.pid!;
    // Warm the path first, so JIT and pool allocations are not counted as the upload's.
    assert.equal((await upload(base, host('upload-counter'), 4 * 1024 * 1024, false)).status, 200);
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => { peak = Math.max(peak, rssOf(pid)); }, 20);
    try {
      const size = 100 * 1024 * 1024;
      // The app stops reading for a second after 1 MiB: without backpressure ksrv would pull the
      // remaining 99 MiB from this client into its memory meanwhile.
      const sized = await upload(base, host('upload-counter'), size, false, '/upload?stall-ms=1000');
      assert.equal(sized.status, 200, sized.body);
      assert.deepEqual(JSON.parse(sized.body), { method: 'POST', bytes: size, chunked: false });
      const chunked = await upload(base, host('upload-counter'), size, true);
      assert.equal(chunked.status, 200, chunked.body);
      assert.deepEqual(JSON.parse(chunked.body), { method: 'POST', bytes: size, chunked: true });
    } finally {
      clearInterval(sampler);
    }
    const growthMb = (peak - baseline) / 2 ** 20;
    t.diagnostic(`ksrv RSS ${(baseline / 2 ** 20).toFixed(0)} MB before, peak +${growthMb.toFixed(1)} MB during 2 × 100 MB`);
    // Streamed chunks are garbage once forwarded; V8 collects them when about 64 MB of external
    // (Buffer) memory has piled up, so some growth is expected — but never a whole upload.
    assert.ok(growthMb < 70, `ksrv's RSS grew by ${growthMb.toFixed(1)} MB during 100 MB uploads (baseline ${(baseline / 2 ** 20).toFixed(0)} MB)`);
  });

  it('gRPC over h2c: a revision whose port is named h2c gets HTTP/2, answers a message and grpc-status trailers', async () => {
    const session = h2connect(ksrv.gatewayUrl);
    try {
      const calls = await Promise.all(Array.from({ length: 20 }, (_, i) => grpcCall(session, host('grpc-echo'), '/echo.Echo/Say', `hello ${i}`)));
      calls.forEach((call, i) => {
        assert.equal(call.headers[':status'], 200);
        assert.equal(call.headers['content-type'], 'application/grpc');
        // "h2" comes from the app's http2 server: the gateway spoke HTTP/2 to the instance.
        assert.equal(call.message, `h2 hello ${i}`);
        assert.equal(call.trailers['grpc-status'], '0');
        assert.equal(call.trailers['grpc-message'], 'OK');
      });
      const unknown = await grpcCall(session, host('grpc-echo'), '/echo.Echo/Nope', 'x');
      assert.equal(unknown.trailers['grpc-status'], '12');
    } finally {
      session.close();
    }
  });
});
