/**
 * Wires the four serving controllers (service, configuration, route + labeler, revision) onto a
 * Client and a RevisionRuntime. `idle()` resolves once every informer has synced, every queue is
 * empty with nothing in flight, the watch events of the controllers' own writes have come back,
 * pending Event writes are done, and the runtime (if it can tell) has nothing left to report.
 */

import type { Logger } from 'pino';
import type { KObject } from '../apis/meta.ts';
import { ConfigurationType, RevisionType, RouteType, ServiceType } from '../apis/resources.ts';
import type { Client } from '../client/client.ts';
import type { ConfigSection } from '../config/config.ts';
import type { GcConfig } from '../config/gc.ts';
import type { NetworkConfig } from '../config/network.ts';
import { Controller, enqueueControllerOf, enqueueLabelOf, handleAll } from '../controller/controller.ts';
import { ClientEventRecorder } from '../controller/events.ts';
import { Informer } from '../controller/informer.ts';
import { TrackingClient } from '../controller/tracking-client.ts';
import type { Autoscaler } from '../autoscaler/autoscaler.ts';
import type { RevisionRuntime } from '../runtime/runtime.ts';
import {
  ConfigurationReconciler, configurationConditionSet, RevisionsByConfiguration, revisionsByConfigurationIndex,
} from './configuration/configuration.ts';
import { RevisionGc } from './gc/gc.ts';
import { ConfigurationLabel, ServiceLabel } from './keys.ts';
import { RevisionReconciler, revisionConditionSet } from './revision/revision.ts';
import { ByRoute, byRouteIndex } from './route/labeler.ts';
import { RouteReconciler, routeConditionSet } from './route/route.ts';
import { noopRouteTableSink, type RouteTableSink } from './route/route-table.ts';
import { ServiceReconciler, serviceConditionSet } from './service/service.ts';

export type { RouteTable, RouteTableSink, RouteTableGroup, RouteSplit } from './route/route-table.ts';

export interface ControllerDeps {
  client: Client;
  runtime: RevisionRuntime;
  /** External domain of route URLs, e.g. example.com. */
  domain: string;
  logger?: Logger;
  clock?: () => Date;
  routeTable?: RouteTableSink;
  /** Parallel reconciles per controller (default 4). */
  workers?: number;
  /** Revision garbage collection settings; without them no revisions are collected. */
  gcConfig?: ConfigSection<GcConfig>;
  /** Supplies the default rollout-duration of Routes (0 when absent). */
  networkConfig?: ConfigSection<NetworkConfig>;
  /** The KPA autoscaler; without one, a routed revision runs one instance and a reserve one none. */
  autoscaler?: Autoscaler;
}

export interface RunningControllers {
  stop(): Promise<void>;
  idle(): Promise<void>;
  /** The controllers' Revision cache, for other in-process readers (the gateway) instead of a second copy. */
  readonly revisions: Informer;
}

/** Index of routes by what their traffic references: `ns/config/<name>`, `ns/rev/<name>`. */
const RoutesByTarget = 'byTarget';

function routeTargets(route: KObject): string[] {
  const ns = route.metadata.namespace;
  const out = new Set<string>();
  for (const t of [...(route.spec?.traffic ?? []), ...(route.status?.traffic ?? [])] as any[]) {
    if (t.configurationName) out.add(`${ns}/config/${t.configurationName}`);
    if (t.revisionName) out.add(`${ns}/rev/${t.revisionName}`);
  }
  return [...out];
}

interface Idler { isIdle(): boolean; whenIdle(): Promise<void> }

function runtimeIdler(runtime: RevisionRuntime): Idler | undefined {
  const r = runtime as unknown as Partial<Idler>;
  return typeof r.isIdle === 'function' && typeof r.whenIdle === 'function' ? (r as Idler) : undefined;
}

