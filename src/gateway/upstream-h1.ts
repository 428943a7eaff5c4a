/**
 * A lean HTTP/1.1 keep-alive connection pool to one instance. It speaks undici's legacy dispatch
 * handler contract (onConnect / onHeaders / onData / onComplete / onError), so an Exchange drives it
 * exactly like an undici Pool. Why not undici on this path: per request, undici validates every
 * header again, queues the write through setImmediate and parses in WASM with JS callbacks per
 * header; here the request head goes out in one write on the caller's tick and the response head
 * is parsed in one pass: the gateway's user CPU per proxied request went from ~18 µs to ~12 µs.
 *
 * Framing handled: Content-Length, chunked (decoded; trailers passed on), read-until-close,
 * bodiless responses (HEAD, 1xx skipped, 204, 304). Request bodies stream with backpressure,
 * chunked when the client sent no Content-Length.
 */
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

export interface UpstreamClient {
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
}

/** The handler contract Exchange implements (undici's legacy one, with string raw headers). */
interface Handler {
  onConnect(abort: (err?: Error) => void): void;
  onHeaders(statusCode: number, rawHeaders: string[], resume: () => void): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: string[] | null): void;
  onError(err: Error): void;
}

interface Request { opts: Dispatcher.DispatchOptions; handler: Handler }

const MAX_HEAD = 64 * 1024;
/** Close idle connections this long before the server's advertised keep-alive timeout. */
const KEEP_ALIVE_MARGIN_MS = 1_000;

const enum State { Head, Length, UntilClose, ChunkSize, ChunkData, ChunkEnd, Trailers, Idle }

function upstreamError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

class Connection {
  readonly socket: Socket;
  private request: Request | undefined;
  private state = State.Idle;
  private carry: Buffer | undefined;
  private remaining = 0;
  private keepAlive = true;
  private requestBodyDone = true;
  private responseDone = false;
  private responseStarted = false;
  private trailers: string[] | null = null;
  private headersTimer: NodeJS.Timeout | undefined;
  private bodyTimer: NodeJS.Timeout | undefined;
  private body: Readable | undefined;
  /** Requests completed on this connection (a reused one may have been closed by the server meanwhile). */
  served = 0;
  idleUntil = 0;
  dead = false;

  constructor(private readonly pool: H1Pool) {
    const socket = connect({ host: pool.host, port: pool.port, noDelay: true });
    this.socket = socket;
    socket.on('data', this.onSocketData);
    socket.on('drain', this.onSocketDrain);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
  }

