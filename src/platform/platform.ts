/**
 * The whole of ksrv in one process: store → registry → controllers → runtime, the gateway that
 * routes requests to revision instances, and the Kubernetes-compatible API server in front. `ksrv up` and the end-to-end tests start it here.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import { createApiServer } from '../api/server.ts';
import { ensureCompatServices } from '../gateway/compat-services.ts';
import { Gateway } from '../gateway/gateway.ts';
import type { GatewayMetrics } from '../gateway/metrics.ts';
import { Registry } from '../registry/registry.ts';
import { startControllers } from '../reconciler/index.ts';
import { ImageStore } from '../runtime/image/image-store.ts';
import { ProcessRuntime } from '../runtime/process/process-runtime.ts';
import type { RevisionRuntime } from '../runtime/runtime.ts';
import { SimulatedRuntime } from '../runtime/simulated-runtime.ts';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/store.ts';
import type { HostPort } from './addresses.ts';
import { formatHostPort } from './addresses.ts';
import { loadOrCreateCredentials } from './credentials.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { lockDataDir } from './lock.ts';

export interface PlatformOptions {
  dataDir: string;
  api: HostPort;
  gateway: HostPort;
  domain: string;
  store?: 'sqlite' | 'memory';
  /** 'process' runs revisions from OCI images as sandboxed processes; 'simulated' only pretends (tests). */
  runtime?: 'process' | 'simulated';
  /** Knative-Serving-Tag header routing (default on). */
  tagHeaderRouting?: boolean;
  logger?: Logger;
}

export interface Platform {
  apiUrl: string;
  /** http://host:port of the gateway; its Prometheus metrics are at `${gatewayUrl}/metrics`. */
  gatewayUrl: string;
  /** Data-path metrics (in-flight, request counts, latency per revision) for the autoscaler. */
  gatewayMetrics: GatewayMetrics;
  kubeconfigPath: string;
  token: string;
  registry: Registry;
  store: Store;
  /** Resolves when the controllers have nothing queued or in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPlatform(opts: PlatformOptions): Promise<Platform> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  const logger = opts.logger ?? pino({ level: 'silent' });
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  const stop = async () => {
    for (const c of cleanups.reverse()) {
      try { await c(); } catch (err) { logger.error({ err }, 'error during shutdown'); }
    }
    cleanups.length = 0;
  };

  try {
    const creds = loadOrCreateCredentials(dataDir, opts.api.host);
    const store = await openStore(opts.store ?? 'sqlite', dataDir);
    cleanups.push(() => store.close());

    const registry = new Registry({ store, onGcError: (err) => logger.warn({ err }, 'garbage collection failed') });
    cleanups.push(async () => { await registry.gcIdle(); registry.close(); });
    await registry.ensureNamespace('default');

    let runtime: RevisionRuntime;
    let processRuntime: ProcessRuntime | undefined;
    if (opts.runtime === 'simulated') {
      runtime = new SimulatedRuntime();
    } else {
      const images = ImageStore.open(dataDir);
      cleanups.push(() => images.close());
      processRuntime = new ProcessRuntime({ dataDir, images, logger: logger.child({ component: 'runtime' }) });
      await processRuntime.cleanupOrphans();
      runtime = processRuntime;
    }
    cleanups.push(() => runtime.close());

    const gateway = new Gateway({ endpoints: processRuntime, tagHeaderRouting: opts.tagHeaderRouting, logger: logger.child({ component: 'gateway' }) });
    const gatewayAddress = await gateway.listen(opts.gateway.host, opts.gateway.port);
    cleanups.push(() => gateway.close());
    await gateway.watchRevisions(registry);
    await ensureCompatServices(registry, (ns) => registry.ensureNamespace(ns), opts.gateway.host, gatewayAddress.port);
    const gatewayUrl = `http://${formatHostPort({ host: opts.gateway.host, port: gatewayAddress.port })}`;

    const controllers = startControllers({
      client: registry, runtime, domain: opts.domain, logger: logger.child({ component: 'controller' }), routeTable: gateway.table,
    });
    cleanups.push(() => controllers.stop());

    const api = createApiServer({ client: registry, token: creds.token, tls: { key: creds.key, cert: creds.cert }, logger: logger.child({ component: 'api' }) });
    const { port } = await api.listen(opts.api.host, opts.api.port);
    cleanups.push(() => api.close());

    const apiUrl = `https://${formatHostPort({ host: opts.api.host, port })}`;
    const kubeconfigPath = join(dataDir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, { server: apiUrl, caCert: creds.caCert, token: creds.token });

    return {
      apiUrl, gatewayUrl, gatewayMetrics: gateway.metrics, kubeconfigPath, token: creds.token, registry, store, idle: () => controllers.idle(), stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
