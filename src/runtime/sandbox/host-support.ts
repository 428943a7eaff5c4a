/**
 * What this host offers for sandboxing. Full sandboxing needs root (network namespaces, veths and
 * bwrap's namespaces without a user namespace) plus `bwrap`, `ip` (iproute2), `nsenter` and, for
 * images with a non-root USER, `setpriv` (util-linux). Without them ksrv runs instances as plain host
 * processes (degraded mode).
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export interface HostTools {
  bwrap: string;
  ip: string;
  nsenter: string;
  setpriv?: string;
  iptables?: string;
}

export interface HostSupport {
  /** Set when every tool for full sandboxing is present and we are root. */
  tools?: HostTools;
  /** Why instances run degraded (plain host processes), when they do. */
  degradedReason?: string;
}

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const path = join(dir, name);
    try { accessSync(path, constants.X_OK); return path; } catch { /* keep looking */ }
  }
  return undefined;
}

export function detectHostSupport(): HostSupport {
  if (process.platform !== 'linux') return { degradedReason: 'sandboxing needs Linux' };
  if (process.getuid?.() !== 0) return { degradedReason: 'sandboxing needs root (network namespaces, veth pairs)' };
  const bwrap = findExecutable('bwrap');
  const ip = findExecutable('ip');
  const nsenter = findExecutable('nsenter');
  const missing = [!bwrap && 'bwrap (bubblewrap)', !ip && 'ip (iproute2)', !nsenter && 'nsenter (util-linux)'].filter(Boolean);
  if (missing.length > 0) return { degradedReason: `missing ${missing.join(', ')}` };
  return { tools: { bwrap: bwrap!, ip: ip!, nsenter: nsenter!, setpriv: findExecutable('setpriv'), iptables: findExecutable('iptables') } };
}