  send(request: Request): void {
    const { opts, handler } = request;
    this.request = request;
    this.state = State.Head;
    this.keepAlive = true;
    this.responseDone = false;
    this.responseStarted = false;
    this.trailers = null;
    const headers = opts.headers as string[];
    let head = `${opts.method} ${opts.path} HTTP/1.1\r\n`;
    let hasLength = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      head += `${name}: ${headers[i + 1]}\r\n`;
      if (name.length === 14 && name.toLowerCase() === 'content-length') hasLength = true;
    }
    const body = opts.body as Readable | null | undefined;
    const chunked = body != null && !hasLength;
    head += chunked ? 'transfer-encoding: chunked\r\n\r\n' : '\r\n';
    handler.onConnect((err) => { if (this.request === request) this.fail(err ?? upstreamError('request aborted', 'UND_ERR_ABORTED'), false); });
    if (this.request !== request) return;
    this.socket.write(head, 'latin1');
    const headersTimeout = opts.headersTimeout ?? 0;
    if (headersTimeout > 0) {
      this.headersTimer = setTimeout(() => this.fail(upstreamError('response headers timeout', 'UND_ERR_HEADERS_TIMEOUT'), false), headersTimeout);
    }
    if (body == null) {
      this.requestBodyDone = true;
      return;
    }
    this.requestBodyDone = false;
    this.body = body;
    body.on('data', (chunk: Buffer) => {
      if (this.request !== request) return;
      let ok: boolean;
      if (!chunked) ok = this.socket.write(chunk);
      else if (chunk.length === 0) ok = true;
      else {
        this.socket.cork();
        this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        this.socket.write(chunk);
        ok = this.socket.write('\r\n', 'latin1');
        this.socket.uncork();
      }
      if (!ok) body.pause();
    });
    body.on('end', () => {
      if (this.request !== request) return;
      if (chunked) this.socket.write('0\r\n\r\n', 'latin1');
      this.requestBodyDone = true;
      this.body = undefined;
    });
    body.on('error', (err) => { if (this.request === request) this.fail(err, false); });
  }

  private readonly resume = (): void => { this.socket.resume(); };

  private readonly onSocketDrain = (): void => { this.body?.resume(); };

  private readonly onSocketError = (err: Error): void => {
    this.fail(err, true);
  };

  private readonly onSocketClose = (): void => {
    if (this.state === State.UntilClose && this.request) {
      this.complete();
      return;
    }
    this.fail(upstreamError('the instance closed the connection', 'UND_ERR_SOCKET'), true);
  };

  private readonly onSocketData = (chunk: Buffer): void => {
    let data = chunk;
    if (this.carry) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    const bodyTimer = this.bodyTimer;
    if (bodyTimer) bodyTimer.refresh();
    while (data.length > 0) {
      const request = this.request;
      if (!request) {
        // Bytes with no request outstanding: the connection is out of step; never reuse it.
        this.fail(upstreamError('unexpected data from the instance', 'UND_ERR_SOCKET'), true);
        return;
      }
      switch (this.state) {
        case State.Head: {
          const end = data.indexOf('\r\n\r\n', 0, 'latin1');
          if (end < 0) {
            if (data.length > MAX_HEAD) this.fail(upstreamError('response head too large', 'UND_ERR_HEADERS_OVERFLOW'), false);
            else this.carry = data;
            return;
          }
          const head = data.toString('latin1', 0, end);
          data = data.subarray(end + 4);
          if (!this.onHead(head, request)) return;
          break;
        }
        case State.Length: {
          const n = Math.min(this.remaining, data.length);
          const piece = n === data.length ? data : data.subarray(0, n);
          data = data.subarray(n);
          this.remaining -= n;
          if (!request.handler.onData(piece)) this.socket.pause();
          if (this.remaining === 0) this.complete();
          break;
        }
        case State.UntilClose:
          if (!request.handler.onData(data)) this.socket.pause();
          return;
        case State.ChunkSize: {
          const eol = data.indexOf('\r\n', 0, 'latin1');
          if (eol < 0) {
            if (data.length > 1024) this.fail(upstreamError('bad chunk size line', 'HPE_INVALID_CHUNK_SIZE'), false);
            else this.carry = data;
            return;
          }
          const line = data.toString('latin1', 0, eol);
          const semicolon = line.indexOf(';');
          const size = parseInt(semicolon < 0 ? line : line.slice(0, semicolon), 16);
          if (!(size >= 0)) {
            this.fail(upstreamError(`bad chunk size "${line}"`, 'HPE_INVALID_CHUNK_SIZE'), false);
            return;
          }
          data = data.subarray(eol + 2);
          if (size === 0) {
            this.state = State.Trailers;
          } else {
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, data.length);
          const piece = n === data.length ? data : data.subarray(0, n);
          data = data.subarray(n);
          this.remaining -= n;
          if (!request.handler.onData(piece)) this.socket.pause();
          if (this.remaining === 0) {
            this.remaining = 2;
            this.state = State.ChunkEnd;
          }
          break;
        }
        case State.ChunkEnd: {
          const n = Math.min(this.remaining, data.length);
          data = data.subarray(n);
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          const eol = data.indexOf('\r\n', 0, 'latin1');
          if (eol < 0) {
            if (data.length > MAX_HEAD) this.fail(upstreamError('trailers too large', 'UND_ERR_HEADERS_OVERFLOW'), false);
            else this.carry = data;
            return;
          }
          const line = data.toString('latin1', 0, eol);
          data = data.subarray(eol + 2);
          if (line === '') {
            this.complete();
            break;
          }
          const colon = line.indexOf(':');
          if (colon > 0) (this.trailers ??= []).push(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
          break;
        }
        default:
          this.fail(upstreamError('unexpected data from the instance', 'UND_ERR_SOCKET'), true);
          return;
      }
    }
  };

  /** Parses a response head; false when the exchange ended meanwhile (nothing more to parse). */
  private onHead(head: string, request: Request): boolean {
    const firstEol = head.indexOf('\r\n');
    const statusLine = firstEol < 0 ? head : head.slice(0, firstEol);
    const status = statusLine.startsWith('HTTP/1.') ? Number(statusLine.slice(9, 12)) : NaN;
    if (!(status >= 100 && status < 1000)) {
      this.fail(upstreamError(`bad status line "${statusLine.slice(0, 64)}"`, 'HPE_INVALID_CONSTANT'), false);
      return false;
    }
    if (status < 200) return true; // 1xx informational: the real head follows
    const raw: string[] = [];
    let contentLength = -1;
    let chunked = false;
    if (statusLine.charCodeAt(7) === 48 /* HTTP/1.0 */) this.keepAlive = false;
    let pos = firstEol < 0 ? head.length : firstEol + 2;
    while (pos < head.length) {
      let eol = head.indexOf('\r\n', pos);
      if (eol < 0) eol = head.length;
      const colon = head.indexOf(':', pos);
      if (colon > pos && colon < eol) {
        const name = head.slice(pos, colon);
        const value = head.slice(colon + 1, eol).trim();
        raw.push(name, value);
        switch (name.length) {
          case 10: if (name.toLowerCase() === 'connection') {
            const v = value.toLowerCase();
            if (v.includes('close')) this.keepAlive = false;
            else if (v.includes('keep-alive')) this.keepAlive = true;
          } break;
          case 10 + 4: if (name.toLowerCase() === 'content-length') contentLength = Number(value); break;
          case 17: if (name.toLowerCase() === 'transfer-encoding') chunked = value.toLowerCase().endsWith('chunked'); break;
          default: if (name.length === 10 && name.toLowerCase() === 'keep-alive') this.pool.keepAliveHint(value); break;
        }
      }
      pos = eol + 2;
    }
    if (this.headersTimer) { clearTimeout(this.headersTimer); this.headersTimer = undefined; }
    this.responseStarted = true;
    const bodyless = request.opts.method === 'HEAD' || status === 204 || status === 304;
    if (bodyless) this.state = State.Idle;
    else if (chunked) this.state = State.ChunkSize;
    else if (contentLength >= 0) {
      this.state = contentLength === 0 ? State.Idle : State.Length;
      this.remaining = contentLength;
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
    const bodyTimeout = request.opts.bodyTimeout ?? 0;
    if (this.state !== State.Idle && bodyTimeout > 0) {
      this.bodyTimer = setTimeout(() => this.fail(upstreamError('response body timeout', 'UND_ERR_BODY_TIMEOUT'), false), bodyTimeout);
    }
    if (!request.handler.onHeaders(status, raw, this.resume)) this.socket.pause();
    if (this.request !== request) return false;
    if (this.state === State.Idle) {
      this.complete();
      return this.request !== undefined;
    }
    return true;
  }

  private complete(): void {
    const request = this.request!;
    this.request = undefined;
    this.state = State.Idle;
    this.responseDone = true;
    this.served++;
    this.clearTimers();
    // Answered before the whole request body went out: the connection is out of step, drop it.
    if (!this.requestBodyDone) this.keepAlive = false;
    this.release();
    request.handler.onComplete(this.trailers);
  }

  private release(): void {
    if (!this.keepAlive || this.carry || this.dead) {
      this.destroy();
      return;
    }
    this.socket.resume();
    this.pool.released(this);
  }

  /** Ends the current request with an error; `fromSocket` = the connection itself failed or closed. */
  private fail(err: Error, fromSocket: boolean): void {
    const request = this.request;
    this.request = undefined;
    this.clearTimers();
    this.destroy();
    if (!request) return;
    // A reused connection the server closed just as the request went out: nothing reached the app.
    if (fromSocket && this.served > 0 && !this.responseStarted && request.opts.body == null) {
      this.pool.dispatchFresh(request);
      return;
    }
    request.handler.onError(err);
  }

  private clearTimers(): void {
    if (this.headersTimer) { clearTimeout(this.headersTimer); this.headersTimer = undefined; }
    if (this.bodyTimer) { clearTimeout(this.bodyTimer); this.bodyTimer = undefined; }
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    // A request body still arriving from the client is drained, not left paused.
    this.body?.resume();
    this.body = undefined;
    this.pool.removed(this);
  }

  get busy(): boolean { return this.request !== undefined; }
}

export class H1Pool implements UpstreamClient {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Request[] = [];
  private closing = false;
  private idleTimeoutMs: number;
  private onDrained: (() => void) | undefined;

  constructor(readonly host: string, readonly port: number, private readonly opts: { connections: number; keepAliveTimeoutMs: number }) {
    this.idleTimeoutMs = opts.keepAliveTimeoutMs;
  }

  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const request: Request = { opts, handler: handler as unknown as Handler };
    if (this.closing) {
      queueMicrotask(() => request.handler.onError(upstreamError('the instance is going away', 'UND_ERR_CLOSED')));
      return false;
    }
    const now = performance.now();
    let conn: Connection | undefined;
    while ((conn = this.idle.pop()) !== undefined && conn.idleUntil < now) conn.destroy();
    if (conn === undefined) {
      if (this.all.size >= this.opts.connections) {
        this.queue.push(request);
        return false;
      }
      conn = this.open();
    }
    conn.send(request);
    return true;
  }

  /** Retries a request on a new connection (its reused one was closed under it). */
  dispatchFresh(request: Request): void {
    if (this.closing) {
      request.handler.onError(upstreamError('the instance is going away', 'UND_ERR_CLOSED'));
      return;
    }
    this.open().send(request);
  }

  /** The server's `Keep-Alive: timeout=N`: close idle connections before it does. */
  keepAliveHint(value: string): void {
    const m = /timeout=(\d+)/i.exec(value);
    if (m) this.idleTimeoutMs = Math.min(this.opts.keepAliveTimeoutMs, Math.max(0, Number(m[1]) * 1000 - KEEP_ALIVE_MARGIN_MS));
  }

  private open(): Connection {
    const conn = new Connection(this);
    this.all.add(conn);
    return conn;
  }

  released(conn: Connection): void {
    const next = this.queue.shift();
    if (next) {
      conn.send(next);
      return;
    }
    if (this.closing) {
      conn.destroy();
      return;
    }
    conn.idleUntil = performance.now() + this.idleTimeoutMs;
    this.idle.push(conn);
  }

  removed(conn: Connection): void {
    this.all.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.queue.length && !this.closing && this.all.size < this.opts.connections ? this.queue.shift() : undefined;
    if (next) this.open().send(next);
    if (this.closing && this.all.size === 0) {
      for (const r of this.queue.splice(0)) r.handler.onError(upstreamError('the instance is going away', 'UND_ERR_CLOSED'));
      this.onDrained?.();
    }
  }

  /** Graceful: requests in flight finish (queued ones too), idle connections close. */
  close(): Promise<void> {
    this.closing = true;
    for (const conn of [...this.idle]) conn.destroy();
    if ([...this.all].every((c) => !c.busy) && this.queue.length === 0) for (const c of [...this.all]) c.destroy();
    if (this.all.size === 0) return Promise.resolve();
    return new Promise((resolve) => { this.onDrained = resolve; });
  }

  async destroy(): Promise<void> {
    this.closing = true;
    const queued = this.queue.splice(0);
    for (const r of queued) r.handler.onError(upstreamError('the gateway is closing', 'UND_ERR_DESTROYED'));
    for (const conn of [...this.all]) conn.destroy();
  }
}
