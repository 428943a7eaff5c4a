/**
 * One proxied request: dispatches it to an instance through undici's low-level handler interface
 * (no intermediate streams), copies the response with backpressure, enforces the revision's
 * timeouts, retries another instance when the connection was refused before anything was sent,
 * and keeps the in-flight and outcome counters.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Dispatcher } from 'undici';
import type { RevisionBackend, UpstreamInstance } from './backends.ts';
import { RESPONSE_DROPPED } from './forwarding-headers.ts';

export type InboundRequest = IncomingMessage | Http2ServerRequest;
export type InboundResponse = ServerResponse | Http2ServerResponse;

/** Knative's body for a request that timed out before the response started (queue-proxy's text). */
export const TIMEOUT_BODY = 'request timeout';

/** Connection failures where the upstream provably saw nothing of the request. */
const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** A kept-alive connection the instance closed as we reused it (it is exiting): safe to retry bodiless requests. */
const STALE = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

export class Exchange {
  private abortUpstream: ((err: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tried: UpstreamInstance[] | undefined;
  private status = 0;
  private headersReceived = false;
  private done = false;
  private readonly h2: boolean;

  constructor(
    private readonly req: InboundRequest,
    private readonly res: InboundResponse,
    private readonly backend: RevisionBackend,
    private instance: UpstreamInstance,
    private readonly headers: string[],
    private readonly hasBody: boolean,
    private readonly startedAt: number,
  ) {
    this.h2 = req.httpVersionMajor === 2;
  }

  start(): void {
    const settings = this.backend.settings;
    this.backend.counters.started(this.startedAt);
    this.timer = setTimeout(this.onDeadline, settings.timeoutMs);
    this.res.once('close', this.onClientClose);
    this.dispatch();
  }

  private dispatch(): void {
    const { settings } = this.backend;
    this.instance.inFlight++;
    const firstByte = Math.min(settings.responseStartTimeoutMs || Infinity, settings.idleTimeoutMs || Infinity);
    const opts: Dispatcher.DispatchOptions = {
      path: this.req.url!,
      method: this.req.method as Dispatcher.HttpMethod,
      headers: this.headers,
      body: this.hasBody ? this.req : null,
      headersTimeout: firstByte === Infinity ? 0 : firstByte,
      bodyTimeout: settings.idleTimeoutMs,
    };
    this.instance.client.dispatch(opts, this as unknown as Dispatcher.DispatchHandler);
  }

  // ---- undici DispatchHandler (legacy form: raw headers, no wrapping) -------------------------

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.done) abort(new Error('client gone'));
  }

  /** Raw headers are Buffers from undici (h2c), strings from H1Pool. */
  onHeaders(statusCode: number, rawHeaders: (Buffer | string)[], resume: () => void): boolean {
    if (this.done) return false;
    if (statusCode < 200) return true; // 1xx informational responses are not forwarded
    this.headersReceived = true;
    this.status = statusCode;
    this.resumeUpstream = resume;
    const res = this.res;
    if (this.h2) {
      const headers: Record<string, string | string[]> = {};
      for (let i = 0; i < rawHeaders.length; i += 2) {
        const name = latin1(rawHeaders[i]!).toLowerCase();
        if (RESPONSE_DROPPED.has(name)) continue;
        const value = latin1(rawHeaders[i + 1]!);
        const prev = headers[name];
        headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
      }
      (res as Http2ServerResponse).writeHead(statusCode, headers);
    } else {
      const headers: string[] = [];
      for (let i = 0; i < rawHeaders.length; i += 2) {
        const name = latin1(rawHeaders[i]!);
        if (RESPONSE_DROPPED.has(name.toLowerCase())) continue;
        headers.push(name, latin1(rawHeaders[i + 1]!));
      }
      (res as ServerResponse).writeHead(statusCode, headers);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return false;
    if ((this.res as ServerResponse).write(chunk)) return true;
    this.res.once('drain', this.onDrain);
    return false;
  }

  /** HTTP/1.1 upstreams give raw [name, value, ...] trailers, h2c upstreams a headers object. */
  onComplete(trailers: (Buffer | string)[] | Record<string, string | string[]> | null): void {
    if (this.done) return;
    if (trailers) {
      const t: Record<string, string> = {};
      let any = false;
      if (Array.isArray(trailers)) {
        for (let i = 0; i < trailers.length; i += 2) { t[String(trailers[i]).toLowerCase()] = String(trailers[i + 1]); any = true; }
      } else {
        for (const [k, v] of Object.entries(trailers)) { t[k] = Array.isArray(v) ? v.join(', ') : String(v); any = true; }
      }
      if (any) this.res.addTrailers(t);
    }
    this.res.end();
    this.finish(this.status);
  }

  onError(err: Error & { code?: string }): void {
    if (this.done) return;
    const code = err.code ?? '';
    if (!this.headersReceived) {
      if (this.retryable(code)) {
        const next = this.backend.pick(this.tried ??= [this.instance]);
        if (next) {
          this.instance.inFlight--;
          this.tried.push(next);
          this.instance = next;
          this.abortUpstream = undefined;
          this.dispatch();
          return;
        }
      }
      if (code === 'UND_ERR_HEADERS_TIMEOUT') this.reply(504, TIMEOUT_BODY);
      else this.reply(502, `upstream ${this.backend.namespace}/${this.backend.name} (${this.instance.address}) failed before responding: ${code || err.message}\n`);
      return;
    }
    // The response has started: the only honest signal left is cutting the stream.
    this.res.destroy();
    this.finish(this.status);
  }

  // ---- the client side ------------------------------------------------------------------------

  private retryable(code: string): boolean {
    if (REFUSED.has(code)) return true;
    return STALE.has(code) && !this.hasBody;
  }

  private readonly onDrain = (): void => {
    this.resumeUpstream?.();
  };

  private readonly onDeadline = (): void => {
    if (this.done) return;
    this.timer = undefined;
    // Settle first: aborting calls onError synchronously, which must find the exchange done.
    if (!this.headersReceived) {
      this.reply(504, TIMEOUT_BODY);
    } else {
      this.res.destroy();
      this.finish(this.status);
    }
    this.abortUpstream?.(new Error('request timeout'));
  };

  private readonly onClientClose = (): void => {
    if (this.done) return;
    this.finish(0);
    this.abortUpstream?.(new Error('client closed the connection'));
  };

  private reply(status: number, body: string): void {
    const res = this.res;
    if (!res.headersSent && !res.writableEnded) {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
    this.finish(status);
  }

  private finish(status: number): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.instance.inFlight--;
    this.instance.requests++;
    this.backend.counters.finished(performance.now(), status, this.startedAt);
  }
}

function latin1(v: Buffer | string): string {
  return typeof v === 'string' ? v : v.toString('latin1');
}
