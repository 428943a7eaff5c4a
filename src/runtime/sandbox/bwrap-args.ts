/**
 * The bubblewrap command line of one sandbox. The root is bwrap's own tmpfs (made read-only at the
 * end) onto which every top-level entry of the image rootfs is bind-mounted read-only; /etc is
 * rebuilt the same way so that ksrv's own hosts/resolv.conf/hostname can be placed in it without
 * writing into the shared rootfs (bwrap 0.8 has no overlay support). /proc, a minimal /dev and a
 * fresh 1777 tmpfs /tmp complete it. Nothing of the host is visible except what is listed here.
 */
import { lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HostPathEntry } from './host-paths.ts';

export interface RootfsEntry { name: string; kind: 'dir' | 'file' | 'symlink'; target?: string }

export interface RootfsLayout {
  rootfs: string;
  top: RootfsEntry[];
  etc: RootfsEntry[];
  /** Host system paths the image asked for (label dev.ksrv.host-paths), bound read-only over the image. */
  hostPaths?: HostPathEntry[];
}

/** Top-level names the sandbox provides itself. */
const PROVIDED = new Set(['proc', 'dev', 'tmp', 'etc', 'sys']);
/** /etc files ksrv provides per instance. */
const ETC_PROVIDED = new Set(['hosts', 'resolv.conf', 'hostname']);

function listEntries(dir: string): RootfsEntry[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  const entries: RootfsEntry[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isSymbolicLink()) entries.push({ name, kind: 'symlink', target: readlinkSync(path) });
    else if (st.isDirectory()) entries.push({ name, kind: 'dir' });
    else if (st.isFile()) entries.push({ name, kind: 'file' });
  }
  return entries;
}

/** Read once per prepared image; the rootfs is immutable. */
export function readRootfsLayout(rootfs: string, hostPaths: HostPathEntry[] = []): RootfsLayout {
  let etcIsDir = false;
  try { etcIsDir = statSync(join(rootfs, 'etc')).isDirectory(); } catch { /* no /etc */ }
  return {
    rootfs,
    top: listEntries(rootfs).filter((e) => !PROVIDED.has(e.name)),
    etc: etcIsDir ? listEntries(join(rootfs, 'etc')).filter((e) => !ETC_PROVIDED.has(e.name)) : [],
    hostPaths,
  };
}

/** Capabilities of a root process in a Docker/containerd container by default. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export interface SandboxArgs {
  layout: RootfsLayout;
  /** Host paths of the instance's own files. */
  etcFiles: { hosts: string; resolvConf: string; hostname: string };
  hostname: string;
  uid: number;
  gid: number;
  workingDir: string;
  argv: string[];
  /** fd on which bwrap reports `{"child-pid": N}` (the sandbox's pid 1 as seen from the host). */
  infoFd?: number;
  /** Variables bwrap sets for the app only (those that must not reach host processes, see sandbox-command.ts). */
  setenv?: [string, string][];
}

function mountEntry(base: string, dest: string, e: RootfsEntry): string[] {
  if (e.kind === 'symlink') return ['--symlink', e.target!, `${dest}/${e.name}`];
  return ['--ro-bind', join(base, e.name), `${dest}/${e.name}`];
}

/** Arguments after the bwrap executable. A non-root uid runs bwrap in a user namespace (see sandbox-command.ts). */
export function bwrapArgs(s: SandboxArgs): string[] {
  const args = ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--die-with-parent',
    '--hostname', s.hostname];
  if (s.uid !== 0) args.push('--unshare-user', '--uid', String(s.uid), '--gid', String(s.gid));
  else {
    args.push('--cap-drop', 'ALL');
    for (const cap of DEFAULT_CAPABILITIES) args.push('--cap-add', cap);
  }
  for (const e of s.layout.top) args.push(...mountEntry(s.layout.rootfs, '', e));
  args.push('--dir', '/etc');
  for (const e of s.layout.etc) args.push(...mountEntry(join(s.layout.rootfs, 'etc'), '/etc', e));
  args.push('--ro-bind', s.etcFiles.hosts, '/etc/hosts',
    '--ro-bind', s.etcFiles.resolvConf, '/etc/resolv.conf',
    '--ro-bind', s.etcFiles.hostname, '/etc/hostname',
    '--proc', '/proc', '--dev', '/dev', '--perms', '01777', '--tmpfs', '/tmp');
  for (const h of s.layout.hostPaths ?? []) {
    args.push(...(h.kind === 'symlink' ? ['--symlink', h.target!, h.path] : ['--ro-bind', h.path, h.path]));
    for (const m of h.masks ?? []) args.push(...(m.kind === 'dir' ? ['--tmpfs', m.path, '--remount-ro', m.path] : ['--ro-bind', '/dev/null', m.path]));
  }
  // A working directory missing from the image is created (as containerd does) when it lies outside the binds.
  const wd = s.workingDir || '/';
  const firstComponent = wd.split('/').filter(Boolean)[0];
  const boundTop = new Set([...s.layout.top.map((e) => e.name), ...(s.layout.hostPaths ?? []).map((h) => h.path.split('/')[1]!)]);
  if (firstComponent && !boundTop.has(firstComponent) && !['proc', 'dev', 'tmp', 'etc'].includes(firstComponent)) args.push('--dir', wd);
  args.push('--remount-ro', '/', '--chdir', wd);
  if (s.infoFd !== undefined) args.push('--info-fd', String(s.infoFd));
  for (const [k, v] of s.setenv ?? []) args.push('--setenv', k, v);
  args.push('--', ...s.argv);
  return args;
}
