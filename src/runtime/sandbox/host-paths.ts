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
 * devices (/, /proc, /sys, /dev, /run, /tmp, /var, /home, /root, /etc itself, ksrv's data) are refused.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { normalize } from 'node:path';

export const HOST_PATHS_LABEL = 'dev.ksrv.host-paths';

const FORBIDDEN_TREES = ['/proc', '/sys', '/dev', '/run', '/tmp', '/var', '/home', '/root', '/boot', '/mnt', '/media', '/srv', '/opt/ksrv'];

export interface HostPathEntry {
  path: string;
  kind: 'dir' | 'file' | 'symlink';
  target?: string;
}

/** Parses and checks the label; throws with a message naming the offending path. */
export function parseHostPaths(label: string | undefined): string[] {
  if (!label || !label.trim()) return [];
  const paths: string[] = [];
  for (const raw of label.trim().split(/\s+/)) {
    if (!raw.startsWith('/')) throw new Error(`${HOST_PATHS_LABEL}: "${raw}" is not an absolute path`);
    const path = normalize(raw).replace(/\/+$/, '') || '/';
    if (path === '/' || path === '/etc' || FORBIDDEN_TREES.some((t) => path === t || path.startsWith(`${t}/`))) {
      throw new Error(`${HOST_PATHS_LABEL}: "${raw}" may not be shared with a sandbox (only system locations such as /usr, /lib, /bin, /etc/ssl)`);
    }
    if (!paths.includes(path)) paths.push(path);
  }
  return paths;
}

/** What each existing host path is; missing paths are skipped (a /lib64 absent on this host, say). */
export function describeHostPaths(paths: string[]): HostPathEntry[] {
  const out: HostPathEntry[] = [];
  for (const path of paths) {
    let st;
    try { st = lstatSync(path); } catch { continue; }
    if (st.isSymbolicLink()) out.push({ path, kind: 'symlink', target: readlinkSync(path) });
    else out.push({ path, kind: st.isDirectory() ? 'dir' : 'file' });
  }
  return out;
}
