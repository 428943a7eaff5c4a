/**
 * The host command line that starts one instance: `nsenter --net=<netns> [setpriv …] bwrap …`, all
 * exec'ing in place so the spawned pid IS the outer bwrap. A non-root USER drops to that uid/gid
 * with setpriv before bwrap, which then builds its namespaces inside a user namespace: the app runs
 * with that uid on the host too (never as host root). That needs the rootfs and the instance files
 * to be reachable by that uid (every ancestor directory world-searchable); when they are not,
 * bwrap runs as root with a user namespace mapping the uid to host root, without capabilities
 * (`dropPrivileges: false`; weaker, logged). Root images run bwrap as root with only the default
 * container capabilities.
 */
import type { ContainerLaunch } from '../process/container-spec.ts';
import { bwrapArgs, type RootfsLayout } from './bwrap-args.ts';
import type { HostTools } from './host-support.ts';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Every directory from / down to `path` can be searched by any user. */
export function worldSearchable(path: string): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    try { if ((statSync(dir).mode & 0o001) === 0) return false; } catch { return false; }
    if (dir === dirname(dir)) return true;
  }
}

export interface SpawnCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

export const INFO_FD = 3;

/**
 * Variables the host's dynamic loader and libc act on (glibc's "unsecure" list, plus every LD_* and
 * GLIBC_*). nsenter, setpriv and bwrap are host binaries started as root, so such a variable from an
 * image or a revision spec (LD_PRELOAD=<a file in some unpacked rootfs>) would run code as host root
 * before any sandbox exists. They never go into the host process environment: bwrap sets them for
 * the app with --setenv, once it is running.
 */
const HOST_UNSAFE_ENV = new Set(['GCONV_PATH', 'GETCONF_DIR', 'HOSTALIASES', 'LOCALDOMAIN', 'LOCPATH', 'MALLOC_TRACE',
  'NIS_PATH', 'NLSPATH', 'RESOLV_HOST_CONF', 'RES_OPTIONS', 'TMPDIR', 'TZDIR']);

export function isHostUnsafeEnv(name: string): boolean {
  return name.startsWith('LD_') || name.startsWith('GLIBC_') || HOST_UNSAFE_ENV.has(name);
}

function splitEnv(env: [string, string][]): { host: Record<string, string>; inner: [string, string][] } {
  const host: Record<string, string> = {};
  const inner: [string, string][] = [];
  for (const [k, v] of env) {
    if (isHostUnsafeEnv(k)) inner.push([k, v]);
    else host[k] = v;
  }
  return { host, inner };
}

export function sandboxCommand(tools: HostTools, netnsPath: string, launch: ContainerLaunch, layout: RootfsLayout,
  etcFiles: { hosts: string; resolvConf: string; hostname: string }, hostname: string, dropPrivileges = true): SpawnCommand {
  const args = [`--net=${netnsPath}`, '--'];
  if (launch.uid !== 0 && dropPrivileges) {
    if (!tools.setpriv) throw new Error(`image user ${launch.uid}:${launch.gid} needs setpriv (util-linux) on the host`);
    args.push(tools.setpriv, `--reuid=${launch.uid}`, `--regid=${launch.gid}`, '--clear-groups', '--');
  }
  const env = splitEnv(launch.env);
  args.push(tools.bwrap, ...bwrapArgs({ layout, etcFiles, hostname, uid: launch.uid, gid: launch.gid, workingDir: launch.workingDir, argv: launch.argv, infoFd: INFO_FD, setenv: env.inner }));
  return { file: tools.nsenter, args, env: env.host };
}

/**
 * Command to run `argv` inside a running sandbox (exec probes): its namespaces, root and cwd. nsenter
 * starts on the host as root, so the loader variables of the app's environment are left out.
 */
export function execInSandboxCommand(tools: HostTools, sandboxPid: number, launch: ContainerLaunch, argv: string[]): SpawnCommand {
  const args = ['-t', String(sandboxPid), '-m', '-u', '-i', '-n', '-p', '-r', '-w'];
  if (launch.uid !== 0) args.push('-U', `--setuid=${launch.uid}`, `--setgid=${launch.gid}`);
  args.push('--', ...argv);
  return { file: tools.nsenter, args, env: splitEnv(launch.env).host };
}
