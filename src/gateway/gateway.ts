/**
 * The gateway: one cleartext port serving HTTP/1.1 (keep-alive, WebSocket upgrades) and
 * prior-knowledge h2c, routing by Host through the RoutingTable to a revision (smooth weighted
 * round-robin), then to its least-loaded instance. Revision settings come from a Revision informer.
 *
 * The gateway's own pages answer only on hosts no route can have (IP literals, localhost):
 * `GET http://<gateway-address>/metrics` is the Prometheus endpoint.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { RevisionType } from '../apis/resources.ts';
import type { Client } from '../client/client.ts';
import { Informer } from '../controller/informer.ts';
import { type EndpointSource, revisionSettings, RevisionBackends, type RevisionBackend } from './backends.ts';
import { Exchange, type InboundRequest, type InboundResponse } from './exchange.ts';
import { type FastBodyRequest, FastConnection, type FastPathHost, type FastRequest, type FastResponse } from './fast-http1.ts';
import { clientAddress, upstreamHeaders } from './forwarding-headers.ts';
import { hostKey, isGatewayOwnHost } from './host.ts';
import { type GatewayMetrics, PrometheusExporter } from './metrics.ts';
import { RoutingTable } from './routing-table.ts';
import { rejectUpgrade, spliceUpgrade } from './websocket.ts';

/**
 * What the no-ready-instance hook decides: true = an instance can take the request now (the gateway
 * proxies it), false = 503 "no ready instance", or the answer to give instead.
 */
export type InstanceAdmission = boolean | { status: number; body: string };

/**
 * Called when no instance of the chosen revision can take the request: none is ready, or all are at
 * their containerConcurrency. The activator (src/gateway/activator.ts) plugs in here.
 */
export type NoReadyInstanceHook = (backend: RevisionBackend, req: InboundRequest, res: InboundResponse) => InstanceAdmission | Promise<InstanceAdmission>;

export const answer503: NoReadyInstanceHook = () => false;

