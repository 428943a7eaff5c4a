/**
 * The dashboard's HTTP server (plain HTTP on loopback, separate from the API): the page, its JSON
 * API and live stream, and Prometheus `/metrics`. Everything but the page's static files needs the
 * API's bearer token; the printed URL carries it in the fragment, which browsers never send.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Client } from '../client/client.ts';
import { PrometheusExporter, type GatewayMetrics } from '../gateway/metrics.ts';
import { formatHostPort } from '../platform/addresses.ts';
import { handleApiRequest } from './api.ts';
import { LiveState } from './live-state.ts';
import { LiveStreams } from './live-stream.ts';
import { renderControlPlaneMetrics } from './metrics-exposition.ts';
import { Sampler, SAMPLE_INTERVAL_MS, type AutoscalerView } from './sampler.ts';
import { loadStaticFiles } from './static-files.ts';

export type { AutoscalerView } from './sampler.ts';

export interface DashboardOptions {
  client: Client;
  /** The gateway's data-path metrics; without them the charts show instances only. */
  metrics?: GatewayMetrics;
  autoscaler?: AutoscalerView;
  /** The API's bearer token. */
  token: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger?: Logger;
  /** Sampling period of the charts (default 1 s; tests go faster). */
  sampleIntervalMs?: number;
}

export interface Dashboard {
  /** The page's URL with the token in its fragment: print it, do not log it. */
  url: string;
  /** The URL without the token. */
  baseUrl: string;
  /** The Prometheus text the dashboard serves at /metrics (gateway data path + control plane). */
  renderMetrics(): Promise<string>;
  close(): Promise<void>;
}

const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const MAX_BODY_BYTES = 1024 * 1024;
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const logger = opts.logger;
  const tokenDigest = digest(opts.token);
  const files = loadStaticFiles();
  const state = await LiveState.start(opts.client, { logger });
  const sampler = new Sampler({ metrics: opts.metrics, autoscaler: opts.autoscaler, revisions: () => state.revisions.values() });
  const streams = new LiveStreams();
  const exporter = opts.metrics ? new PrometheusExporter(opts.metrics) : undefined;

  state.onChange((change) => streams.send('change', change));
  sampler.onSample((tick) => streams.send('sample', tick));
  sampler.start(opts.sampleIntervalMs ?? SAMPLE_INTERVAL_MS);

  const renderMetrics = async () => {
    const controlPlane = renderControlPlaneMetrics({
      revisions: state.revisions.values(), autoscaler: opts.autoscaler, coldStarts: sampler.coldStarts, decisions: sampler.decisions,
    });
    return exporter ? `${await exporter.render()}${controlPlane}` : controlPlane;
  };

  const authorized = (req: http.IncomingMessage): boolean => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!.trim()), tokenDigest);
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> => {
    const method = req.method ?? 'GET';
    const file = files.get(pathname);
    if (file) {
      if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { message: 'method not allowed' });
      if (req.headers['if-none-match'] === file.etag) { res.writeHead(304, { ETag: file.etag }); res.end(); return; }
      res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': file.body.length, ETag: file.etag, 'Cache-Control': 'no-cache' });
      res.end(method === 'HEAD' ? undefined : file.body);
      return;
    }
    if (pathname !== '/metrics' && !pathname.startsWith('/api/')) return sendJson(res, 404, { message: 'not found' });
    if (!authorized(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="ksrv"');
      return sendJson(res, 401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    if (pathname === '/metrics') {
      const text = await renderMetrics();
      res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : text);
      return;
    }
    if (pathname === '/api/stream') {
      streams.open(res, { ...state.snapshot(), series: sampler.ring.snapshot(), sampleIntervalMs: opts.sampleIntervalMs ?? SAMPLE_INTERVAL_MS });
      return;
    }
    const reply = await handleApiRequest(
      { client: opts.client, snapshot: () => state.snapshot(), series: () => sampler.ring.snapshot() },
      method, pathname, () => readBody(req),
    );
    if (!reply) return sendJson(res, 404, { message: 'not found' });
    sendJson(res, reply.status, reply.body);
  };

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    // Only the path is logged: the token travels in a header or the URL fragment, never here.
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.on('close', () => {
      logger?.debug({ method: req.method, path: pathname, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'dashboard request');
    });
    route(req, res, pathname).catch((err: unknown) => {
      logger?.error({ err, method: req.method, path: pathname }, 'dashboard request failed');
      if (res.headersSent) res.destroy();
      else sendJson(res, (err as { statusCode?: number }).statusCode ?? 500, { message: err instanceof Error ? err.message : String(err) });
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
    });
  } catch (err) {
    sampler.close();
    streams.close();
    state.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${formatHostPort({ host: opts.host, port })}/`;

  return {
    url: `${baseUrl}#token=${encodeURIComponent(opts.token)}`,
    baseUrl,
    renderMetrics,
    async close() {
      sampler.close();
      state.close();
      streams.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), 'Cache-Control': 'no-store' });
  res.end(payload);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('request body too large'), { statusCode: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
