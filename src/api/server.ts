/**
 * The Kubernetes-compatible HTTP(S) API server: bearer-token auth, /version and health, discovery,
 * OpenAPI, and the resource endpoints (delegated to resource-handler.ts).
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { Client } from '../client/client.ts';
import { ApiError, errors } from '../lib/errors.ts';
import {
  aggregatedApis, aggregatedContentType, aggregatedCore, apiGroupDocument, apiGroupList,
  apiResourceList, apiVersions, VERSION_INFO,
} from './discovery.ts';
import { wantsAggregatedDiscovery } from './media.ts';
import { openApiDocumentJson, openApiIndex } from './openapi.ts';
import { parseResourcePath } from './paths.ts';
import { handleResource } from './resource-handler.ts';
import { JSON_CONTENT_TYPE, sendJson, sendStatus, sendText } from './respond.ts';
import type { WatchTracker } from './watch.ts';

/** The user every valid token authenticates as (Knative's creator/lastModifier annotations). */
export const TOKEN_USER = 'ksrv-admin';

export interface ApiServerOptions {
  client: Client;
  /** Bearer token every request must carry; '' disables authentication (plain-http tests). */
  token: string;
  tls?: { key: string; cert: string };
  logger?: Logger;
}

export interface ApiServer {
  listen(host: string, port: number): Promise<{ port: number }>;
  /** Ends open watch streams and connections, then stops listening. */
  close(): Promise<void>;
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
}

const UNAUTHENTICATED_PATHS = new Set(['/version', '/healthz', '/readyz', '/livez']);

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const logger = opts.logger ?? pino({ level: 'silent' });
  const tokenDigest = opts.token ? digest(opts.token) : undefined;
  const watches: WatchTracker = new Set();

  const authorized = (req: http.IncomingMessage): boolean => {
    if (!tokenDigest) return true;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    return m !== null && timingSafeEqual(digest(m[1]!.trim()), tokenDigest);
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;

    if (UNAUTHENTICATED_PATHS.has(path)) {
      if (method !== 'GET' && method !== 'HEAD') throw errors.methodNotAllowed();
      if (path === '/version') return sendJson(res, 200, VERSION_INFO);
      return sendText(res, 200, 'ok');
    }
    if (!authorized(req)) throw errors.unauthorized();

    const resource = parseResourcePath(path);
    if (resource) {
      return handleResource({ req, res, url, path: resource, client: opts.client, username: TOKEN_USER, watches });
    }
    const doc = discoveryOrOpenApi(req, path);
    if (!doc) throw errors.pathNotFound();
    if (method !== 'GET' && method !== 'HEAD') throw errors.methodNotAllowed();
    if (doc.raw !== undefined) {
      res.writeHead(200, { 'Content-Type': JSON_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(doc.raw) });
      res.end(doc.raw);
      return;
    }
    sendJson(res, 200, doc.body, { contentType: doc.contentType });
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.on('close', () => {
      logger.debug({
        method: req.method, url: req.url, status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6, userAgent: req.headers['user-agent'],
      }, 'request');
    });
    route(req, res, url).catch((e: unknown) => {
      if (res.headersSent) {
        logger.error({ err: e, url: req.url }, 'error after the response started');
        res.destroy();
        return;
      }
      if (ApiError.isApiError(e)) return sendStatus(res, e);
      logger.error({ err: e, method: req.method, url: req.url }, 'internal error');
      sendStatus(res, errors.internal(e instanceof Error ? e.message : String(e)));
    });
  };

  const server: http.Server = opts.tls
    ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler)
    : http.createServer(handler);

  return {
    handler,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve({ port: (server.address() as AddressInfo).port });
        });
      });
    },
    async close() {
      const open = [...watches];
      for (const w of open) w.end();
      const closed = new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((e) => (e ? reject(e) : resolve()));
      });
      server.closeIdleConnections();
      // Let the ended streams flush their last chunk before the sockets are cut.
      let cap: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(open.map((w) => w.done)),
        new Promise((r) => { cap = setTimeout(r, 1000); }),
      ]);
      clearTimeout(cap);
      server.closeAllConnections();
      await closed;
    },
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

interface Document {
  body?: unknown;
  /** Already-serialised JSON, sent as is. */
  raw?: string;
  contentType?: string;
}

function discoveryOrOpenApi(req: http.IncomingMessage, path: string): Document | undefined {
  if (path === '/api' || path === '/apis') {
    const aggregated = wantsAggregatedDiscovery(req.headers.accept);
    if (aggregated) {
      return { body: path === '/api' ? aggregatedCore(aggregated) : aggregatedApis(aggregated), contentType: aggregatedContentType(aggregated) };
    }
    return { body: path === '/api' ? apiVersions(req.headers.host ?? '127.0.0.1') : apiGroupList() };
  }
  if (path === '/openapi/v3') return { body: openApiIndex() };
  if (path.startsWith('/openapi/v3/')) {
    const raw = openApiDocumentJson(path.slice('/openapi/v3/'.length));
    return raw !== undefined ? { raw } : undefined;
  }
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts.length === 2) {
    const body = apiResourceList('', parts[1]!);
    return body ? { body } : undefined;
  }
  if (parts[0] === 'apis' && parts.length === 2) {
    const body = apiGroupDocument(parts[1]!);
    return body ? { body } : undefined;
  }
  if (parts[0] === 'apis' && parts.length === 3) {
    const body = apiResourceList(parts[1]!, parts[2]!);
    return body ? { body } : undefined;
  }
  return undefined;
}
