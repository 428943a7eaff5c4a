/**
 * The RevisionRuntime that runs revision instances as sandboxed local processes (see
 * README.md next to this file). Per revision: resolve the image once, then keep `desired` instances running,
 * each in its own network namespace and bwrap sandbox (or, without root/bwrap, as plain host
 * processes: "degraded mode"), and report Knative conditions from what they do.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { KObject } from '../../apis/meta.ts';
import { ImageNotFoundError, type ImageResolver, type PreparedImage } from '../image/image.ts';
import type { RevisionObservation, RevisionRuntime } from '../runtime.ts';
import { readRootfsLayout, type RootfsLayout } from '../sandbox/bwrap-args.ts';
import { describeHostPaths, HOST_PATHS_LABEL, parseHostPaths } from '../sandbox/host-paths.ts';
import { detectHostSupport, type HostTools } from '../sandbox/host-support.ts';
import { DEFAULT_INSTANCE_CIDR, NetworkAllocator, sweepOrphanNetworks } from '../sandbox/netns.ts';
import { isSameProcess, signalQuietly } from '../sandbox/procfs.ts';
import { runCommand } from '../sandbox/run-command.ts';
import { buildContainerLaunch, servingContainer, type ContainerLaunch } from './container-spec.ts';
import { KUBELET_BACKOFF, type BackoffSettings } from './crash-backoff.ts';
import { Instance, type InstanceExit, type InstanceProbes } from './instance.ts';
import { createDegradedHost, createSandboxHost, type InstanceHost } from './instance-host.ts';
import { formatLogLine, revisionLogPath, RotatingLogFile } from './log-files.ts';
import { livenessSettings, readinessSettings, startupSettings } from './probes.ts';
import { readRuntimeState, runtimeStatePath, writeRuntimeState, type InstanceRecord } from './runtime-state.ts';

export interface ProcessRuntimeOptions {
  dataDir: string;
  images: ImageResolver;
  logger?: Logger;
  network?: {
    /** The private /16 instance addresses come from (default 10.213.0.0/16). */
    cidr?: string;
    /** Set up NAT egress when iptables exists (default true). */
    egress?: boolean;
  };
  /** Upper bound of the graceful-stop period; the revision's timeoutSeconds (default 300) otherwise. */
  graceSeconds?: number;
  /** Progress deadline when the revision has no `serving.knative.dev/progress-deadline` (Knative: 600 s). */
  progressDeadlineSeconds?: number;
  /** Crash restart back-off (default kubelet's 1 s doubling to 5 min, reset after 10 min running). */
  backoff?: Partial<BackoffSettings>;
  /** `false` forces degraded mode (plain host processes) even where sandboxing is possible. */
  sandbox?: boolean;
}

export interface Endpoint { host: string; port: number }

export interface InstanceInfo {
  id: string;
  state: string;
  ready: boolean;
  restarts: number;
  host: string;
  port: number;
  pid?: number;
  netns?: string;
  hostVeth?: string;
  lastExit?: InstanceExit;
}

interface ResolvedImage { ref: string; prepared: PreparedImage; layout?: RootfsLayout }

interface RevisionEntry {
  namespace: string;
  name: string;
  revision: KObject;
  desired: number;
  image?: ResolvedImage;
  imageError?: string;
  imageErrorAt?: number;
  launchError?: string;
  instances: Instance[];
  everReady: boolean;
  crash?: InstanceExit;
  deadlineTimer?: NodeJS.Timeout;
  deadlineExceeded: boolean;
  log: RotatingLogFile;
  lastObservation?: string;
  lastEndpoints: string;
  queue: Promise<void>;
  removed: boolean;
}

const PROGRESS_DEADLINE_ANNOTATION = 'serving.knative.dev/progress-deadline';
const IMAGE_RETRY_MS = 5_000;
const ORPHAN_NETNS_MIN_AGE_MS = 30_000;
/** Per-instance hosts/resolv.conf/hostname; under /run so that any image uid can reach them. */
const INSTANCE_FILES_DIR = '/run/ksrv/instances';

