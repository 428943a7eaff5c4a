/**
 * Where one instance runs: a sandbox (own network namespace + bwrap) or, in degraded mode, the host
 * itself. Both give the instance's endpoint and the command lines to start it and to run an exec
 * probe in it; `release` frees the namespace and the instance's files.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { isAbsolute, join } from 'node:path';
import type { RootfsLayout } from '../sandbox/bwrap-args.ts';
import type { HostTools } from '../sandbox/host-support.ts';
import type { InstanceNetwork, NetworkAllocator } from '../sandbox/netns.ts';
import { execInSandboxCommand, sandboxCommand, worldSearchable, type SpawnCommand } from '../sandbox/sandbox-command.ts';
import type { ContainerLaunch } from './container-spec.ts';

export interface InstanceHost {
  readonly sandboxed: boolean;
  readonly endpoint: { host: string; port: number };
  readonly record: { netns?: string; hostVeth?: string; dir?: string };
  command(): SpawnCommand;
  execCommand(sandboxPid: number | undefined, argv: string[]): SpawnCommand;
  release(): Promise<void>;
}

/** Non-loopback nameservers of the host (a loopback resolver is unreachable from a namespace). */
function resolvConf(): string {
  let host = '';
  try { host = readFileSync('/etc/resolv.conf', 'utf8'); } catch { /* none */ }
  const lines = host.split('\n').filter((l) => /^(search|options)\s/.test(l) || (/^nameserver\s/.test(l) && !/\s(127\.|::1)/.test(l)));
  return ['# written by ksrv', ...lines, ''].join('\n');
}

export async function createSandboxHost(opts: {
  tools: HostTools; networks: NetworkAllocator; instanceDir: string; hostname: string; launch: ContainerLaunch; layout: RootfsLayout;
  warn: (msg: string) => void;
}): Promise<InstanceHost> {
  mkdirSync(opts.instanceDir, { recursive: true, mode: 0o755 });
  const dropPrivileges = opts.launch.uid === 0 || (worldSearchable(opts.layout.rootfs) && worldSearchable(opts.instanceDir));
  if (!dropPrivileges) {
    opts.warn(`rootfs ${opts.layout.rootfs} is not reachable by uid ${opts.launch.uid}: running it in a user namespace mapped to host root instead`);
  }
  let network: InstanceNetwork;
  try {
    network = await opts.networks.allocate();
  } catch (err) {
    rmSync(opts.instanceDir, { recursive: true, force: true });
    throw err;
  }
  const etcFiles = { hosts: join(opts.instanceDir, 'hosts'), resolvConf: join(opts.instanceDir, 'resolv.conf'), hostname: join(opts.instanceDir, 'hostname') };
  writeFileSync(etcFiles.hosts, `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${network.instanceIp}\t${opts.hostname}\n`);
  writeFileSync(etcFiles.resolvConf, resolvConf());
  writeFileSync(etcFiles.hostname, `${opts.hostname}\n`);
  return {
    sandboxed: true,
    endpoint: { host: network.instanceIp, port: opts.launch.port },
    record: { netns: network.netns, hostVeth: network.hostVeth, dir: opts.instanceDir },
    command: () => sandboxCommand(opts.tools, network.netnsPath, opts.launch, opts.layout, etcFiles, opts.hostname, dropPrivileges),
    execCommand: (sandboxPid, argv) => {
      if (sandboxPid === undefined) throw new Error('sandbox is not running');
      return execInSandboxCommand(opts.tools, sandboxPid, opts.launch, argv);
    },
    release: async () => {
      await opts.networks.release(network);
      rmSync(opts.instanceDir, { recursive: true, force: true });
    },
  };
}

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Looks argv[0] up inside the rootfs the way the sandbox would, so degraded mode runs the image's binary. */
function rootfsExecutable(rootfs: string, argv0: string, path: string): string {
  if (isAbsolute(argv0)) return existsSync(join(rootfs, argv0)) ? join(rootfs, argv0) : argv0;
  if (argv0.includes('/')) return argv0;
  for (const dir of path.split(':')) {
    const candidate = join(rootfs, dir, argv0);
    if (existsSync(candidate)) return candidate;
  }
  return argv0;
}

/** Degraded mode: a plain host process with PORT set to a free loopback port; only apps honouring PORT work. */
export async function createDegradedHost(opts: { rootfs: string; launch: ContainerLaunch }): Promise<InstanceHost> {
  const port = await freeLoopbackPort();
  const env = Object.fromEntries(opts.launch.env);
  env.PORT = String(port);
  const cwd = join(opts.rootfs, opts.launch.workingDir);
  const file = rootfsExecutable(opts.rootfs, opts.launch.argv[0]!, env.PATH ?? '');
  return {
    sandboxed: false,
    endpoint: { host: '127.0.0.1', port },
    record: {},
    command: () => ({ file, args: opts.launch.argv.slice(1), env, cwd: existsSync(cwd) ? cwd : opts.rootfs }),
    execCommand: (_pid, argv) => ({ file: argv[0]!, args: argv.slice(1), env, cwd: existsSync(cwd) ? cwd : opts.rootfs }),
    release: async () => undefined,
  };
}
