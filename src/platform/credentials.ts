/**
 * The API server's TLS material and bearer token, generated on first start and kept in the data
 * dir so that a restart keeps existing kubeconfigs valid. Regenerated when the API host changes
 * (the certificate's SANs must name it).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTls } from '../api/tls.ts';

export interface Credentials {
  caCert: string;
  cert: string;
  key: string;
  token: string;
}

interface CertMeta { hosts: string[] }

export function loadOrCreateCredentials(dataDir: string, apiHost: string): Credentials {
  const dir = join(dataDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // `mode` only applies to what is created: a pki dir or secret left with looser modes is tightened.
  chmodSync(dir, 0o700);
  const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'apiserver.crt'), key: join(dir, 'apiserver.key'), meta: join(dir, 'hosts.json'), token: join(dir, 'token') };
  for (const secret of [files.token, files.key]) if (existsSync(secret)) chmodSync(secret, 0o600);

  let token: string;
  if (existsSync(files.token)) token = readFileSync(files.token, 'utf8').trim();
  else {
    token = randomBytes(32).toString('base64url');
    writeFileSync(files.token, token + '\n', { mode: 0o600 });
  }

  const hosts = [...new Set(['127.0.0.1', 'localhost', apiHost])].sort();
  const existing = existsSync(files.meta) && existsSync(files.cert) && existsSync(files.key) && existsSync(files.ca)
    ? (JSON.parse(readFileSync(files.meta, 'utf8')) as CertMeta) : undefined;
  if (existing && JSON.stringify(existing.hosts) === JSON.stringify(hosts)) {
    return { caCert: readFileSync(files.ca, 'utf8'), cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8'), token };
  }
  const tls = generateTls(hosts);
  writeFileSync(files.ca, tls.caCert);
  writeFileSync(files.cert, tls.cert);
  writeFileSync(files.key, tls.key, { mode: 0o600 });
  writeFileSync(files.meta, JSON.stringify({ hosts } satisfies CertMeta));
  return { ...tls, token };
}
