/**
 * The gateway's lean inbound HTTP/1.1 path: byte-for-byte the same responses as through node:http
 * (a gateway with `fastPath: false` side by side), pipelining, mid-connection fall-back, HEAD,
 * HTTP/1.0, limits, forwarding headers, request bodies.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Endpoint, EndpointSource } from './backends.ts';
import { fastPathStats, parseHead } from './fast-http1.ts';
import { Gateway } from './gateway.ts';

const HOST = 'web.default.example.com';

/** An upstream with a few behaviours chosen by path; its own Date header is pinned so outputs compare. */
function upstream(): Server {
  return createServer((req, res) => {
    res.sendDate = false;
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/headers') {
      const h = { ...req.headers };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(h));
      return;
    }
    if (url.pathname === '/chunked') { res.write('part one;'); setTimeout(() => res.end('part two'), 5); return; }
    if (url.pathname === '/empty') { res.writeHead(204); res.end(); return; }
    if (url.pathname === '/notmod') { res.writeHead(304, { etag: '"x"' }); res.end(); return; }
    if (url.pathname === '/trailers') {
      res.writeHead(200, { trailer: 'x-sum' });
      res.write('abc');
      res.addTrailers({ 'x-sum': '42' });
      res.end();
      return;
    }
    if (url.pathname === '/big') { res.end(Buffer.alloc(200_000, 98)); return; }
    let n = 0;
    req.on('data', (d: Buffer) => { n += d.length; });
    req.on('end', () => res.end(`${req.method} ${req.url} body=${n}`));
  });
}

class StaticEndpoints implements EndpointSource {
  constructor(private readonly eps: Record<string, Endpoint[]>) {}
  endpoints(_ns: string, rev: string): Endpoint[] { return this.eps[rev] ?? []; }
  onEndpointsChange(): void {}
}

/** Writes `data` (all at once, or piece by piece with pauses) and returns everything read until the server closes. */
async function exchange(port: number, data: string | Buffer | (string | Buffer)[], opts: { gapMs?: number } = {}): Promise<string> {
  const sock = connect(port, '127.0.0.1');
  let got = '';
  sock.setEncoding('latin1');
  sock.on('data', (d) => { got += d; });
  sock.on('error', () => undefined);
  const closed = once(sock, 'close');
  await once(sock, 'connect');
  for (const piece of Array.isArray(data) ? data : [data]) {
    sock.write(piece);
    if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
  }
  await closed;
  return got;
}

const normalize = (raw: string) => raw.replace(/^Date: .*$/gim, 'Date: <date>');

