/**
 * Registry credentials, in the `auth.json` format shared by podman, skopeo and docker's config.json:
 *
 *   { "auths": { "registry.example.com": { "auth": "<base64 of user:password>" } } }
 *   ({ "username": "...", "password": "..." } is accepted in place of "auth")
 *
 * Looked up in `$KSRV_AUTH_FILE`, else `$REGISTRY_AUTH_FILE`, else `<dataDir>/auth.json`.
 * Keys may be a host (`host:port`), a URL (`https://host/v1/`) or a host with a repository prefix
 * (`host/org`); the longest matching prefix wins. Docker Hub is matched by docker.io,
 * index.docker.io and registry-1.docker.io alike.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Credential { username: string; password: string }

export interface CredentialSource {
  /** Credentials for a repository (`domain/path`), if any. */
  lookup(domain: string, path: string): Credential | undefined;
}

interface AuthFile { auths?: Record<string, { auth?: string; username?: string; password?: string }> }

export function authFilePath(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.KSRV_AUTH_FILE || env.REGISTRY_AUTH_FILE || join(dataDir, 'auth.json');
}

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export class AuthFileCredentials implements CredentialSource {
  constructor(private readonly file: string) {}

  lookup(domain: string, path: string): Credential | undefined {
    let parsed: AuthFile;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as AuthFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`${this.file}: ${(err as Error).message}`);
    }
    const want = `${canonicalHost(domain)}/${path}`;
    let best: { len: number; cred: Credential } | undefined;
    for (const [key, entry] of Object.entries(parsed.auths ?? {})) {
      const k = normalizeKey(key);
      if (want !== k && !want.startsWith(k + '/')) continue;
      const cred = decode(entry);
      if (cred && (!best || k.length > best.len)) best = { len: k.length, cred };
    }
    return best?.cred;
  }
}

function canonicalHost(host: string): string {
  return DOCKER_HUB.has(host) ? 'docker.io' : host;
}

function normalizeKey(key: string): string {
  const stripped = key.replace(/^https?:\/\//, '').replace(/\/+$/, '').replace(/\/v[12]$/, '');
  const slash = stripped.indexOf('/');
  const host = slash < 0 ? stripped : stripped.slice(0, slash);
  return canonicalHost(host) + (slash < 0 ? '' : stripped.slice(slash));
}

function decode(entry: { auth?: string; username?: string; password?: string }): Credential | undefined {
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return undefined;
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
  return undefined;
}
