/**
 * Reads the kubeconfig the CLI talks through: `--kubeconfig`, else the first existing file of
 * `$KUBECONFIG`, else `~/.ksrv/kubeconfig` (the one `ksrv up` writes). Only what ksrv needs of
 * the format: the current context's server, CA, bearer token (or client certificate) and namespace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

export interface Connection {
  server: string;
  ca?: string;
  insecureSkipTlsVerify?: boolean;
  token?: string;
  clientCert?: string;
  clientKey?: string;
  /** The context's namespace, `default` when it has none. */
  namespace: string;
  /** The kubeconfig file this came from, for messages. */
  path: string;
}

export function kubeconfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag;
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (list.length > 0) return list.find((p) => existsSync(p)) ?? list[0]!;
  return join(env.HOME || homedir(), '.ksrv', 'kubeconfig');
}

function named<T>(list: unknown, name: string, field: string): T | undefined {
  if (!Array.isArray(list)) return undefined;
  return (list.find((e) => e?.name === name) as Record<string, T> | undefined)?.[field];
}

/** Inline `*-data` (base64) or a file path relative to the kubeconfig. */
function material(section: Record<string, unknown>, key: string, base: string): string | undefined {
  const data = section[`${key}-data`];
  if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
  const file = section[key];
  if (typeof file === 'string') return readFileSync(isAbsolute(file) ? file : join(base, file), 'utf8');
  return undefined;
}

export function parseKubeconfig(text: string, path: string, contextName?: string): Connection {
  const doc = (parse(text) ?? {}) as Record<string, unknown>;
  const ctxName = contextName ?? (doc['current-context'] as string | undefined);
  if (!ctxName) throw new Error(`kubeconfig ${path} has no current-context`);
  const ctx = named<Record<string, string>>(doc.contexts, ctxName, 'context');
  if (!ctx) throw new Error(`context "${ctxName}" not found in kubeconfig ${path}`);
  const cluster = named<Record<string, unknown>>(doc.clusters, ctx.cluster ?? '', 'cluster');
  if (!cluster || typeof cluster.server !== 'string') throw new Error(`cluster "${ctx.cluster}" of context "${ctxName}" not found in kubeconfig ${path}`);
  const user = named<Record<string, unknown>>(doc.users, ctx.user ?? '', 'user') ?? {};
  const base = dirname(path);
  const tokenFile = user.tokenFile;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    ca: material(cluster, 'certificate-authority', base),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    token: typeof user.token === 'string' ? user.token
      : typeof tokenFile === 'string' ? readFileSync(isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile), 'utf8').trim() : undefined,
    clientCert: material(user, 'client-certificate', base),
    clientKey: material(user, 'client-key', base),
    namespace: ctx.namespace || 'default',
    path,
  };
}

export function loadKubeconfig(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Connection {
  const path = kubeconfigPath(flag, env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (is `ksrv up` running? it writes ~/.ksrv/kubeconfig)' : (e as Error).message;
    throw new Error(`cannot read kubeconfig ${path}: ${why}`);
  }
  return parseKubeconfig(text, path);
}
