/**
 * The dashboard's JSON API (everything but the live stream): the current objects, the metric
 * series, the history, and changing a Service's traffic split. The split goes through the Client
 * as a merge patch, so admission validates it exactly as it does kubectl's; its rejection is
 * returned verbatim as a Kubernetes Status.
 */
import { ServiceType } from '../apis/resources.ts';
import { TOKEN_USER } from '../api/server.ts';
import type { Client } from '../client/client.ts';
import { ApiError, errors } from '../lib/errors.ts';
import type { LiveSnapshot } from './live-state.ts';
import type { SeriesSnapshot } from './series-ring.ts';
import { serviceView } from './views.ts';

export interface ApiDeps {
  client: Client;
  snapshot(): LiveSnapshot;
  series(): SeriesSnapshot;
}

export interface JsonReply {
  status: number;
  body: unknown;
}

const TRAFFIC_PATH = /^\/api\/namespaces\/([^/]+)\/services\/([^/]+)\/traffic$/;

/** Answers an /api request, or undefined when the path is not one of these. */
export async function handleApiRequest(deps: ApiDeps, method: string, pathname: string, readBody: () => Promise<string>): Promise<JsonReply | undefined> {
  try {
    switch (pathname) {
      case '/api/state': return get(method, () => deps.snapshot());
      case '/api/series': return get(method, () => deps.series());
      case '/api/history': return get(method, () => deps.snapshot().history);
    }
    const m = TRAFFIC_PATH.exec(pathname);
    if (!m) return undefined;
    if (method !== 'PATCH' && method !== 'PUT') throw errors.methodNotAllowed();
    const traffic = parseTrafficBody(await readBody());
    const namespace = decodeURIComponent(m[1]!);
    const name = decodeURIComponent(m[2]!);
    const { object } = await deps.client.patch(ServiceType, namespace, name, 'merge', { spec: { traffic } }, { username: TOKEN_USER, fieldManager: 'ksrv-dashboard' });
    return { status: 200, body: serviceView(object) };
  } catch (e) {
    if (ApiError.isApiError(e)) return { status: e.code, body: e.toStatus() };
    throw e;
  }
}

function get(method: string, body: () => unknown): JsonReply {
  if (method !== 'GET' && method !== 'HEAD') throw errors.methodNotAllowed();
  return { status: 200, body: body() };
}

/** `{"traffic": [...]}`; the targets themselves are left to admission. */
function parseTrafficBody(text: string): unknown[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`the request body is not JSON: ${(e as Error).message}`);
  }
  const traffic = (body as { traffic?: unknown } | null)?.traffic;
  if (!Array.isArray(traffic)) throw errors.badRequest('the request body must be {"traffic": [...]}');
  return traffic;
}
