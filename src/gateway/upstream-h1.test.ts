/** H1Pool against raw TCP servers that send exactly the bytes under test. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { Dispatcher } from 'undici';
import { H1Pool } from './upstream-h1.ts';

interface Outcome { status?: number; headers?: string[]; body: string; trailers?: string[] | null; error?: string }

function call(pool: H1Pool, opts: Partial<Dispatcher.DispatchOptions> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { body: '' };
    const handler = {
      onConnect() {},
      onHeaders(status: number, headers: string[]) { out.status = status; out.headers = headers; return true; },
      onData(chunk: Buffer) { out.body += chunk.toString('latin1'); return true; },
      onComplete(trailers: string[] | null) { out.trailers = trailers; resolve(out); },
      onError(err: Error & { code?: string }) { out.error = err.code ?? err.message; resolve(out); },
    };
    pool.dispatch({ method: 'GET', path: '/', headers: ['host', 'x'], ...opts } as Dispatcher.DispatchOptions, handler as unknown as Dispatcher.DispatchHandler);
  });
}

/** A server that answers each request head with `reply(head, socket)`; records the raw requests. */
async function rawServer(reply: (request: string, socket: Socket) => void): Promise<{ server: Server; port: number; requests: string[]; connections: number }> {
  const state = { server: undefined as unknown as Server, port: 0, requests: [] as string[], connections: 0 };
  state.server = createServer((socket) => {
    state.connections++;
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.slice(0, end + 4);
        let rest = buffered.slice(end + 4);
        const length = /content-length: (\d+)/i.exec(head);
        let request = head;
        if (length) {
          if (rest.length < Number(length[1])) return;
          request += rest.slice(0, Number(length[1]));
          rest = rest.slice(Number(length[1]));
        } else if (/transfer-encoding: chunked/i.test(head)) {
          const term = rest.indexOf('0\r\n\r\n');
          if (term < 0) return;
          request += rest.slice(0, term + 5);
          rest = rest.slice(term + 5);
        }
        buffered = rest;
        state.requests.push(request);
        if (socket.writable) reply(request, socket);
      }
    });
  });
  state.server.listen(0, '127.0.0.1');
  await once(state.server, 'listening');
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

describe('H1Pool', () => {
  const servers: Server[] = [];
  const pools: H1Pool[] = [];
  const pool = (port: number) => { const p = new H1Pool('127.0.0.1', port, { connections: 4, keepAliveTimeoutMs: 30_000 }); pools.push(p); return p; };
  after(async () => {
    await Promise.all(pools.map((p) => p.destroy()));
    for (const s of servers) s.close();
  });

  it('content-length responses over one kept-alive connection; the request head as sent', async () => {
    const s = await rawServer((_req, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello'));
    servers.push(s.server);
    const p = pool(s.port);
    for (let i = 0; i < 3; i++) {
      const r = await call(p, { path: `/n/${i}` });
      assert.deepEqual(r, { status: 200, headers: ['Content-Type', 'text/plain', 'Content-Length', '5'], body: 'hello', trailers: null });
    }
    assert.equal(s.connections, 1);
    assert.equal(s.requests[2], 'GET /n/2 HTTP/1.1\r\nhost: x\r\n\r\n');
  });

  it('chunked responses split anywhere (even inside size lines), with trailers; 1xx skipped', async () => {
    const wire = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: grpc-status\r\n\r\n5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\ngrpc-status: 0\r\n\r\n';
    const s = await rawServer((_req, socket) => {
      socket.cork();
      for (let i = 0; i < wire.length; i += 3) socket.write(wire.slice(i, i + 3));
      socket.uncork();
    });
    servers.push(s.server);
    const p = pool(s.port);
    const r = await call(p);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello0123456789abcdef');
    assert.deepEqual(r.trailers, ['grpc-status', '0']);
    assert.equal((await call(p)).body, 'hello0123456789abcdef');
  });

  it('bodiless responses (HEAD, 204) and read-until-close', async () => {
    const s = await rawServer((req, socket) => {
      if (req.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n');
      else if (req.startsWith('DELETE')) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      else socket.end('HTTP/1.1 200 OK\r\n\r\nuntil the end');
    });
    servers.push(s.server);
    const p = pool(s.port);
    assert.deepEqual(await call(p, { method: 'HEAD' }), { status: 200, headers: ['Content-Length', '99'], body: '', trailers: null });
    assert.equal((await call(p, { method: 'DELETE' })).status, 204);
    assert.equal((await call(p)).body, 'until the end');
  });

  it('request bodies: content-length as is, chunked when the length is unknown', async () => {
    const s = await rawServer((_req, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    servers.push(s.server);
    const p = pool(s.port);
    await call(p, { method: 'POST', headers: ['host', 'x', 'content-length', '6'], body: Readable.from([Buffer.from('abc'), Buffer.from('def')]) });
    await call(p, { method: 'POST', headers: ['host', 'x'], body: Readable.from([Buffer.from('abc'), Buffer.from('defgh')]) });
    assert.equal(s.requests[0], 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 6\r\n\r\nabcdef');
    assert.equal(s.requests[1], 'POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n');
  });

  it('a kept-alive connection the server closed is replaced without an error; refused and timeouts are reported', async () => {
    let n = 0;
    const s = await rawServer((_req, socket) => {
      // Every second answer closes the connection right after, as an exiting server would.
      if (n++ % 2 === 1) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    servers.push(s.server);
    const p = pool(s.port);
    for (let i = 0; i < 6; i++) assert.equal((await call(p)).body, 'ok');

    const silent = await rawServer(() => undefined);
    servers.push(silent.server);
    assert.equal((await call(pool(silent.port), { headersTimeout: 50 })).error, 'UND_ERR_HEADERS_TIMEOUT');

    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    assert.equal((await call(pool(port))).error, 'ECONNREFUSED');
  });
});
