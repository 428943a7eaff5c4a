/** The gateway against local upstream servers (node:http / node:http2 on loopback). */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect as h2connect, createServer as createH2Server, type Http2Server } from 'node:http2';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RouteTable } from '../reconciler/route/route-table.ts';
import type { Endpoint, EndpointSource } from './backends.ts';
import { Gateway } from './gateway.ts';

class FakeEndpoints implements EndpointSource {
  readonly map = new Map<string, Endpoint[]>();
  private readonly listeners: ((ns: string, rev: string) => void)[] = [];
  endpoints(ns: string, rev: string): Endpoint[] { return this.map.get(`${ns}/${rev}`) ?? []; }
  onEndpointsChange(l: (ns: string, rev: string) => void): void { this.listeners.push(l); }
  set(rev: string, eps: Endpoint[]): void { this.map.set(`default/${rev}`, eps); for (const l of this.listeners) l('default', rev); }
}

async function listen(server: Server | Http2Server): Promise<Endpoint> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

/** An upstream that answers `<name> <method> <url>` and echoes what a few test paths ask for. */
function upstream(name: string): Server {
  return createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/headers') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(req.headers)); return; }
    if (url.pathname === '/sleep') { setTimeout(() => res.end('late'), Number(url.searchParams.get('ms'))).unref(); return; }
    if (url.pathname === '/drip') { res.write('first'); setTimeout(() => res.end('never'), 10_000).unref(); return; }
    if (url.pathname === '/count') {
      let n = 0;
      req.on('data', (d: Buffer) => { n += d.length; });
      req.on('end', () => res.end(`${name} got ${n}`));
      return;
    }
    res.end(`${name} ${req.method} ${req.url}`);
  });
}

interface Reply { status: number; body: string; headers: IncomingMessage['headers'] }

