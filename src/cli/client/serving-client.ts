/**
 * A small typed client of the serving.knative.dev/v1 kinds over HTTPS, authenticated as the
 * kubeconfig says. Failures carry the server's Status `message`, which the CLI prints as kn does.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { KObject } from '../../apis/meta.ts';
import type { Connection } from './kubeconfig.ts';

export type ServingResource = 'services' | 'revisions' | 'routes' | 'configurations';

export const SERVING_API_VERSION = 'serving.knative.dev/v1';

/** Kind of each resource, for lists and `-o name`. */
export const KIND_OF: Record<ServingResource, string> = {
  services: 'Service', revisions: 'Revision', routes: 'Route', configurations: 'Configuration',
};

/** An error answered by the API server (its Status), or a failure to reach it. */
export class ApiRequestError extends Error {
  constructor(message: string, readonly code: number, readonly reason?: string) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiRequestError && e.code === 404;
}

export function isConflict(e: unknown): boolean {
  return e instanceof ApiRequestError && e.code === 409 && e.reason === 'Conflict';
}

export interface ListResult { items: KObject[]; resourceVersion?: string }

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent { type: WatchEventType; object: KObject }

export interface WatchHandle {
  stop(): void;
  /** Settles when the stream ends: resolves on a clean end or stop(), rejects on a broken stream. */
  closed: Promise<void>;
}

export interface WatchOptions { name?: string; labelSelector?: string; resourceVersion?: string }

export class ServingClient {
  readonly #agent: Agent;
  readonly #base: URL;

  constructor(readonly connection: Connection, readonly namespace: string) {
    this.#base = new URL(connection.server);
    this.#agent = new Agent({
      keepAlive: true,
      ca: connection.ca,
      cert: connection.clientCert,
      key: connection.clientKey,
      rejectUnauthorized: !connection.insecureSkipTlsVerify,
    });
  }

  /** Frees the kept-alive connections so the process can exit. */
  close(): void {
    this.#agent.destroy();
  }

  path(resource: ServingResource, name?: string, query?: Record<string, string | undefined>): string {
    let p = `${this.#base.pathname.replace(/\/$/, '')}/apis/${SERVING_API_VERSION}/namespaces/${encodeURIComponent(this.namespace)}/${resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, v);
    const qs = params.toString();
    return qs ? `${p}?${qs}` : p;
  }

  get(resource: ServingResource, name: string): Promise<KObject> {
    return this.#json('GET', this.path(resource, name));
  }

  async list(resource: ServingResource, opts: { labelSelector?: string } = {}): Promise<ListResult> {
    const list = await this.#json<{ items?: KObject[]; metadata?: { resourceVersion?: string } }>('GET', this.path(resource, undefined, { labelSelector: opts.labelSelector }));
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion };
  }

  /** core/v1 Events of the namespace matching a field selector (`involvedObject.name=…,involvedObject.kind=…`). */
  async listEvents(fieldSelector: string): Promise<KObject[]> {
    const path = `${this.#base.pathname.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(this.namespace)}/events?${new URLSearchParams({ fieldSelector })}`;
    return (await this.#json<{ items?: KObject[] }>('GET', path)).items ?? [];
  }

  create(resource: ServingResource, obj: KObject): Promise<KObject> {
    return this.#json('POST', this.path(resource), obj);
  }

  /** PUT: fails with a 409 Conflict when `metadata.resourceVersion` is stale. */
  update(resource: ServingResource, obj: KObject): Promise<KObject> {
    return this.#json('PUT', this.path(resource, obj.metadata.name!), obj);
  }

  /** JSON merge patch (RFC 7386). */
  patch(resource: ServingResource, name: string, patch: unknown): Promise<KObject> {
    return this.#json('PATCH', this.path(resource, name), patch, 'application/merge-patch+json');
  }

  delete(resource: ServingResource, name: string): Promise<unknown> {
    return this.#json('DELETE', this.path(resource, name), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
  }

  /** Streams watch events; the first events are synthetic ADDEDs of the current state unless `resourceVersion` is given. */
  watch(resource: ServingResource, opts: WatchOptions, onEvent: (e: WatchEvent) => void): WatchHandle {
    const query = {
      watch: 'true',
      fieldSelector: opts.name ? `metadata.name=${opts.name}` : undefined,
      labelSelector: opts.labelSelector,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: 'false',
    };
    let stopped = false;
    let response: IncomingMessage | undefined;
    const req = request(this.#options('GET', this.path(resource, undefined, query)));
    const closed = new Promise<void>((resolve, reject) => {
      req.on('error', (e) => (stopped ? resolve() : reject(connectionError(this.connection.server, e))));
      req.on('response', (res) => {
        response = res;
        if ((res.statusCode ?? 0) >= 300) {
          readBody(res).then((body) => reject(statusError(res.statusCode ?? 0, body)), reject);
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (!line || stopped) continue;
            const event = JSON.parse(line) as WatchEvent;
            if (event.type === 'ERROR') {
              stopped = true;
              req.destroy();
              reject(new ApiRequestError(String((event.object as { message?: string }).message ?? 'watch failed'), Number((event.object as { code?: number }).code ?? 500)));
              return;
            }
            onEvent(event);
          }
        });
        res.on('end', () => resolve());
        res.on('error', (e) => (stopped ? resolve() : reject(e)));
        res.on('close', () => resolve());
      });
      req.end();
    });
    return {
      stop: () => {
        stopped = true;
        response?.destroy();
        req.destroy();
      },
      closed,
    };
  }

  #options(method: string, path: string, contentType?: string, payload?: string): RequestOptions {
    const headers: Record<string, string | number> = { Accept: 'application/json', 'User-Agent': 'ksrv-cli' };
    if (this.connection.token) headers.Authorization = `Bearer ${this.connection.token}`;
    if (contentType) headers['Content-Type'] = contentType;
    if (payload !== undefined) headers['Content-Length'] = Buffer.byteLength(payload);
    return { method, host: this.#base.hostname.replace(/^\[|\]$/g, ''), port: this.#base.port || 443, path, headers, agent: this.#agent };
  }

  #json<T = KObject>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(this.#options(method, path, payload === undefined ? undefined : contentType, payload), (res) => {
        readBody(res).then((text) => {
          const code = res.statusCode ?? 0;
          if (code >= 300) return reject(statusError(code, text));
          try {
            resolve((text ? JSON.parse(text) : {}) as T);
          } catch {
            reject(new ApiRequestError(`the server sent invalid JSON for ${method} ${path}`, code));
          }
        }, reject);
      });
      req.on('error', (e) => reject(connectionError(this.connection.server, e)));
      req.end(payload);
    });
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => { text += d; });
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

function statusError(code: number, body: string): ApiRequestError {
  try {
    const status = JSON.parse(body) as { message?: string; reason?: string };
    if (status.message) return new ApiRequestError(status.message, code, status.reason);
  } catch { /* not a Status */ }
  return new ApiRequestError(`the server responded with HTTP ${code}${body ? `: ${body.trim().slice(0, 200)}` : ''}`, code);
}

function connectionError(server: string, e: Error): ApiRequestError {
  return new ApiRequestError(`cannot reach the API server at ${server}: ${e.message}`, 0);
}
