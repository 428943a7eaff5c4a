/**
 * What to run for a revision's serving container, derived the way Kubernetes and Knative do it:
 * command/args against the image ENTRYPOINT/CMD, image env then container env (with `$(VAR)`
 * expansion), workingDir, the image USER (or securityContext.runAsUser/runAsGroup), and the env
 * Knative injects (PORT, K_SERVICE, K_CONFIGURATION, K_REVISION). Pure: no processes, no I/O
 * except reading the rootfs' /etc/passwd and /etc/group for user names.
 */
import type { KObject } from '../../apis/meta.ts';
import type { ImageConfig } from '../image/image.ts';
import { resolveImageUser } from './image-user.ts';

export const DEFAULT_USER_PORT = 8080;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ContainerLaunch {
  containerName: string;
  image: string;
  /** argv[0] is looked up with the container's PATH inside the sandbox, like a container runtime does. */
  argv: string[];
  /** Ordered environment; later duplicates already resolved (last one wins). */
  env: [string, string][];
  workingDir: string;
  uid: number;
  gid: number;
  /** The port the app listens on (containerPort, default 8080), injected as PORT. */
  port: number;
}

/** The container that serves traffic: the one with a port, else the first. Sidecars are not run. */
export function servingContainer(revision: KObject): any {
  const containers: any[] = revision.spec?.containers ?? [];
  if (containers.length === 0) throw new Error('revision has no containers');
  return containers.find((c) => (c.ports ?? []).length > 0) ?? containers[0];
}

export function containerPort(container: any): number {
  return Number(container?.ports?.[0]?.containerPort) || DEFAULT_USER_PORT;
}

/** Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$(` escapes, unknown refs stay as written. */
export function expandVars(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) => {
    if (match === '$$') return '$';
    const value = lookup(name!);
    return value === undefined ? match : value;
  });
}

export interface LaunchOptions {
  /** Hostname the instance sees (and HOSTNAME env), like a pod name. */
  hostname: string;
}

export function buildContainerLaunch(revision: KObject, config: ImageConfig, rootfs: string, opts: LaunchOptions): ContainerLaunch {
  const container = servingContainer(revision);
  const port = containerPort(container);
  const labels = revision.metadata.labels ?? {};

  const env = new Map<string, string>();
  env.set('PATH', DEFAULT_PATH);
  for (const entry of config.env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
    else if (entry) env.set(entry, '');
  }
  env.set('HOSTNAME', opts.hostname);
  const lookup = (name: string) => env.get(name);
  for (const item of container.env ?? []) {
    if (!item?.name) continue;
    // valueFrom (configMap/secret refs) needs objects ksrv does not serve yet: the variable is set empty.
    env.set(item.name, typeof item.value === 'string' ? expandVars(item.value, lookup) : '');
  }
  env.set('PORT', String(port));
  env.set('K_REVISION', revision.metadata.name ?? '');
  env.set('K_CONFIGURATION', labels['serving.knative.dev/configuration'] ?? '');
  env.set('K_SERVICE', labels['serving.knative.dev/service'] ?? '');

  const command: string[] | undefined = nonEmpty(container.command);
  const args: string[] | undefined = nonEmpty(container.args);
  let argv: string[];
  if (command) argv = [...command, ...(args ?? [])];
  else if (args) argv = [...(config.entrypoint ?? []), ...args];
  else argv = [...(config.entrypoint ?? []), ...(config.cmd ?? [])];
  if (command || args) argv = argv.map((a) => expandVars(a, lookup));
  if (argv.length === 0) throw new Error(`container "${container.name ?? 'user-container'}": no command specified and the image has no ENTRYPOINT or CMD`);

  const user = resolveImageUser(rootfs, config.user ?? '');
  const sc = container.securityContext ?? {};
  const uid = Number.isInteger(sc.runAsUser) ? sc.runAsUser : user.uid;
  const gid = Number.isInteger(sc.runAsGroup) ? sc.runAsGroup : user.gid;

  return {
    containerName: container.name ?? 'user-container',
    image: container.image,
    argv,
    env: [...env.entries()],
    workingDir: container.workingDir || config.workingDir || '/',
    uid,
    gid,
    port,
  };
}

function nonEmpty(list: unknown): string[] | undefined {
  return Array.isArray(list) && list.length > 0 ? list.map(String) : undefined;
}
