/**
 * The gateway's lean inbound HTTP/1.1 path (GatewayOptions.fastPath): serves the common request
 * directly on the socket, without node:http's IncomingMessage/ServerResponse, streams and header
 * objects. What it takes: HTTP/1.1 and 1.0 requests whose head arrived whole and parses cleanly
 * (strict characters, origin-form target), methods GET/HEAD/POST/PUT/PATCH/DELETE/OPTIONS, no body
 * or a Content-Length body, no Upgrade, Expect or Transfer-Encoding, a Host some route has.
 * Anything else (a partial or oversize head, chunked bodies, upgrades, the gateway's own pages,
 * unknown hosts, odd bytes) hands the connection, with every byte read so far, to the gateway's
 * node:http server, which then answers exactly as without the fast path (431, 408, 400, 404 ...).
 * Once handed over, a connection stays with node:http.
 *
 * Requests are taken one at a time: a pipelined request waits in the buffer until the previous
 * response has been written, so responses go out in order. The request/response objects implement
 * the part of IncomingMessage/ServerResponse that the gateway's Exchange, `plain` answers and the
 * noReadyInstance hook (activator) use, so routing, timeouts, retries, metrics and the activator
 * are the gateway's own code. Responses are framed as node:http frames them (status line with the
 * standard reason, the given headers, Date unless given, Connection/Keep-Alive, chunked when no
 * Content-Length), head and first body bytes in one write.
 */
import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

export interface FastPathHost {
  /** Routes and answers a request; false = the host has no route (own pages, 404): nothing was done, fall back. */
  fastHandle(req: FastRequest | FastBodyRequest, res: FastResponse): boolean;
  /** Hands the connection to node:http with the bytes already read. */
  toHttp1(socket: Socket, buffered: Buffer | undefined): void;
  /** Hands the connection to the h2c server (the bytes start with the HTTP/2 preface). */
  toHttp2(socket: Socket, buffered: Buffer): void;
  readonly acceptH2c: boolean;
  readonly maxHeaderBytes: number;
  readonly keepAliveTimeoutMs: number;
}

/** Process-wide counters: requests served on the fast path, connections handed to node:http. */
export const fastPathStats = { requests: 0, fallbacks: 0 };

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/**
 * Control characters (other than HTAB) and CR/LF that are not a CRLF pair: in a request head,
 * node:http's strict parser decides; in a response head, node:http would refuse the value.
 */
const BAD_HEAD_CHARS = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n/;
/** An origin-form target of visible ASCII. */
const ORIGIN_FORM = /^\/[\x21-\x7e]*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^\d{1,15}$/;

/** What node:http keeps only once in `req.headers` (later duplicates dropped). */
const SINGLE = new Set(['age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent']);

interface RequestHead {
  method: string;
  url: string;
  minor: number;
  rawHeaders: string[];
  host: string;
  tag: string | undefined;
  contentLength: number;
  keepAlive: boolean;
}