export interface GatewayOptions {
  /** Ready instances per revision (the process runtime). */
  endpoints?: EndpointSource;
  /** Knative-Serving-Tag header routing on a route's main hosts (default on). */
  tagHeaderRouting?: boolean;
  noReadyInstance?: NoReadyInstanceHook;
  /** Called when a request to a revision with a containerConcurrency limit ends: a slot is free. */
  requestEnded?: (backend: RevisionBackend) => void;
  /** Largest request head accepted; larger gets 431 (default 32 KiB). */
  maxHeaderBytes?: number;
  /** Time a client has to send a complete request head; slower gets 408 (default 15 s). */
  headersTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this (default 65 s). */
  keepAliveTimeoutMs?: number;
  /** Accept prior-knowledge h2c on the same port (default true). */
  h2c?: boolean;
  /**
   * Serve plain HTTP/1.x requests on the lean inbound path (`fast-http1.ts`) instead of node:http;
   * anything it does not cover falls back to node:http per connection (default true; the
   * environment variable KSRV_GATEWAY_FAST_PATH=0 turns the default off, e.g. for `ksrv up`).
   */
  fastPath?: boolean;
  connectionsPerInstance?: number;
  logger?: Logger;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export class Gateway {
  readonly backends: RevisionBackends;
  readonly table: RoutingTable;
  readonly metrics: GatewayMetrics;
  private readonly exporter: PrometheusExporter;
  private readonly http1: HttpServer;
  private readonly http2: Http2Server;
  private readonly listener: NetServer;
  private readonly sockets = new Set<Socket>();
  /** Whether `Knative-Serving-Tag` selects a tag on a route's main host; may change at run time (config reload). */
  tagHeaderRouting: boolean;
  private readonly noReadyInstance: NoReadyInstanceHook;
  private readonly acceptH2c: boolean;
  private readonly fastPath: FastPathHost | undefined;
  private informer: Informer | undefined;

  constructor(private readonly opts: GatewayOptions = {}) {
    this.backends = new RevisionBackends(opts.endpoints, { connectionsPerInstance: opts.connectionsPerInstance });
    this.table = new RoutingTable(this.backends);
    this.metrics = this.backends;
    this.exporter = new PrometheusExporter(this.backends);
    this.tagHeaderRouting = opts.tagHeaderRouting ?? true;
    this.noReadyInstance = opts.noReadyInstance ?? answer503;
    this.acceptH2c = opts.h2c ?? true;
    const maxHeaderSize = opts.maxHeaderBytes ?? 32 * 1024;
    this.http1 = createHttpServer({
      maxHeaderSize,
      headersTimeout: opts.headersTimeoutMs ?? 15_000,
      // Bodies may take as long as the revision's timeoutSeconds allows; the exchange enforces it.
      requestTimeout: 0,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 65_000,
      connectionsCheckingInterval: 1_000,
      noDelay: true,
    }, this.handle);
    this.http1.on('upgrade', this.handleUpgrade);
    // The HTTP/1 server never listens itself (it gets sockets from the sniffing listener); its
    // 'listening' event is what starts the periodic headersTimeout check (slowloris → 408).
    this.http1.emit('listening');
    this.http2 = createH2Server({ maxHeaderListPairs: 256, settings: { maxHeaderListSize: maxHeaderSize } }, this.handle);
    this.http2.on('sessionError', () => undefined);
    this.listener = createNetServer({ noDelay: true }, this.onConnection);
    this.fastPath = (opts.fastPath ?? process.env.KSRV_GATEWAY_FAST_PATH !== '0') ? {
      fastHandle: (req, res) => this.route(req, res, req.host, req.tag, req.hasBody),
      toHttp1: this.toHttp1,
      toHttp2: this.toHttp2,
      acceptH2c: this.acceptH2c,
      maxHeaderBytes: maxHeaderSize,
      keepAliveTimeoutMs: opts.keepAliveTimeoutMs ?? 65_000,
    } : undefined;
  }

  /** Feeds revision settings (h2c port, timeouts) from a Revision informer. */
  watchRevisions(client: Client): Promise<void> {
    const informer = new Informer(client, RevisionType, this.opts.logger);
    this.informer = informer;
    this.followRevisions(informer);
    return informer.start();
  }

  /** Takes revision settings (h2c, timeouts, containerConcurrency) from an informer someone else runs. */
  followRevisions(informer: Informer): void {
    const apply = (r: any) => this.backends.setSettings(r.metadata.namespace ?? 'default', r.metadata.name, revisionSettings(r));
    informer.addEventHandler({
      onAdd: apply,
      onUpdate: (_old, r) => apply(r),
      onDelete: (r) => this.backends.forget(r.metadata.namespace ?? 'default', r.metadata.name!),
    });
    // A late handler hears no replay: take what the cache already holds (applying twice is harmless).
    for (const r of informer.list()) apply(r);
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(port, host, () => { this.listener.off('error', reject); resolve(); });
    });
    return this.listener.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.informer?.stop();
    await new Promise<void>((resolve) => {
      this.listener.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
    this.http1.close();
    this.http2.close();
    await this.backends.close();
  }

  // ---- connections --------------------------------------------------------------------------

  private readonly onConnection = (socket: Socket): void => {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // Sockets handed over with emit('connection') do not get the servers' noDelay.
    socket.setNoDelay(true);
    if (this.fastPath !== undefined) {
      socket.on('error', ignore);
      new FastConnection(socket, this.fastPath);
      return;
    }
    if (!this.acceptH2c) {
      this.http1.emit('connection', socket);
      return;
    }
    socket.on('error', ignore);
    let seen: Buffer | undefined;
    const onData = (chunk: Buffer) => {
      seen = seen ? Buffer.concat([seen, chunk]) : chunk;
      const n = Math.min(seen.length, H2_PREFACE.length);
      const h2 = seen.compare(H2_PREFACE, 0, n, 0, n) === 0;
      if (h2 && seen.length < H2_PREFACE.length) return; // a prefix of the preface so far
      socket.off('data', onData);
      if (h2) this.toHttp2(socket, seen);
      else this.toHttp1(socket, seen);
    };
    socket.on('data', onData);
  };

  private readonly toHttp2 = (socket: Socket, seen: Buffer): void => {
    socket.pause();
    // The HTTP/2 session picks up the bytes already read (socket.readableLength) itself.
    socket.unshift(seen);
    this.http2.emit('connection', socket);
  };

  private readonly toHttp1 = (socket: Socket, seen: Buffer | undefined): void => {
    socket.pause();
    // The HTTP/1 server reads the socket's handle natively from here on; the bytes already read
    // go to it through its 'data' listener, which parses them like any read.
    this.http1.emit('connection', socket);
    if (seen !== undefined && seen.length > 0) socket.emit('data', seen);
    socket.resume();
  };

  // ---- requests -----------------------------------------------------------------------------

  private readonly handle = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
    const host = (req.headers.host ?? req.headers[':authority']) as string | undefined;
    const tag = req.headers['knative-serving-tag'];
    if (!this.route(req, res, host, typeof tag === 'string' ? tag : undefined, hasBody(req))) this.ownPage(hostKey(host), req, res);
  };