export function startControllers(deps: ControllerDeps): RunningControllers {
  const now = deps.clock ?? (() => new Date());
  const logger = deps.logger;
  const client = new TrackingClient(deps.client);
  const sink = deps.routeTable ?? noopRouteTableSink;
  const workers = deps.workers ?? 4;

  const services = new Informer(client, ServiceType, logger);
  const configurations = new Informer(client, ConfigurationType, logger);
  const routes = new Informer(client, RouteType, logger);
  const revisions = new Informer(client, RevisionType, logger);
  const informers = [services, configurations, routes, revisions];
  for (const i of informers) client.track(i);

  revisions.addIndex(RevisionsByConfiguration, revisionsByConfigurationIndex);
  revisions.addIndex(ByRoute, byRouteIndex);
  configurations.addIndex(ByRoute, byRouteIndex);
  routes.addIndex(RoutesByTarget, routeTargets);

  const recorder = (component: string) => new ClientEventRecorder(deps.client, component, now, logger);
  const recorders = {
    service: recorder('service-controller'),
    configuration: recorder('configuration-controller'),
    route: recorder('route-controller'),
    revision: recorder('revision-controller'),
  };

  const serviceCtrl = new Controller({
    name: 'service', type: ServiceType, informer: services, client, conditionSet: serviceConditionSet, logger, now, workers,
    reconciler: new ServiceReconciler({ client, configurations, routes, revisions, recorder: recorders.service, now }),
  });
  const configCtrl = new Controller({
    name: 'configuration', type: ConfigurationType, informer: configurations, client, conditionSet: configurationConditionSet,
    logger, now, workers,
    reconciler: new ConfigurationReconciler({ client, revisions, recorder: recorders.configuration, now }),
  });
  const routeCtrl = new Controller({
    name: 'route', type: RouteType, informer: routes, client, conditionSet: routeConditionSet, logger, now, workers,
    reconciler: new RouteReconciler({
      client, configurations, revisions, now, sink, domain: deps.domain, networkConfig: deps.networkConfig, recorder: recorders.route,
    }),
  });
  const revisionCtrl = new Controller({
    name: 'revision', type: RevisionType, informer: revisions, client, conditionSet: revisionConditionSet, logger, now, workers,
    reconciler: new RevisionReconciler({ runtime: deps.runtime, now, autoscaler: deps.autoscaler, recorder: recorders.revision }),
  });
  const controllers = [serviceCtrl, configCtrl, routeCtrl, revisionCtrl];
  const revisionGc = deps.gcConfig
    ? new RevisionGc({ client, configurations, revisions, config: deps.gcConfig, now, logger })
    : undefined;

  // Service: its children are named like it (owned or not, so NotOwned clears when they go away).
  const sameName = handleAll((o) => serviceCtrl.enqueueKey(o.metadata.namespace ?? '', o.metadata.name!));
  configurations.addEventHandler(sameName);
  routes.addEventHandler(sameName);
  revisions.addEventHandler(enqueueLabelOf(serviceCtrl, ServiceLabel));
  // Configuration: its revisions.
  revisions.addEventHandler(enqueueControllerOf(configCtrl, 'Configuration'));
  // Route: whatever its traffic references (also targets that do not exist yet).
  const enqueueRoutes = (index: string) => {
    for (const r of routes.byIndex(RoutesByTarget, index)) routeCtrl.enqueue(r);
  };
  configurations.addEventHandler(handleAll((c) => enqueueRoutes(`${c.metadata.namespace}/config/${c.metadata.name}`)));
  revisions.addEventHandler(handleAll((r) => {
    enqueueRoutes(`${r.metadata.namespace}/rev/${r.metadata.name}`);
    const c = r.metadata.labels?.[ConfigurationLabel];
    if (c) enqueueRoutes(`${r.metadata.namespace}/config/${c}`);
  }));
  // Route: a new default rollout-duration applies to every route.
  deps.networkConfig?.onChange(() => { for (const r of routes.list()) routeCtrl.enqueue(r); });
  // Revision: the runtime's observations.
  deps.runtime.onChange((ns, name) => revisionCtrl.enqueueKey(ns, name));
  // Revision: the autoscaler's decisions (scale, Active).
  deps.autoscaler?.onChange((key) => {
    const slash = key.indexOf('/');
    revisionCtrl.enqueueKey(key.slice(0, slash), key.slice(slash + 1));
  });

  for (const c of controllers) c.start();
  revisionGc?.start();
  const synced = Promise.all(informers.map((i) => i.start()));
  synced.catch((err) => logger?.error({ err }, 'controller informers failed to sync'));

  const rtIdle = runtimeIdler(deps.runtime);
  const idlers: Idler[] = [
    ...controllers.map((c) => c.queue),
    ...(revisionGc ? [revisionGc.queue] : []),
    ...informers.map((i) => ({ isIdle: () => i.isSettled(), whenIdle: () => i.whenSettled() })),
    ...Object.values(recorders),
    ...(rtIdle ? [rtIdle] : []),
  ];
  let stopped = false;
  const quiet = () => stopped || idlers.every((i) => i.isIdle());

  return {
    revisions,
    async idle() {
      await synced;
      for (;;) {
        if (quiet()) {
          // Let already-scheduled callbacks (watch deliveries, timers due now) run, then re-check.
          await new Promise((r) => setImmediate(r));
          if (quiet()) return;
        }
        await Promise.all(idlers.filter((i) => !i.isIdle()).map((i) => i.whenIdle()));
      }
    },
    async stop() {
      stopped = true;
      for (const c of controllers) c.stop();
      revisionGc?.stop();
      for (const i of informers) i.stop();
      await Promise.all([...controllers.map((c) => c.queue), ...(revisionGc ? [revisionGc.queue] : [])].map((q) => q.drain()));
    },
  };
}