/** Parses a request head (without the final CRLFCRLF); undefined = not for the fast path. */
export function parseHead(head: string): RequestHead | undefined {
  if (BAD_HEAD_CHARS.test(head)) return undefined;
  let eol = head.indexOf('\r\n');
  if (eol < 0) eol = head.length;
  const sp1 = head.indexOf(' ');
  if (sp1 <= 0 || sp1 > eol) return undefined;
  const sp2 = head.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 > eol || eol - sp2 !== 9) return undefined;
  const method = head.slice(0, sp1);
  if (!METHODS.has(method)) return undefined;
  if (!head.startsWith('HTTP/1.', sp2 + 1)) return undefined;
  const v = head.charCodeAt(eol - 1);
  if (v !== 49 && v !== 48) return undefined;
  const minor = v - 48;
  const url = head.slice(sp1 + 1, sp2);
  if (!ORIGIN_FORM.test(url)) return undefined;
  const rawHeaders: string[] = [];
  let host: string | undefined;
  let tag: string | undefined;
  let contentLength = -1;
  let connection: string | undefined;
  let pos = eol + 2;
  while (pos < head.length) {
    let end = head.indexOf('\r\n', pos);
    if (end < 0) end = head.length;
    const colon = head.indexOf(':', pos);
    if (colon <= pos || colon > end) return undefined;
    const name = head.slice(pos, colon);
    if (!TOKEN.test(name)) return undefined; // also rejects obs-fold and whitespace before the colon
    let s = colon + 1;
    let e = end;
    while (s < e && (head.charCodeAt(s) === 32 || head.charCodeAt(s) === 9)) s++;
    while (e > s && (head.charCodeAt(e - 1) === 32 || head.charCodeAt(e - 1) === 9)) e--;
    const value = head.slice(s, e);
    rawHeaders.push(name, value);
    switch (name.length) {
      case 2: if (minor === 0 && name.toLowerCase() === 'te') return undefined; break;
      case 4: if (name.toLowerCase() === 'host') { if (host !== undefined) return undefined; host = value; } break;
      case 6: if (name.toLowerCase() === 'expect') return undefined; break;
      case 7: if (name.toLowerCase() === 'upgrade') return undefined; break;
      case 10: if (name.toLowerCase() === 'connection') connection = connection === undefined ? value : `${connection},${value}`; break;
      case 14: if (name.toLowerCase() === 'content-length') {
        if (contentLength >= 0 || !DIGITS.test(value)) return undefined;
        contentLength = Number(value);
      } break;
      case 17: if (name.toLowerCase() === 'transfer-encoding') return undefined; break;
      case 19: if (name.toLowerCase() === 'knative-serving-tag') { if (tag !== undefined) return undefined; tag = value; } break;
    }
    pos = end + 2;
  }
  if (host === undefined) return undefined;
  // llhttp: HTTP/1.1 keeps the connection unless `close` is listed, HTTP/1.0 only if `keep-alive` is.
  let keepAlive = minor === 1;
  if (connection !== undefined) {
    for (const token of connection.toLowerCase().split(',')) {
      const t = token.trim();
      if (t === 'close') { if (minor === 1) keepAlive = false; }
      else if (t === 'keep-alive') { if (minor === 0) keepAlive = true; }
      else if (t === 'upgrade') return undefined;
    }
  }
  return { method, url, minor, rawHeaders, host, tag, contentLength: Math.max(0, contentLength), keepAlive };
}

function buildHeaders(raw: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = out[name];
    if (prev === undefined) out[name] = name === 'set-cookie' ? [value] : value;
    else if (name === 'set-cookie') (prev as string[]).push(value);
    else if (!SINGLE.has(name)) out[name] = `${prev}, ${value}`;
  }
  return out;
}

/** The IncomingMessage subset the gateway uses, for a bodiless request. */
export class FastRequest {
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor: number;
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly host: string;
  readonly tag: string | undefined;
  readonly hasBody: boolean = false;
  private headersObject: Record<string, string | string[]> | undefined;

  constructor(readonly socket: Socket, h: RequestHead) {
    this.httpVersionMinor = h.minor;
    this.method = h.method;
    this.url = h.url;
    this.rawHeaders = h.rawHeaders;
    this.host = h.host;
    this.tag = h.tag;
  }

  get headers(): Record<string, string | string[]> { return this.headersObject ??= buildHeaders(this.rawHeaders); }
}

/** A request with a Content-Length body: also the Readable the upstream client streams from. */
export class FastBodyRequest extends Readable {
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor: number;
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly host: string;
  readonly tag: string | undefined;
  readonly hasBody: boolean = true;
  private headersObject: Record<string, string | string[]> | undefined;

  constructor(readonly socket: Socket, h: RequestHead, private readonly conn: FastConnection) {
    super();
    this.httpVersionMinor = h.minor;
    this.method = h.method;
    this.url = h.url;
    this.rawHeaders = h.rawHeaders;
    this.host = h.host;
    this.tag = h.tag;
  }

  get headers(): Record<string, string | string[]> { return this.headersObject ??= buildHeaders(this.rawHeaders); }

  override _read(): void { this.conn.bodyWanted(); }
}

let dateSecond = -1;
let dateLine = '';
function dateHeader(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `Date: ${new Date(second * 1000).toUTCString()}\r\n`;
  }
  return dateLine;
}

