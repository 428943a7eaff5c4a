/**
 * The whole of ksrv in one process: store → registry → controllers → runtime, the gateway that
 * routes requests to revision instances, and the Kubernetes-compatible API server in front. `ksrv up` and the end-to-end tests start it here.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import { createApiServer } from '../api/server.ts';
import { Autoscaler } from '../autoscaler/autoscaler.ts';
import { parseAutoscalerConfig } from '../config/autoscaler.ts';
import { ConfigSection, configPath, readRawConfig, watchConfigFile } from '../config/config.ts';
import { parseFeaturesConfig } from '../config/features.ts';
import { parseGcConfig } from '../config/gc.ts';
import { parseNetworkConfig } from '../config/network.ts';
import { startDashboard } from '../dashboard/server.ts';
import { Activator } from '../gateway/activator.ts';
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
  /** `false` turns Knative-Serving-Tag header routing off whatever the config file says. */
  tagHeaderRouting?: boolean;
  /** Where the dashboard listens; undefined: no dashboard. */
  dashboard?: HostPort;
  logger?: Logger;
}

export interface Platform {
  apiUrl: string;
  /** http://host:port of the gateway; its Prometheus metrics are at `${gatewayUrl}/metrics`. */
  gatewayUrl: string;
  /** Data-path metrics (in-flight, request counts, latency per revision) for the autoscaler. */
  gatewayMetrics: GatewayMetrics;
  /** The KPA autoscaler deciding every revision's scale. */
  autoscaler: Autoscaler;
  kubeconfigPath: string;
  /** The dashboard's URL, token in the fragment (print it, do not log it). */
  dashboardUrl?: string;
  configPath: string;
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
  const platformLog = logger.child({ component: 'platform' });
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  const stop = async () => {
    for (const c of cleanups.reverse()) {
      try { await c(); } catch (err) { platformLog.error({ err }, 'error during shutdown'); }
    }
    cleanups.length = 0;
  };

  try {
    const creds = loadOrCreateCredentials(dataDir, opts.api.host);
    const config = loadConfig(dataDir, logger);
    cleanups.push(() => config.watcher.close());
    const store = await openStore(opts.store ?? 'sqlite', dataDir);
    cleanups.push(() => store.close());

    const registry = new Registry({
      store,
      onGcError: (err) => platformLog.warn({ err }, 'garbage collection failed'),
      clusterSettings: () => ({ allowZeroInitialScale: config.autoscaler.get().allowZeroInitialScale }),
    });
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

    const tagHeaderRouting = () => opts.tagHeaderRouting !== false && config.features.get().tagHeaderBasedRouting === 'Enabled';
    // The activator and the autoscaler know each other through the gateway: requests poke the
    // autoscaler, the autoscaler reads the gateway's metrics and tells whether the activator stays in the path.
    let autoscaler: Autoscaler | undefined;
    const activator = new Activator({
      poke: (key) => autoscaler?.poke(key),
      inPath: (key) => autoscaler?.status(key)?.mode !== 'serve',
    });
    const gateway = new Gateway({
      endpoints: processRuntime, tagHeaderRouting: tagHeaderRouting(), logger: logger.child({ component: 'gateway' }),
      noReadyInstance: activator.hook, requestEnded: activator.requestEnded,
    });
    activator.attach(gateway.backends);
    config.features.onChange(() => { gateway.tagHeaderRouting = tagHeaderRouting(); });
    const gatewayAddress = await gateway.listen(opts.gateway.host, opts.gateway.port);
    cleanups.push(() => gateway.close());
    cleanups.push(() => activator.close());
    autoscaler = new Autoscaler({ config: () => config.autoscaler.get(), source: gateway.metrics });
    cleanups.push(() => autoscaler?.close());
    await ensureCompatServices(registry, (ns) => registry.ensureNamespace(ns), opts.gateway.host, gatewayAddress.port);
    const gatewayUrl = `http://${formatHostPort({ host: opts.gateway.host, port: gatewayAddress.port })}`;

    const controllers = startControllers({
      client: registry, runtime, domain: opts.domain, logger: logger.child({ component: 'controller' }), routeTable: gateway.table,
      gcConfig: config.gc, networkConfig: config.network, autoscaler,
    });
    cleanups.push(() => controllers.stop());
    gateway.followRevisions(controllers.revisions);

    const api = createApiServer({ client: registry, token: creds.token, tls: { key: creds.key, cert: creds.cert }, logger: logger.child({ component: 'api' }) });
    const { port } = await api.listen(opts.api.host, opts.api.port);
    cleanups.push(() => api.close());

    let dashboardUrl: string | undefined;
    if (opts.dashboard) {
      const dashboard = await startDashboard({
        client: registry, metrics: gateway.metrics, autoscaler, token: creds.token, host: opts.dashboard.host, port: opts.dashboard.port,
        logger: logger.child({ component: 'dashboard' }),
      });
      cleanups.push(() => dashboard.close());
      dashboardUrl = dashboard.url;
    }

    const apiUrl = `https://${formatHostPort({ host: opts.api.host, port })}`;
    const kubeconfigPath = join(dataDir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, { server: apiUrl, caCert: creds.caCert, token: creds.token });

    return {
      apiUrl, gatewayUrl, gatewayMetrics: gateway.metrics, autoscaler, kubeconfigPath, dashboardUrl, configPath: config.path, token: creds.token,
      registry, store, idle: () => controllers.idle(), stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The config file's sections, kept current while ksrv runs. A file that does not validate stops the start. */
function loadConfig(dataDir: string, logger: Logger) {
  const path = configPath(dataDir);
  const raw = readRawConfig(path);
  const sections = {
    autoscaler: new ConfigSection('autoscaler', parseAutoscalerConfig, raw.autoscaler),
    gc: new ConfigSection('gc', parseGcConfig, raw.gc),
    network: new ConfigSection('network', parseNetworkConfig, raw.network),
    features: new ConfigSection('features', parseFeaturesConfig, raw.features),
  };
  const watcher = watchConfigFile(path, Object.values(sections), (err) => logger.warn({ component: 'config', err: err.message }, `${path} not applied`));
  return { ...sections, path, watcher };
}