function get(port: number, host: string, path = '/', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const hosts = (name: string) => [`${name}.default.example.com`, `${name}.default`, `${name}.default.svc`, `${name}.default.svc.cluster.local`];
function table(splits: [string, number][], tags: [string, string][] = []): RouteTable {
  return {
    namespace: 'default', route: 'web', visibility: 'ExternalIP',
    groups: [
      { tag: '', hosts: hosts('web'), splits: splits.map(([revisionName, percent]) => ({ revisionName, percent })) },
      ...tags.map(([tag, rev]) => ({ tag, hosts: hosts(`${tag}-web`), splits: [{ revisionName: rev, percent: 0 }] })),
    ],
  };
}

describe('Gateway', () => {
  const endpoints = new FakeEndpoints();
  const gateway = new Gateway({ endpoints, headersTimeoutMs: 1_000 });
  const servers: (Server | Http2Server)[] = [];
  let port = 0;

  before(async () => {
    for (const name of ['v1', 'v2', 'v3']) {
      const s = upstream(name);
      servers.push(s);
      endpoints.set(name, [await listen(s)]);
    }
    port = (await gateway.listen('127.0.0.1', 0)).port;
  });
  after(async () => {
    await gateway.close();
    for (const s of servers) { (s as Server).closeAllConnections?.(); s.close(); }
  });

  it('unknown host: 404 saying so', async () => {
    const r = await get(port, 'nope.default.example.com');
    assert.equal(r.status, 404);
    assert.match(r.body, /no route for host "nope\.default\.example\.com"/);
  });

  it('splits 40/30/30 exactly over 100 requests, with and without a port in Host', async () => {
    gateway.table.update('default/web', table([['v1', 40], ['v2', 30], ['v3', 30]]));
    const c: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const r = await get(port, i % 2 ? 'web.default.example.com' : `web.default.example.com:${port}`);
      assert.equal(r.status, 200);
      const v = r.body.split(' ')[0]!;
      c[v] = (c[v] ?? 0) + 1;
    }
    assert.deepEqual(c, { v1: 40, v2: 30, v3: 30 });
  });

  it('tag hosts and the Knative-Serving-Tag header select the tagged revision; cluster-local names work', async () => {
    gateway.table.update('default/web', table([['v1', 100]], [['latest', 'v3']]));
    assert.match((await get(port, 'latest-web.default.example.com')).body, /^v3 /);
    assert.match((await get(port, 'web.default.svc.cluster.local')).body, /^v1 /);
    assert.match((await get(port, 'web.default.example.com', '/', { 'knative-serving-tag': 'latest' })).body, /^v3 /);
    assert.match((await get(port, 'web.default.example.com', '/', { 'knative-serving-tag': 'unknown' })).body, /^v1 /);
  });

  it('forwards the original Host, X-Forwarded-* and Forwarded, drops hop-by-hop headers', async () => {
    gateway.table.update('default/web', table([['v1', 100]]));
    const r = await get(port, 'web.default.example.com', '/headers', { 'x-forwarded-for': '10.9.9.9', connection: 'keep-alive, x-secret', 'x-secret': 's', 'x-kept': 'k' });
    const h = JSON.parse(r.body);
    assert.equal(h.host, 'web.default.example.com');
    assert.equal(h['x-forwarded-for'], '10.9.9.9, 127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-host'], 'web.default.example.com');
    assert.equal(h.forwarded, 'for=127.0.0.1;host="web.default.example.com";proto=http');
    assert.equal(h['x-secret'], undefined);
    assert.equal(h['x-kept'], 'k');
  });

  it('pipelined requests on one connection are answered in order', async () => {
    gateway.table.update('default/web', table([['v1', 100]]));
    const sock = connect(port, '127.0.0.1');
    sock.write('GET /a HTTP/1.1\r\nHost: web.default.example.com\r\n\r\nGET /b HTTP/1.1\r\nHost: web.default.example.com\r\nConnection: close\r\n\r\n');
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => { got += d; });
    await once(sock, 'close');
    const bodies = [...got.matchAll(/v1 GET \/[ab]/g)].map((m) => m[0]);
    assert.deepEqual(bodies, ['v1 GET /a', 'v1 GET /b']);
  });

  it('streams a chunked upload of 20 MB', async () => {
    gateway.table.update('default/web', table([['v2', 100]]));
    const r = await new Promise<Reply>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/count', method: 'POST', headers: { host: 'web.default.example.com' } }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(1 << 20, 7);
      let sent = 0;
      const pump = () => {
        while (sent < 20) { sent++; if (!req.write(chunk)) { req.once('drain', pump); return; } }
        req.end();
      };
      pump();
    });
    assert.equal(r.body, `v2 got ${20 << 20}`);
  });

  it('retries another instance when a connection is refused', async () => {
    const dead = createServer();
    const deadEp = await listen(dead);
    dead.close();
    await once(dead, 'close');
    const original = endpoints.endpoints('default', 'v1');
    endpoints.set('v1', [deadEp, endpoints.endpoints('default', 'v2')[0]!]);
    try {
      gateway.table.update('default/web', table([['v1', 100]]));
      for (let i = 0; i < 6; i++) assert.equal((await get(port, 'web.default.example.com')).status, 200);
    } finally {
      endpoints.set('v1', original);
    }
  });

  it('a revision without ready instances answers 503 with a clear body', async () => {
    gateway.table.update('default/web', table([['nothing', 100]]));
    const r = await get(port, 'web.default.example.com');
    assert.equal(r.status, 503);
    assert.match(r.body, /no ready instance of revision default\/nothing/);
  });

  it('timeoutSeconds: 504 "request timeout" before the first byte, a cut stream after', async () => {
    gateway.backends.setSettings('default', 'v3', { protocol: 'http1', timeoutMs: 300, responseStartTimeoutMs: 0, idleTimeoutMs: 0 });
    gateway.table.update('default/web', table([['v3', 100]]));
    const r = await get(port, 'web.default.example.com', '/sleep?ms=2000');
    assert.equal(r.status, 504);
    assert.equal(r.body, 'request timeout');
    await assert.rejects(get(port, 'web.default.example.com', '/drip'));
    gateway.backends.setSettings('default', 'v3', { protocol: 'http1', timeoutMs: 10_000, responseStartTimeoutMs: 200, idleTimeoutMs: 0 });
    assert.equal((await get(port, 'web.default.example.com', '/sleep?ms=2000')).status, 504);
    assert.equal((await get(port, 'web.default.example.com', '/sleep?ms=10')).body, 'late');
  });

  it('limits: an oversized head gets 431, a client that never finishes its head gets 408', async () => {
    const big = await get(port, 'web.default.example.com', '/', { 'x-big': 'a'.repeat(40_000) }).catch(() => ({ status: 431 }));
    assert.equal(big.status, 431);
    const sock = connect(port, '127.0.0.1');
    sock.write('GET / HTTP/1.1\r\nHost: web.default.example.com\r\nX-Slow: 1\r\n');
    let got = '';
    sock.on('data', (d) => { got += d; });
    await once(sock, 'close');
    assert.match(got, /^HTTP\/1\.1 408/);
  });

  it('WebSocket upgrade: the sockets are spliced both ways', async () => {
    const ws = createServer();
    ws.on('upgrade', (req, socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Host: ${req.headers.host}\r\n\r\n`);
      socket.pipe(socket);
    });
    servers.push(ws);
    endpoints.set('ws', [await listen(ws)]);
    gateway.table.update('default/web', table([['ws', 100]]));
    const sock = connect(port, '127.0.0.1');
    sock.write('GET /chat HTTP/1.1\r\nHost: web.default.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => { got += d; if (got.includes('\r\n\r\n') && !got.includes('ping')) sock.write('ping-pong'); if (got.endsWith('ping-pong')) sock.end(); });
    await once(sock, 'close');
    assert.match(got, /^HTTP\/1\.1 101 /);
    assert.match(got, /X-Host: web\.default\.example\.com/);
    assert.ok(got.endsWith('ping-pong'));
  });

  it('h2c end to end: an h2c client through to an h2c revision, trailers included (gRPC style)', async () => {
    const h2 = createH2Server();
    h2.on('stream', (stream, headers) => {
      let body = '';
      stream.on('data', (d) => { body += d; });
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'ok' }));
        stream.end(`echo ${headers[':authority']} ${headers.te} ${body}`);
      });
    });
    servers.push(h2);
    endpoints.set('grpc', [await listen(h2)]);
    gateway.backends.setSettings('default', 'grpc', { protocol: 'h2c', timeoutMs: 10_000, responseStartTimeoutMs: 0, idleTimeoutMs: 0 });
    gateway.table.update('default/web', table([['grpc', 100]]));
    const session = h2connect(`http://127.0.0.1:${port}`);
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/pkg.Svc/Call', ':authority': 'web.default.example.com', te: 'trailers', 'content-type': 'application/grpc' });
      stream.end('hello');
      let body = '';
      let trailers: Record<string, unknown> = {};
      let status = 0;
      stream.on('response', (h) => { status = Number(h[':status']); });
      stream.on('trailers', (t) => { trailers = t; });
      stream.setEncoding('utf8');
      stream.on('data', (d) => { body += d; });
      await once(stream, 'end');
      assert.equal(status, 200);
      assert.equal(body, 'echo web.default.example.com trailers hello');
      assert.equal(trailers['grpc-status'], '0');
      // HTTP/1.1 in, h2c out works too.
      assert.match((await get(port, 'web.default.example.com')).body, /^echo web\.default\.example\.com/);
    } finally {
      session.close();
    }
  });

  it('counts requests per revision and serves /metrics on its own address', async () => {
    const stats = gateway.metrics.revision('default', 'v1')!;
    assert.ok(stats.requests > 0);
    assert.equal(stats.inFlight, 0);
    assert.ok(stats.byClass['2xx']! > 0);
    const r = await get(port, `127.0.0.1:${port}`, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.body, /ksrv_gateway_requests_total\{namespace="default",revision="v1",code_class="2xx"\} \d+/);
    assert.match(r.body, /ksrv_gateway_request_duration_seconds_bucket/);
  });
});