/** The ServerResponse subset the gateway uses (writeHead, write, end, addTrailers, destroy, 'drain'/'close'). */
export class FastResponse extends EventEmitter {
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  statusCode = 200;
  /** The connection closes after this response. */
  last: boolean;
  private head: string | undefined;
  private hasBody: boolean;
  private chunked = false;
  private trailers = '';
  private closeEmitted = false;

  constructor(private readonly conn: FastConnection, readonly req: FastRequest | FastBodyRequest, private readonly keepAlive: boolean) {
    super();
    this.hasBody = req.method !== 'HEAD';
    this.last = !keepAlive;
  }

  writeHead(status: number, headers?: readonly string[] | Record<string, string | number | readonly string[]>): this {
    if (this.head !== undefined || this.headersSent) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    this.statusCode = status;
    if (status === 204 || status === 304 || (status >= 100 && status <= 199)) this.hasBody = false;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    let contentLength = false;
    let date = false;
    let defaultKeepAlive = true;
    const add = (name: string, value: string | number | readonly string[]) => {
      if (Array.isArray(value)) { for (const v of value) add(name, v); return; }
      head += `${name}: ${value}\r\n`;
      switch (name.length) {
        case 4: if (name.toLowerCase() === 'date') date = true; break;
        case 10: if (name.toLowerCase() === 'keep-alive') defaultKeepAlive = false; break;
        case 14: if (name.toLowerCase() === 'content-length') contentLength = true; break;
      }
    };
    if (Array.isArray(headers)) for (let i = 0; i < headers.length; i += 2) add(headers[i]!, headers[i + 1]!);
    else if (headers) for (const name of Object.keys(headers)) add(name, (headers as Record<string, string | number | readonly string[]>)[name]!);
    if (BAD_HEAD_CHARS.test(head)) {
      // node:http throws ERR_INVALID_CHAR here; the response cannot be sent as is.
      this.destroy();
      return this;
    }
    if (!date) head += dateHeader();
    // node:http's keep-alive rule: keep the connection if the request allows it and the body is framed.
    if (this.keepAlive && (contentLength || this.req.httpVersionMinor === 1)) {
      head += 'Connection: keep-alive\r\n';
      if (defaultKeepAlive) head += this.conn.keepAliveLine;
    } else {
      this.last = true;
      head += 'Connection: close\r\n';
    }
    if (!contentLength && this.hasBody) {
      if (this.req.httpVersionMinor === 0) this.last = true; // body until close
      else { head += 'Transfer-Encoding: chunked\r\n'; this.chunked = true; }
    }
    this.head = `${head}\r\n`;
    return this;
  }

  write(chunk: Buffer | string): boolean {
    if (this.writableEnded || this.destroyed) return false;
    if (this.head === undefined && !this.headersSent) this.writeHead(this.statusCode);
    if (!this.hasBody) return true;
    const body = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (body.length === 0) return true;
    let pre = this.head ?? '';
    this.head = undefined;
    this.headersSent = true;
    if (this.chunked) pre += `${body.length.toString(16)}\r\n`;
    return this.conn.send(pre, body, this.chunked ? '\r\n' : '');
  }

  addTrailers(trailers: Record<string, string>): void {
    for (const name of Object.keys(trailers)) this.trailers += `${name}: ${trailers[name]}\r\n`;
  }

  end(chunk?: Buffer | string): this {
    if (this.writableEnded || this.destroyed) return this;
    if (this.head === undefined && !this.headersSent) this.writeHead(this.statusCode);
    if (this.destroyed) return this;
    let pre = this.head ?? '';
    this.head = undefined;
    this.headersSent = true;
    this.writableEnded = true;
    let body: Buffer | undefined;
    if (chunk !== undefined && this.hasBody) {
      body = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (body.length === 0) body = undefined;
    }
    let post = '';
    if (this.chunked) {
      if (body) { pre += `${body.length.toString(16)}\r\n`; post = '\r\n'; }
      post += `0\r\n${this.trailers}\r\n`;
    }
    if (pre.length || body || post.length) this.conn.send(pre, body, post);
    this.conn.responseDone(this);
    return this;
  }