/** Go duration strings as used in Knative annotations ("600s", "10m", "1h30m", "500ms"). */
export function parseDurationMs(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as Record<string, number>)[m[2]!]!;
    matched += m[0].length;
  }
  return matched === text.length && matched > 0 ? total : undefined;
}

function randomId(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let id = '';
  for (let i = 0; i < 5; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  return id;
}

export class ProcessRuntime implements RevisionRuntime {
  private readonly entries = new Map<string, RevisionEntry>();
  private readonly listeners: ((namespace: string, name: string) => void)[] = [];
  private readonly endpointListeners: ((namespace: string, name: string) => void)[] = [];
  private readonly stopping = new Set<Promise<void>>();
  private readonly logger: Logger;
  private readonly tools?: HostTools;
  private readonly networks?: NetworkAllocator;
  private readonly backoff: BackoffSettings;
  private readonly statePath: string;
  private initialized?: Promise<void>;
  private stateWriteScheduled = false;
  /** close() wrote the last state: later scheduled writes must not recreate the file under a removed data dir. */
  private finalStateWritten = false;
  private closed = false;
  /** Why instances run as plain host processes, or undefined when they are sandboxed. */
  readonly degradedReason?: string;

  constructor(private readonly opts: ProcessRuntimeOptions) {
    this.logger = opts.logger ?? pino({ level: 'silent' });
    this.statePath = runtimeStatePath(opts.dataDir);
    this.backoff = { ...KUBELET_BACKOFF, ...opts.backoff };
    const support = opts.sandbox === false ? { degradedReason: 'sandboxing disabled by configuration' } : detectHostSupport();
    if (support.tools) {
      this.tools = support.tools;
      this.networks = new NetworkAllocator(support.tools.ip, {
        cidr: opts.network?.cidr ?? DEFAULT_INSTANCE_CIDR,
        iptables: support.tools.iptables,
        egress: opts.network?.egress ?? true,
        warn: (msg) => this.logger.warn(msg),
      });
      if (!support.tools.iptables) this.logger.info('iptables not found: instances have no egress');
    } else {
      this.degradedReason = support.degradedReason;
      this.logger.warn({ reason: support.degradedReason },
        'DEGRADED MODE: instances run as plain host processes without isolation, on a free loopback port passed as $PORT (apps that ignore $PORT will not be reachable)');
    }
  }

  onChange(listener: (namespace: string, name: string) => void): void { this.listeners.push(listener); }

  /** Called when the set of ready endpoints of a revision changes. */
  onEndpointsChange(listener: (namespace: string, name: string) => void): void { this.endpointListeners.push(listener); }

  endpoints(namespace: string, name: string): Endpoint[] {
    const entry = this.entries.get(`${namespace}/${name}`);
    return entry ? entry.instances.filter((i) => i.ready).map((i) => ({ ...i.endpoint })) : [];
  }

  instances(namespace: string, name: string): InstanceInfo[] {
    const entry = this.entries.get(`${namespace}/${name}`);
    return (entry?.instances ?? []).map((i) => ({
      id: i.id, state: i.state, ready: i.ready, restarts: i.restarts, host: i.endpoint.host, port: i.endpoint.port,
      pid: i.pid, netns: i.host.record.netns, hostVeth: i.host.record.hostVeth, lastExit: i.lastExit,
    }));
  }

  observe(namespace: string, name: string): RevisionObservation | undefined {
    const entry = this.entries.get(`${namespace}/${name}`);
    return entry ? this.observation(entry) : undefined;
  }

  async ensure(revision: KObject, desiredInstances: number): Promise<void> {
    if (this.closed) throw new Error('runtime is closed');
    await (this.initialized ??= this.cleanupOrphans());
    const namespace = revision.metadata.namespace ?? 'default';
    const name = revision.metadata.name!;
    const key = `${namespace}/${name}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        namespace, name, revision, desired: 0, instances: [], everReady: false, deadlineExceeded: false,
        log: new RotatingLogFile(revisionLogPath(this.opts.dataDir, namespace, name)), lastEndpoints: '[]', queue: Promise.resolve(), removed: false,
      };
      this.entries.set(key, entry);
    }
    entry.revision = revision;
    entry.desired = Math.max(0, Math.floor(desiredInstances));
    const e = entry;
    const run = e.queue.then(() => this.converge(e));
    e.queue = run.catch(() => undefined);
    await run;
  }

  async remove(namespace: string, name: string): Promise<void> {
    const entry = this.entries.get(`${namespace}/${name}`);
    if (!entry) return;
    entry.removed = true;
    this.entries.delete(`${namespace}/${name}`);
    clearTimeout(entry.deadlineTimer);
    await entry.queue;
    await Promise.all(entry.instances.map((i) => this.stopInstance(entry, i)));
    entry.instances = [];
    entry.log.close();
    this.writeState();
  }

  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    await Promise.all(entries.map((e) => this.remove(e.namespace, e.name)));
    await Promise.all([...this.stopping]);
    this.flushState();
    this.finalStateWritten = true;
  }

  private async converge(entry: RevisionEntry): Promise<void> {
    if (entry.removed) return;
    if (!entry.image) await this.resolveImage(entry);
    this.armProgressDeadline(entry);
    if (entry.image && !entry.launchError) {
      while (entry.instances.length < entry.desired && !entry.removed) {
        const instance = await this.createInstance(entry, entry.image).catch((err: Error) => {
          entry.launchError = err.message;
          this.logger.error({ err, revision: entry.name }, 'cannot create instance');
          return undefined;
        });
        if (!instance) break;
        entry.instances.push(instance);
        instance.start();
      }
    }
    if (entry.instances.length > entry.desired) {
      const surplus = [...entry.instances].sort((a, b) => Number(a.ready) - Number(b.ready)).slice(0, entry.instances.length - entry.desired);
      entry.instances = entry.instances.filter((i) => !surplus.includes(i));
      for (const instance of surplus) {
        const stop = this.stopInstance(entry, instance);
        this.stopping.add(stop);
        void stop.finally(() => this.stopping.delete(stop));
      }
    }
    this.writeState();
    this.notifyIfChanged(entry);
  }

  private async resolveImage(entry: RevisionEntry): Promise<void> {
    if (entry.imageErrorAt !== undefined && Date.now() - entry.imageErrorAt < IMAGE_RETRY_MS) return;
    const container = servingContainer(entry.revision);
    const ref: string = container.image ?? '';
    const recorded: string | undefined = (entry.revision.status?.containerStatuses ?? [])
      .find((s: any) => s?.name === (container.name ?? 'user-container'))?.imageDigest;
    try {
      const digest = recorded ? recorded.slice(recorded.indexOf('@') + 1) : await this.opts.images.resolve(ref);
      const prepared = await this.opts.images.prepare(digest);
      const hostPaths = describeHostPaths(parseHostPaths(prepared.config.labels?.[HOST_PATHS_LABEL]));
      entry.image = { ref, prepared, layout: this.tools ? readRootfsLayout(prepared.rootfs, hostPaths) : undefined };
      entry.imageError = undefined;
      entry.imageErrorAt = undefined;
    } catch (err) {
      const reason = err instanceof ImageNotFoundError ? err.message : (err as Error).message;
      entry.imageError = `Unable to fetch image "${ref}": ${reason}`;
      entry.imageErrorAt = Date.now();
      this.logger.warn({ revision: `${entry.namespace}/${entry.name}`, image: ref, err: reason }, 'image resolution failed');
    }
  }

  private armProgressDeadline(entry: RevisionEntry): void {
    if (entry.deadlineTimer || entry.everReady || entry.desired === 0) return;
    const annotation = entry.revision.metadata.annotations?.[PROGRESS_DEADLINE_ANNOTATION];
    const ms = (annotation && parseDurationMs(annotation)) || (this.opts.progressDeadlineSeconds ?? 600) * 1000;
    entry.deadlineTimer = setTimeout(() => {
      if (!entry.everReady) {
        entry.deadlineExceeded = true;
        this.notifyIfChanged(entry);
      }
    }, ms);
    entry.deadlineTimer.unref();
  }

  private graceMs(entry: RevisionEntry): number {
    const timeout = Number(entry.revision.spec?.timeoutSeconds) || 300;
    return Math.min(timeout, this.opts.graceSeconds ?? Infinity) * 1000;
  }

  private async createInstance(entry: RevisionEntry, image: ResolvedImage): Promise<Instance> {
    const id = randomId();
    const hostname = `${entry.name}-${id}`.slice(0, 63).replace(/-+$/, '');
    const launch: ContainerLaunch = buildContainerLaunch(entry.revision, image.prepared.config, image.prepared.rootfs, { hostname });
    const host: InstanceHost = this.tools
      ? await createSandboxHost({
        tools: this.tools, networks: this.networks!, instanceDir: join(INSTANCE_FILES_DIR, id),
        hostname, launch, layout: image.layout!, warn: (msg) => this.logger.warn({ revision: entry.name }, msg),
      })
      : await createDegradedHost({ rootfs: image.prepared.rootfs, launch });
    const container = servingContainer(entry.revision);
    const probes: InstanceProbes = {
      readiness: readinessSettings(container.readinessProbe),
      liveness: livenessSettings(container.livenessProbe),
      startup: startupSettings(container.startupProbe),
    };
    const instance: Instance = new Instance({
      id, host, probes, backoff: this.backoff, logger: this.logger,
      onOutput: (stream, line) => entry.log.append(formatLogLine(id, stream, line)),
      onChange: () => this.instanceChanged(entry, instance),
    });
    return instance;
  }

  private async stopInstance(entry: RevisionEntry, instance: Instance): Promise<void> {
    try {
      await instance.stop(this.graceMs(entry));
    } catch (err) {
      this.logger.error({ err, instance: instance.id }, 'stopping instance failed');
    }
    this.writeState();
    this.notifyIfChanged(entry);
  }

  private instanceChanged(entry: RevisionEntry, instance: Instance): void {
    if (instance.ready) {
      entry.everReady = true;
      entry.crash = undefined;
      clearTimeout(entry.deadlineTimer);
    } else if (instance.state === 'backoff' && instance.lastExit && entry.instances.includes(instance)) {
      entry.crash = instance.lastExit;
    }
    this.writeState();
    this.notifyIfChanged(entry);
  }

  private observation(entry: RevisionEntry): RevisionObservation {
    const ready = entry.instances.filter((i) => i.ready).length;
    let containerHealthy: RevisionObservation['containerHealthy'];
    if (entry.imageError) containerHealthy = { status: 'False', reason: 'ContainerMissing', message: entry.imageError };
    else if (entry.launchError) containerHealthy = { status: 'False', reason: 'CreateContainerError', message: entry.launchError };
    else if (entry.crash && ready === 0) {
      containerHealthy = {
        status: 'False', reason: `ExitCode${entry.crash.code}`,
        message: entry.crash.message ? `Container failed with: ${entry.crash.message}` : 'container exited with no error',
      };
    } else if (entry.everReady) containerHealthy = { status: 'True' };
    else containerHealthy = { status: 'Unknown', reason: 'Deploying' };

    let resourcesAvailable: RevisionObservation['resourcesAvailable'];
    if (entry.everReady) resourcesAvailable = { status: 'True' };
    else if (entry.deadlineExceeded) resourcesAvailable = { status: 'False', reason: 'ProgressDeadlineExceeded', message: 'Initial scale was never achieved' };
    else resourcesAvailable = { status: 'Unknown', reason: 'Deploying' };

    const observation: RevisionObservation = { containerHealthy, resourcesAvailable, actualReplicas: ready, desiredReplicas: entry.desired };
    if (entry.image) {
      observation.containerStatuses = [{ name: servingContainer(entry.revision).name ?? 'user-container', imageDigest: entry.image.prepared.digest }];
    }
    return observation;
  }

  private notifyIfChanged(entry: RevisionEntry): void {
    const observation = JSON.stringify(this.observation(entry));
    if (observation !== entry.lastObservation) {
      entry.lastObservation = observation;
      for (const l of this.listeners) l(entry.namespace, entry.name);
    }
    const endpoints = JSON.stringify(this.endpoints(entry.namespace, entry.name));
    if (endpoints !== entry.lastEndpoints) {
      entry.lastEndpoints = endpoints;
      for (const l of this.endpointListeners) l(entry.namespace, entry.name);
    }
  }

  private records(): InstanceRecord[] {
    const records: InstanceRecord[] = [];
    for (const entry of this.entries.values()) {
      for (const i of entry.instances) {
        records.push({ id: i.id, namespace: entry.namespace, revision: entry.name, pid: i.pid, startTime: i.startTime, ...i.host.record });
      }
    }
    return records;
  }

  /** Coalesces the many changes of one tick into one write. */
  private writeState(): void {
    if (this.stateWriteScheduled || this.finalStateWritten) return;
    this.stateWriteScheduled = true;
    setImmediate(() => {
      this.stateWriteScheduled = false;
      if (!this.finalStateWritten) this.flushState();
    });
  }

  private flushState(): void {
    try {
      writeRuntimeState(this.statePath, { ownerPid: process.pid, instances: this.records() });
    } catch (err) {
      this.logger.error({ err }, 'cannot write the runtime state file');
    }
  }

  /**
   * Removes what a previous ksrv (killed with -9) left behind: sandboxes still running (normally
   * already gone with their parent via --die-with-parent), their network namespaces, veths and
   * files, plus unused `ksrv-<n>` namespaces no live instance of this host owns. Runs before the
   * first ensure; call it at start-up to clean at once.
   */
  async cleanupOrphans(): Promise<void> {
    const previous = readRuntimeState(this.statePath);
    if (previous && previous.ownerPid !== process.pid && isSameProcess(previous.ownerPid, undefined)
      && /node|ksrv|tsx/.test(safeCmdline(previous.ownerPid))) {
      this.logger.warn({ pid: previous.ownerPid }, 'another ksrv process owns this data dir; not touching its instances');
      return;
    }
    for (const record of previous?.ownerPid === process.pid ? [] : previous?.instances ?? []) {
      if (record.pid && isSameProcess(record.pid, record.startTime)) signalQuietly(-record.pid, 'SIGKILL');
      if (record.netns && this.tools) {
        await runCommand(this.tools.ip, ['netns', 'del', record.netns]).catch(() => undefined);
        if (record.hostVeth) await runCommand(this.tools.ip, ['link', 'del', record.hostVeth]).catch(() => undefined);
      }
      if (record.dir) rmSync(record.dir, { recursive: true, force: true });
    }
    if (this.tools) {
      const live = new Set(this.records().map((r) => r.netns).filter((n): n is string => !!n));
      const removed = await sweepOrphanNetworks(this.tools.ip, live, ORPHAN_NETNS_MIN_AGE_MS);
      if (removed.length > 0) this.logger.info({ removed }, 'removed orphaned instance networks');
    }
    if (previous && previous.ownerPid !== process.pid) writeRuntimeState(this.statePath, { ownerPid: process.pid, instances: this.records() });
  }
}

function safeCmdline(pid: number): string {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { return ''; }
}