  /**
   * Routes a request by Host (and tag header) and proxies it. False, having done nothing, when no
   * route has the host (the caller answers: the gateway's own pages or 404).
   */
  private route(req: InboundRequest | FastRequest | FastBodyRequest, res: InboundResponse | FastResponse, host: string | undefined, tag: string | undefined, body: boolean): boolean {
    const route = this.table.lookup(hostKey(host));
    if (route === undefined) return false;
    // The fast path's request/response implement what the code below uses of node:http's.
    const inReq = req as InboundRequest;
    const inRes = res as InboundResponse;
    let group = route.group;
    if (route.tags !== undefined && this.tagHeaderRouting && tag !== undefined) group = route.tags.get(tag) ?? group;
    const backend = group.pick();
    if (backend === undefined) {
      plain(inRes, 503, `route ${group.namespace}/${group.route} has no traffic target\n`);
      return true;
    }
    if (backend.instances.length === 0) {
      this.waitForInstance(backend, inReq, inRes, host!, body);
      return true;
    }
    this.forward(backend, inReq, inRes, host!, body);
    return true;
  }

  private forward(backend: RevisionBackend, req: InboundRequest, res: InboundResponse, host: string, body: boolean): void {
    const instance = backend.pick();
    if (!instance) {
      this.waitForInstance(backend, req, res, host, body);
      return;
    }
    const startedAt = performance.now();
    const headers = upstreamHeaders(req.rawHeaders, host, clientAddress(req.socket.remoteAddress));
    new Exchange(req, res, backend, instance, headers, body, startedAt).start();
    // After the exchange's own 'close' listener, so the instance's slot is already free.
    if (backend.settings.containerConcurrency && this.opts.requestEnded) res.once('close', () => this.opts.requestEnded!(backend));
  }

  private waitForInstance(backend: RevisionBackend, req: InboundRequest, res: InboundResponse, host: string, body: boolean): void {
    const admit = (verdict: InstanceAdmission) => {
      if (verdict === true && backend.instances.length) this.forward(backend, req, res, host, body);
      else if (typeof verdict === 'object') plain(res, verdict.status, `${verdict.body}\n`);
      else plain(res, 503, `no ready instance of revision ${backend.namespace}/${backend.name}\n`);
    };
    const verdict = this.noReadyInstance(backend, req, res);
    if (typeof verdict === 'object' && 'then' in verdict) verdict.then(admit, () => admit(false));
    else admit(verdict);
  }

  private readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', ignore);
    const host = req.headers.host;
    const route = this.table.lookup(hostKey(host));
    if (!route) {
      rejectUpgrade(socket, 404, unknownHostBody(host));
      return;
    }
    let group = route.group;
    if (route.tags !== undefined && this.tagHeaderRouting) {
      const tag = req.headers['knative-serving-tag'];
      if (typeof tag === 'string') group = route.tags.get(tag) ?? group;
    }
    const backend = group.pick();
    if (!backend) {
      rejectUpgrade(socket, 503, `route ${group.namespace}/${group.route} has no traffic target\n`);
      return;
    }
    spliceUpgrade(req, socket, head, backend, host!, clientAddress(req.socket.remoteAddress));
  };

  private ownPage(key: string, req: InboundRequest, res: InboundResponse): void {
    if (isGatewayOwnHost(key) && req.url === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      this.exporter.render().then((text) => {
        res.writeHead(200, { 'content-type': this.exporter.contentType });
        res.end(req.method === 'HEAD' ? '' : text);
      }, (err: Error) => plain(res, 500, `${err.message}\n`));
      return;
    }
    plain(res, 404, unknownHostBody(req.headers.host ?? (req.headers[':authority'] as string | undefined)));
  }
}

function unknownHostBody(host: string | undefined): string {
  return host ? `no route for host "${host}" (ksrv gateway)\n` : 'no Host header: the ksrv gateway routes by Host\n';
}

function hasBody(req: InboundRequest): boolean {
  if (req.httpVersionMajor === 2) return !(req as Http2ServerRequest).stream.endAfterHeaders;
  const h = req.headers;
  return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
}

function plain(res: InboundResponse, status: number, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function ignore(): void {}