  /** Like ServerResponse.destroy: the connection goes. */
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.conn.socket.destroy();
    return this;
  }

  /** 'close', once: after the end of the response, or when the connection went first. */
  emitClose(): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.emit('close');
  }

  /** The client went away with the response unfinished. */
  abort(): void {
    this.destroyed = true;
    this.emitClose();
  }
}

/** One inbound connection on the fast path, until it is handed over or closes. */
export class FastConnection {
  readonly keepAliveLine: string;
  /** Bytes read and not yet parsed (the next requests). */
  private buf: Buffer | undefined;
  private active: FastResponse | undefined;
  /** The request whose body is arriving (undefined while a body nobody reads any more is being skipped). */
  private body: FastBodyRequest | undefined;
  private bodyRemaining = 0;
  private sniff: boolean;
  private paused = false;
  private pausedForBody = false;
  private pausedForPipeline = false;
  private closing = false;
  private gone = false;
  private idleSince = performance.now();
  private timer: NodeJS.Timeout;
  private scheduled = false;

  constructor(readonly socket: Socket, private readonly host: FastPathHost) {
    this.sniff = host.acceptH2c;
    this.keepAliveLine = `Keep-Alive: timeout=${Math.floor(host.keepAliveTimeoutMs / 1000)}\r\n`;
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    this.timer = setTimeout(this.onTimer, host.keepAliveTimeoutMs).unref();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.bodyRemaining > 0) {
      const n = Math.min(this.bodyRemaining, chunk.length);
      this.bodyRemaining -= n;
      this.deliverBody(n === chunk.length ? chunk : chunk.subarray(0, n));
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
    }
    if (this.closing) return;
    this.buf = this.buf === undefined ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.active !== undefined) {
      // A pipelined request waits for the response before it; do not read without bound meanwhile.
      if (this.buf.length > this.host.maxHeaderBytes && !this.pausedForPipeline) { this.pausedForPipeline = true; this.flow(); }
      return;
    }
    this.next();
  };

  /** Takes the next request from the buffer, if nothing is in progress. */
  private readonly next = (): void => {
    this.scheduled = false;
    while (this.active === undefined && this.bodyRemaining === 0 && this.buf !== undefined && !this.closing && !this.gone) {
      const buf = this.buf;
      if (this.sniff) {
        const n = Math.min(buf.length, H2_PREFACE.length);
        if (buf.compare(H2_PREFACE, 0, n, 0, n) === 0) {
          if (buf.length < H2_PREFACE.length) return; // a prefix of the preface so far
          this.handOver();
          this.host.toHttp2(this.socket, buf);
          return;
        }
        this.sniff = false;
      }
      const scan = Math.min(buf.length, this.host.maxHeaderBytes);
      const text = buf.toString('latin1', 0, scan);
      const end = text.indexOf('\r\n\r\n');
      // A partial or oversize head: node:http waits for the rest, with its 408/431 limits.
      const h = end < 0 ? undefined : parseHead(text.slice(0, end));
      if (h === undefined) {
        this.fallBack();
        return;
      }
      const req = h.contentLength > 0 ? new FastBodyRequest(this.socket, h, this) : new FastRequest(this.socket, h);
      const res = new FastResponse(this, req, h.keepAlive);
      this.active = res;
      this.bodyRemaining = h.contentLength;
      if (req instanceof FastBodyRequest) this.body = req;
      const rest = end + 4 === buf.length ? undefined : buf.subarray(end + 4);
      this.buf = rest;
      if (!this.host.fastHandle(req, res)) {
        this.active = undefined;
        this.body = undefined;
        this.bodyRemaining = 0;
        this.buf = buf;
        this.fallBack();
        return;
      }
      fastPathStats.requests++;
      if (this.bodyRemaining > 0 && rest !== undefined) {
        const n = Math.min(this.bodyRemaining, rest.length);
        this.bodyRemaining -= n;
        this.buf = n === rest.length ? undefined : rest.subarray(n);
        this.deliverBody(n === rest.length ? rest : rest.subarray(0, n));
      }
    }
  };

  private deliverBody(part: Buffer): void {
    const body = this.body;
    if (body === undefined) return; // skipped: the response ended first
    if (!body.push(part) && !this.pausedForBody) { this.pausedForBody = true; this.flow(); }
    if (this.bodyRemaining === 0) {
      body.push(null);
      this.body = undefined;
      if (this.pausedForBody) { this.pausedForBody = false; this.flow(); }
    }
  }

  /** The body's reader wants more. */
  bodyWanted(): void {
    if (this.pausedForBody) { this.pausedForBody = false; this.flow(); }
  }

  private flow(): void {
    const pause = this.pausedForBody || this.pausedForPipeline;
    if (pause === this.paused || this.gone) return;
    this.paused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  /** Writes `pre` (latin1) + `body` + `post` (latin1) in one write. */
  send(pre: string, body: Buffer | undefined, post: string): boolean {
    const socket = this.socket;
    if (socket.destroyed) return false;
    const bodyLength = body === undefined ? 0 : body.length;
    if (bodyLength === 0) return socket.write(pre + post, 'latin1');
    if (bodyLength > 65536) {
      socket.cork();
      if (pre.length) socket.write(pre, 'latin1');
      let ok = socket.write(body!);
      if (post.length) ok = socket.write(post, 'latin1');
      socket.uncork();
      return ok;
    }
    const out = Buffer.allocUnsafe(pre.length + bodyLength + post.length);
    out.write(pre, 0, 'latin1');
    body!.copy(out, pre.length);
    if (post.length) out.write(post, pre.length + bodyLength, 'latin1');
    return socket.write(out);
  }

  /** The active response ended (everything is written to the socket). */
  responseDone(res: FastResponse): void {
    if (res !== this.active) return;
    this.active = undefined;
    if (this.body !== undefined) {
      // Answered before the whole body arrived: the rest is read and dropped (node:http's _dump).
      this.body.push(null);
      this.body = undefined;
      if (this.pausedForBody) { this.pausedForBody = false; this.flow(); }
    }
    if (res.listenerCount('close') > 0) queueMicrotask(() => res.emitClose());
    if (res.last) {
      this.closing = true;
      this.buf = undefined;
      this.socket.end();
      this.socket.once('finish', () => this.socket.destroy());
      return;
    }
    if (this.pausedForPipeline) { this.pausedForPipeline = false; this.flow(); }
    if (this.buf !== undefined) {
      if (!this.scheduled) { this.scheduled = true; queueMicrotask(this.next); }
    } else {
      this.idleSince = performance.now();
    }
  }

  private readonly onDrain = (): void => {
    const res = this.active;
    if (res !== undefined) res.emit('drain');
  };

  /** node:http with allowHalfOpen off: a client's FIN aborts what is in progress and ends the connection. */
  private readonly onEnd = (): void => {
    this.closing = true;
    this.abortActive();
    if (!this.socket.destroyed) this.socket.end();
  };

  private readonly onClose = (): void => {
    this.gone = true;
    clearTimeout(this.timer);
    this.abortActive();
  };

  private abortActive(): void {
    const body = this.body;
    this.body = undefined;
    if (body !== undefined) body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    const res = this.active;
    this.active = undefined;
    if (res !== undefined) res.abort();
  }

  /** Keep-alive timeout: an idle connection closes (node:http's keepAliveTimeout). */
  private readonly onTimer = (): void => {
    if (this.gone) return;
    const timeout = this.host.keepAliveTimeoutMs;
    if (this.active !== undefined || this.bodyRemaining > 0) {
      this.timer.refresh();
      return;
    }
    const idle = performance.now() - this.idleSince;
    if (idle >= timeout - 1) {
      this.socket.destroy();
      return;
    }
    this.timer = setTimeout(this.onTimer, timeout - idle).unref();
  };

  private handOver(): void {
    this.gone = true;
    clearTimeout(this.timer);
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('drain', this.onDrain);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
  }

  private fallBack(): void {
    const buf = this.buf;
    this.buf = undefined;
    this.handOver();
    fastPathStats.fallbacks++;
    this.host.toHttp1(this.socket, buf);
  }
}
