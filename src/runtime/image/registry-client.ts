/**
 * Pulls images over the Docker Registry HTTP API v2 (OCI distribution spec): anonymous, basic auth,
 * and bearer tokens obtained from the `WWW-Authenticate` challenge's realm. Plain http is used only
 * for registries on the loopback interface; every other registry is https.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { BlobStore, DigestMismatchError, sha256Digest } from './blob-store.ts';
import type { Credential, CredentialSource } from './credentials.ts';
import { copyImage } from './image-copy.ts';
import { MANIFEST_ACCEPT, isIndexMediaType, isManifestMediaType, type Descriptor } from './oci.ts';
import { isLoopbackRegistry, type ImageReference } from './reference.ts';

export class RegistryError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'RegistryError';
  }
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MANIFEST_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;

interface Challenge { scheme: string; params: Record<string, string> }

export class RegistryClient {
  /** Authorization header per registry host + scope, reused across requests of a pull. */
  private readonly authorizations = new Map<string, string>();

  constructor(private readonly credentials: CredentialSource) {}

  /** Pulls `ref` into the blob store; returns the digest of its top manifest (index or manifest). */
  async pull(ref: ImageReference, blobs: BlobStore): Promise<string> {
    const reference = ref.digest ?? ref.tag ?? 'latest';
    const res = await this.request(ref, `manifests/${reference}`, { accept: MANIFEST_ACCEPT.join(', ') }, MANIFEST_TIMEOUT_MS);
    const bytes = await readLimited(res, MAX_MANIFEST_BYTES);
    const digest = sha256Digest(bytes);
    if (ref.digest && ref.digest !== digest) throw new DigestMismatchError(ref.digest, digest, 'manifest');
    const announced = res.headers.get('docker-content-digest');
    if (announced && announced.startsWith('sha256:') && announced !== digest) throw new DigestMismatchError(announced, digest, 'manifest');
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const top: Descriptor = { mediaType, digest, size: bytes.length };
    await copyImage({ open: (desc) => this.openBlob(ref, desc) }, blobs, top, bytes);
    return digest;
  }

  private async openBlob(ref: ImageReference, desc: Descriptor): Promise<Readable> {
    const isDocument = isIndexMediaType(desc.mediaType) || isManifestMediaType(desc.mediaType);
    const res = isDocument
      ? await this.request(ref, `manifests/${desc.digest}`, { accept: MANIFEST_ACCEPT.join(', ') }, MANIFEST_TIMEOUT_MS)
      : await this.request(ref, `blobs/${desc.digest}`, {}, undefined);
    if (!res.body) throw new RegistryError(`${desc.digest}: empty response body`);
    return Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
  }

  /** GET `/v2/<repo>/<suffix>`, answering one auth challenge and following redirects. */
  private async request(ref: ImageReference, suffix: string, headers: Record<string, string>, timeoutMs: number | undefined): Promise<Response> {
    const base = registryBase(ref.domain);
    const url = `${base}/v2/${ref.path}/${suffix}`;
    const scope = `repository:${ref.path}:pull`;
    const authKey = `${ref.domain} ${scope}`;
    let res = await this.get(url, headers, this.authorizations.get(authKey), timeoutMs);
    if (res.status === 401) {
      const challenge = parseChallenge(res.headers.get('www-authenticate') ?? '');
      await res.body?.cancel();
      const authorization = await this.authorize(ref, challenge, scope);
      this.authorizations.set(authKey, authorization);
      res = await this.get(url, headers, authorization, timeoutMs);
    }
    if (!res.ok) throw await registryFailure(res, url);
    return res;
  }

  private async get(url: string, headers: Record<string, string>, authorization: string | undefined, timeoutMs: number | undefined): Promise<Response> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const h: Record<string, string> = { ...headers };
      // Credentials only go to the origin they were issued for (blob redirects often go to a CDN).
      if (authorization && new URL(current).origin === new URL(url).origin) h.authorization = authorization;
      const res = await fetch(current, { headers: h, redirect: 'manual', signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : null });
      if (res.status < 300 || res.status >= 400 || !res.headers.get('location')) return res;
      await res.body?.cancel();
      const next = new URL(res.headers.get('location')!, current);
      if (!transportAllowed(new URL(url).host, next)) {
        throw new RegistryError(`refusing redirect to ${next.protocol}//${next.host} (https is required)`);
      }
      current = next.toString();
    }
    throw new RegistryError(`${url}: too many redirects`);
  }

  private async authorize(ref: ImageReference, challenge: Challenge | undefined, scope: string): Promise<string> {
    const cred = this.credentials.lookup(ref.domain, ref.path);
    if (!challenge) throw new RegistryError(`${ref.domain}: 401 Unauthorized without a WWW-Authenticate challenge`, 401);
    if (challenge.scheme === 'basic') {
      if (!cred) throw new RegistryError(`${ref.domain}: authentication required and no credentials found for it`, 401);
      return basic(cred);
    }
    if (challenge.scheme !== 'bearer') throw new RegistryError(`${ref.domain}: unsupported authentication scheme "${challenge.scheme}"`, 401);
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError(`${ref.domain}: bearer challenge without a realm`, 401);
    const tokenUrl = new URL(realm);
    if (!transportAllowed(ref.domain, tokenUrl)) {
      throw new RegistryError(`${ref.domain}: refusing token realm ${tokenUrl.origin} (https is required)`);
    }
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    tokenUrl.searchParams.set('scope', challenge.params.scope ?? scope);
    const res = await fetch(tokenUrl, {
      headers: cred ? { authorization: basic(cred) } : {},
      signal: AbortSignal.timeout(MANIFEST_TIMEOUT_MS),
    });
    if (!res.ok) throw await registryFailure(res, `token ${tokenUrl.origin}${tokenUrl.pathname}`);
    const body = await res.json() as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`${ref.domain}: token endpoint returned no token`);
    return `Bearer ${token}`;
  }
}

/**
 * Where a registry may send the client (redirects, token realm): https anywhere; plain http only
 * from a loopback registry to loopback. A remote registry naming http://127.0.0.1:… would otherwise
 * make the pull (and, for a realm, its credentials) reach local services in the clear.
 */
export function transportAllowed(registryDomain: string, target: URL): boolean {
  if (target.protocol === 'https:') return true;
  return target.protocol === 'http:' && isLoopbackRegistry(registryDomain) && isLoopbackRegistry(target.host);
}

export function registryBase(domain: string): string {
  if (domain === 'docker.io') return 'https://registry-1.docker.io';
  return `${isLoopbackRegistry(domain) ? 'http' : 'https'}://${domain}`;
}

function basic(cred: Credential): string {
  return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (first challenge only). */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let p = re.exec(m[2]!); p; p = re.exec(m[2]!)) params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme: m[1]!.toLowerCase(), params };
}

async function registryFailure(res: Response, what: string): Promise<RegistryError> {
  let detail = res.statusText;
  try {
    const text = await res.text();
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    if (parsed.errors?.length) detail = parsed.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch { /* not a registry error document */ }
  return new RegistryError(`GET ${what}: ${res.status} ${detail}`, res.status);
}

async function readLimited(res: Response, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > limit) throw new RegistryError(`manifest larger than ${limit} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
