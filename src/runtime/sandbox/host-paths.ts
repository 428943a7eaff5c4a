/**
 * Host runtime paths an image may ask to see, read-only, in its sandbox: the way to run an app
 * that needs an interpreter (Node.js, Python) without pulling a base image. The image carries the
 * label `dev.ksrv.host-paths` with space-separated absolute paths, e.g.
 *
 *   FROM scratch
 *   LABEL dev.ksrv.host-paths="/usr /lib /lib64 /bin"
 *   COPY server.js /app/server.js
 *   ENTRYPOINT ["/usr/bin/node", "/app/server.js"]
 *
 * Only system locations can be shared: paths that would expose the host's state, secrets or
 * devices (/, /proc, /sys, /dev, /run, /tmp, /var, /home, /root, /etc itself and its secrets, ksrv's data) are
 * refused, also when reached through a host symlink; secrets inside a shared directory are hidden.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { normalize } from 'node:path';

export const HOST_PATHS_LABEL = 'dev.ksrv.host-paths';

const FORBIDDEN_TREES = ['/proc', '/sys', '/dev', '/run', '/tmp', '/var', '/home', '/root', '/boot', '/mnt', '/media', '/srv', '/opt/ksrv'];
/**
 * Secrets under /etc (whose other system files, /etc/ssl say, may be shared): refused when asked
 * for, and hidden (an empty tmpfs, or /dev/null for a file) when a shared directory contains them.
 */
const SECRET_PATHS = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/sudoers', '/etc/sudoers.d',
  '/etc/ssh', '/etc/ssl/private', '/etc/pki/tls/private', '/etc/pki/CA/private', '/etc/krb5.keytab', '/etc/security',
  '/etc/letsencrypt', '/etc/kubernetes', '/etc/wireguard', '/etc/NetworkManager/system-connections', '/etc/credstore',
  '/etc/credstore.encrypted', '/etc/docker', '/etc/containers'];

const under = (path: string, tree: string) => path === tree || path.startsWith(`${tree}/`);

export interface HostPathEntry {
  path: string;
  kind: 'dir' | 'file' | 'symlink';
  target?: string;
  /** Secrets inside a shared directory, as sandbox paths, to cover after binding it. */
  masks?: { path: string; kind: 'dir' | 'file' }[];
}

function refused(path: string): boolean {
  return path === '/' || path === '/etc' || FORBIDDEN_TREES.some((t) => under(path, t)) || SECRET_PATHS.some((t) => under(path, t));
}

/** Parses and checks the label; throws with a message naming the offending path. */
export function parseHostPaths(label: string | undefined): string[] {
  if (!label || !label.trim()) return [];
  const paths: string[] = [];
  for (const raw of label.trim().split(/\s+/)) {
    if (!raw.startsWith('/')) throw new Error(`${HOST_PATHS_LABEL}: "${raw}" is not an absolute path`);
    const path = normalize(raw).replace(/\/+$/, '') || '/';
    if (refused(path)) {
      throw new Error(`${HOST_PATHS_LABEL}: "${raw}" may not be shared with a sandbox (only system locations such as /usr, /lib, /bin, /etc/ssl)`);
    }
    if (!paths.includes(path)) paths.push(path);
  }
  return paths;
}

/**
 * What each existing host path is; missing paths are skipped (a /lib64 absent on this host, say).
 * A path reached through a host symlink (`/usr/tmp/x` → `/var/tmp/x`) is checked where it really is;
 * a last component that is a symlink is recreated as that symlink inside the sandbox, not followed.
 */
export function describeHostPaths(paths: string[]): HostPathEntry[] {
  const out: HostPathEntry[] = [];
  for (const path of paths) {
    let st;
    try { st = lstatSync(path); } catch { continue; }
    if (st.isSymbolicLink()) {
      out.push({ path, kind: 'symlink', target: readlinkSync(path) });
      continue;
    }
    const real = realpathSync(path);
    if (refused(real)) throw new Error(`${HOST_PATHS_LABEL}: "${path}" is ${real} on this host, which may not be shared with a sandbox`);
    const entry: HostPathEntry = { path, kind: st.isDirectory() ? 'dir' : 'file' };
    const masks: NonNullable<HostPathEntry['masks']> = [];
    for (const secret of SECRET_PATHS) {
      if (!secret.startsWith(`${real}/`)) continue;
      let secretSt;
      try { secretSt = lstatSync(secret); } catch { continue; }
      if (secretSt.isSymbolicLink()) continue; // a symlink inside the bind resolves inside the sandbox
      masks.push({ path: path + secret.slice(real.length), kind: secretSt.isDirectory() ? 'dir' : 'file' });
    }
    if (masks.length) entry.masks = masks;
    out.push(entry);
  }
  return out;
}