describe('fast HTTP/1.1 path', () => {
  const servers: Server[] = [];
  let fast: Gateway;
  let slow: Gateway;
  let fastPort = 0;
  let slowPort = 0;

  before(async () => {
    const s = upstream();
    servers.push(s);
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    const ep = { host: '127.0.0.1', port: (s.address() as AddressInfo).port };
    const source = new StaticEndpoints({ v1: [ep] });
    const route = {
      namespace: 'default', route: 'web', visibility: 'ExternalIP' as const,
      groups: [
        { tag: '', hosts: [HOST], splits: [{ revisionName: 'v1', percent: 100 }] },
        { tag: 'none', hosts: ['none-web.default.example.com'], splits: [{ revisionName: 'nothing', percent: 100 }] },
      ],
    };
    fast = new Gateway({ endpoints: source, fastPath: true, headersTimeoutMs: 1_000, maxHeaderBytes: 8 * 1024 });
    slow = new Gateway({ endpoints: source, fastPath: false, headersTimeoutMs: 1_000, maxHeaderBytes: 8 * 1024 });
    for (const g of [fast, slow]) g.table.update('default/web', route);
    fastPort = (await fast.listen('127.0.0.1', 0)).port;
    slowPort = (await slow.listen('127.0.0.1', 0)).port;
  });
  after(async () => {
    await fast.close();
    await slow.close();
    for (const s of servers) { s.closeAllConnections(); s.close(); }
  });

  const cases: [string, string | string[], boolean][] = [
    ['GET keep-alive then close', `GET /a HTTP/1.1\r\nHost: ${HOST}\r\n\r\nGET /b?x=1 HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, true],
    ['HEAD', `HEAD /a HTTP/1.1\r\nHost: ${HOST}\r\n\r\nHEAD /chunked HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, true],
    ['HTTP/1.0 keep-alive, then 1.0 without', `GET /a HTTP/1.0\r\nHost: ${HOST}\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`, true],
    ['HTTP/1.0 keep-alive, body until close', `GET /chunked HTTP/1.0\r\nHost: ${HOST}\r\nConnection: Keep-Alive\r\n\r\n`, true],
    ['chunked response re-framed; 204; 304; trailers', `GET /chunked HTTP/1.1\r\nHost: ${HOST}\r\n\r\nGET /empty HTTP/1.1\r\nHost: ${HOST}\r\n\r\nGET /notmod HTTP/1.1\r\nHost: ${HOST}\r\n\r\nGET /trailers HTTP/1.1\r\nHost: ${HOST}\r\nTE: trailers\r\nConnection: close\r\n\r\n`, true],
    ['POST with a body, pipelined', `POST /p HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\n\r\nhelloPUT /q HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 0\r\n\r\nDELETE /r HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, true],
    ['forwarding headers', `GET /headers HTTP/1.1\r\nHost: ${HOST}:80\r\nX-Forwarded-For: 10.1.1.1\r\nForwarded: for=10.1.1.1\r\nConnection: keep-alive, x-secret\r\nX-Secret: s\r\nX-Kept:  k \r\n\r\nGET /headers HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, true],
    ['large response', `GET /big HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`, true],
    ['no ready instance: 503', `GET / HTTP/1.1\r\nHost: none-web.default.example.com\r\nConnection: close\r\n\r\n`, true],
    ['unknown host falls back: 404', `GET / HTTP/1.1\r\nHost: nope.example.com\r\nConnection: close\r\n\r\n`, false],
    ['chunked request body falls back', `POST /c HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, false],
    ['bad request line falls back: 400', `GET /a b HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, false],
    ['head in pieces falls back', [`GET /a HTTP/1.1\r\nHo`, `st: ${HOST}\r\nConnection: close\r\n\r\n`], false],
  ];
  for (const [name, input, onFastPath] of cases) {
    it(`same bytes as node:http: ${name}`, async () => {
      const before = { ...fastPathStats };
      const viaFast = await exchange(fastPort, input, { gapMs: Array.isArray(input) ? 30 : 0 });
      const served = fastPathStats.requests - before.requests;
      const viaSlow = await exchange(slowPort, input, { gapMs: Array.isArray(input) ? 30 : 0 });
      assert.equal(normalize(viaFast), normalize(viaSlow).replaceAll(`:${slowPort}`, `:${fastPort}`));
      assert.ok(viaFast.startsWith('HTTP/1.1 '), viaFast);
      if (onFastPath) assert.ok(served > 0 && fastPathStats.fallbacks === before.fallbacks, `expected the fast path: ${served} served`);
      else assert.equal(fastPathStats.fallbacks, before.fallbacks + 1);
    });
  }

  it('forwarding headers on the fast path', async () => {
    const raw = await exchange(fastPort, `GET /headers HTTP/1.1\r\nHost: ${HOST}\r\nX-Forwarded-For: 10.9.9.9\r\nConnection: close, x-secret\r\nX-Secret: s\r\nX-Kept: k\r\n\r\n`);
    const h = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    assert.equal(h.host, HOST);
    assert.equal(h['x-forwarded-for'], '10.9.9.9, 127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-host'], HOST);
    assert.equal(h.forwarded, `for=127.0.0.1;host="${HOST}";proto=http`);
    assert.equal(h['x-secret'], undefined);
    assert.equal(h['x-kept'], 'k');
  });

  it('pipelining: ten requests in one write are answered in order', async () => {
    const before = fastPathStats.requests;
    let input = '';
    for (let i = 0; i < 10; i++) input += i % 3 === 1 ? `POST /${i} HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: ${i}\r\n\r\n${'x'.repeat(i)}` : `GET /${i} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
    input += `GET /last HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`;
    const raw = await exchange(fastPort, input);
    const bodies = [...raw.matchAll(/(GET|POST) (\/\w+) body=(\d+)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    assert.deepEqual(bodies, [...Array.from({ length: 10 }, (_, i) => (i % 3 === 1 ? `POST /${i} ${i}` : `GET /${i} 0`)), 'GET /last 0']);
    assert.equal(fastPathStats.requests - before, 11);
  });

  it('mid-connection fall-back: first request fast, second chunked, third after it; in order', async () => {
    const before = { ...fastPathStats };
    const raw = await exchange(fastPort, [
      `GET /one HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`,
      `POST /two HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\nGET /three HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`,
    ], { gapMs: 50 });
    const bodies = [...raw.matchAll(/(GET|POST) (\/\w+) body=(\d+)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    assert.deepEqual(bodies, ['GET /one 0', 'POST /two 4', 'GET /three 0']);
    assert.equal(fastPathStats.requests - before.requests, 1);
    assert.equal(fastPathStats.fallbacks - before.fallbacks, 1);
  });

  it('a body arriving in pieces, and a 20 MB Content-Length upload, stream through', async () => {
    const raw = await exchange(fastPort, [`POST /p HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc`, 'defg', 'hij'], { gapMs: 20 });
    assert.match(raw, /POST \/p body=10$/);
    const size = 20 << 20;
    const sock = connect(fastPort, '127.0.0.1');
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => { got += d; });
    sock.write(`POST /up HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`);
    const chunk = Buffer.alloc(1 << 20, 7);
    for (let i = 0; i < 20; i++) if (!sock.write(chunk)) await once(sock, 'drain');
    await once(sock, 'close');
    assert.match(got, new RegExp(`POST /up body=${size}$`));
  });

  it('limits on the fast path port: an oversized head gets 431, a client that never finishes its head gets 408', async () => {
    const big = await exchange(fastPort, `GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1\.1 431 /);
    const slowloris = await exchange(fastPort, `GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-Slow: 1\r\n`);
    assert.match(slowloris, /^HTTP\/1\.1 408 /);
    // The same after a first request served on the fast path.
    const second = await exchange(fastPort, [`GET /a HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, `GET / HTTP/1.1\r\nHost: ${HOST}\r\n`], { gapMs: 50 });
    assert.match(second, /^HTTP\/1\.1 200 [\s\S]*HTTP\/1\.1 408 /);
  });

  it('metrics count fast-path requests like any other', async () => {
    const before = fast.metrics.revision('default', 'v1')!;
    await exchange(fastPort, `GET /a HTTP/1.1\r\nHost: ${HOST}\r\n\r\nGET /b HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    const now = fast.metrics.revision('default', 'v1')!;
    assert.equal(now.requests - before.requests, 2);
    assert.equal(now.byClass['2xx']! - before.byClass['2xx']!, 2);
    assert.equal(now.inFlight, 0);
    assert.equal(now.latency.count - before.latency.count, 2);
  });

  it('h2c preface still goes to the HTTP/2 server', async () => {
    const raw = await exchange(fastPort, [Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), Buffer.from([0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])], { gapMs: 10 });
    // A SETTINGS frame from the server (type 4) comes first.
    assert.equal(raw.charCodeAt(3), 4);
  });

  it('an idle keep-alive connection closes after keepAliveTimeoutMs', async () => {
    const g = new Gateway({ endpoints: new StaticEndpoints({}), fastPath: true, keepAliveTimeoutMs: 300 });
    const port = (await g.listen('127.0.0.1', 0)).port;
    try {
      g.table.update('default/web', { namespace: 'default', route: 'web', visibility: 'ExternalIP', groups: [{ tag: '', hosts: [HOST], splits: [{ revisionName: 'v1', percent: 100 }] }] });
      const t0 = performance.now();
      const raw = await exchange(port, `GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
      const ms = performance.now() - t0;
      assert.match(raw, /^HTTP\/1\.1 503 [\s\S]*Keep-Alive: timeout=0\r\n/);
      assert.ok(ms >= 250 && ms < 2_000, `closed after ${ms} ms`);
    } finally {
      await g.close();
    }
  });

  it('parseHead refuses what it does not cover', () => {
    const ok = (head: string) => parseHead(head) !== undefined;
    assert.ok(ok(`GET / HTTP/1.1\r\nHost: h`));
    assert.ok(!ok(`GET / HTTP/1.1`)); // no Host
    assert.ok(!ok(`CONNECT h:443 HTTP/1.1\r\nHost: h`));
    assert.ok(!ok(`GET http://h/ HTTP/1.1\r\nHost: h`));
    assert.ok(!ok(`GET / HTTP/2.0\r\nHost: h`));
    assert.ok(!ok(`GET / HTTP/1.1\r\nHost: h\r\nHost: i`));
    assert.ok(!ok(`GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket`));
    assert.ok(!ok(`GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue`));
    assert.ok(!ok(`GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked`));
    assert.ok(!ok(`GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1`));
    assert.ok(!ok(`GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1`));
    assert.ok(!ok(`GET / HTTP/1.1\r\nHost: h\r\nX: a\nb`));
    assert.ok(!ok(`GET / HTTP/1.1\r\nHost: h\r\n folded`));
    assert.ok(!ok(`GET / HTTP/1.1\r\nHost : h`));
    assert.ok(!ok(`GET / HTTP/1.1\r\nHost: h\r\nX: \x01`));
    assert.equal(parseHead(`GET / HTTP/1.0\r\nHost: h\r\nConnection: keep-alive`)!.keepAlive, true);
    assert.equal(parseHead(`GET / HTTP/1.0\r\nHost: h`)!.keepAlive, false);
    assert.equal(parseHead(`GET / HTTP/1.1\r\nHost: h\r\nConnection: x, Close`)!.keepAlive, false);
    assert.deepEqual(parseHead(`GET / HTTP/1.1\r\nHost:  h \r\nX:\t\xa0v\xa0 `)!.rawHeaders, ['Host', 'h', 'X', '\xa0v\xa0']);
  });
});
