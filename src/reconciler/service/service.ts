/**
 * Service reconciler (knative pkg/reconciler/service): keeps the Configuration and Route named
 * like the Service in line with its spec, and summarises their readiness.
 */

import type { KObject } from '../../apis/meta.ts';
import { ConfigurationType, RouteType, type ResourceType } from '../../apis/resources.ts';
import { ApiError } from '../../lib/errors.ts';
import type { Client } from '../../client/client.ts';
import { getCondition, livingConditionSet, type ConditionManager } from '../../controller/conditions.ts';
import { PermanentError, type Reconciler } from '../../controller/controller.ts';
import { deepClone, deepEqual } from '../../lib/json.ts';
import type { EventRecorder } from '../../controller/events.ts';
import type { Informer } from '../../controller/informer.ts';
import { ChildWriter } from '../child-writer.ts';
import { checkNameAvailability } from '../configuration/name-availability.ts';
import { isControlledBy } from '../keys.ts';
import { makeConfiguration } from './resources/configuration.ts';
import { configurationName, routeName } from './resources/names.ts';
import { makeRoute } from './resources/route.ts';

export const serviceConditionSet = livingConditionSet('ConfigurationsReady', 'RoutesReady');

export interface ServiceReconcilerDeps {
  client: Client;
  configurations: Informer;
  routes: Informer;
  revisions: Informer;
  recorder: EventRecorder;
  now: () => Date;
}

export class ServiceReconciler implements Reconciler {
  private readonly configWriter: ChildWriter;
  private readonly routeWriter: ChildWriter;

  constructor(private readonly deps: ServiceReconcilerDeps) {
    this.configWriter = new ChildWriter(deps.client, ConfigurationType);
    this.routeWriter = new ChildWriter(deps.client, RouteType);
  }

  async reconcileKind(service: KObject): Promise<void> {
    const mgr = serviceConditionSet.manage(service.status, this.deps.now);
    const config = await this.config(service, mgr);

    if (config.metadata.generation !== config.status?.observedGeneration) {
      mgr.markUnknown('ConfigurationsReady', 'OutOfDate',
        'The Configuration is still working to reflect the latest desired specification.');
      // With a BYO revision name the Route must wait for the Configuration (serialised rollout).
      if (config.spec?.template?.metadata?.name) return;
    } else {
      propagateConfigurationStatus(service.status, mgr, config.status);
    }

    if (checkNameAvailability(config, this.deps.revisions).conflict) {
      mgr.markFalse('RoutesReady', 'RevisionNameTaken',
        `The revision name ${JSON.stringify(config.spec.template.metadata.name)} is taken by a conflicting Revision, so traffic will not be migrated`);
      return;
    }

    const route = await this.route(service, mgr);
    if (route.metadata.generation !== route.status?.observedGeneration) {
      mgr.markUnknown('RoutesReady', 'OutOfDate', 'The Route is still working to reflect the latest desired specification.');
    } else {
      propagateRouteStatus(service.status, mgr, route.status);
    }
    checkRoutesNotReady(config, route, mgr);
  }

  private async config(service: KObject, mgr: ConditionManager): Promise<KObject> {
    const ns = service.metadata.namespace!;
    const name = configurationName(service);
    const existing = this.deps.configurations.get(ns, name);
    if (!existing) {
      try {
        const { object } = await this.deps.client.create(ConfigurationType, makeConfiguration(service));
        this.deps.recorder.event(service, 'Normal', 'Created', `Created Configuration ${JSON.stringify(name)}`);
        return object;
      } catch (err) {
        const mine = await this.ownChild(ConfigurationType, service, name, err);
        if (mine) return mine;
        this.deps.recorder.event(service, 'Warning', 'CreationFailed',
          `Failed to create Configuration ${JSON.stringify(name)}: ${(err as Error).message}`);
        throw new Error(`failed to create Configuration: ${(err as Error).message}`, { cause: err });
      }
    }
    if (!isControlledBy(existing, service)) {
      mgr.markFalse('ConfigurationsReady', 'NotOwned', `There is an existing Configuration ${JSON.stringify(name)} that we do not own.`);
      throw new PermanentError(`service: ${JSON.stringify(service.metadata.name)} does not own configuration: ${JSON.stringify(name)}`);
    }
    try {
      return await this.configWriter.reconcile(existing, makeConfiguration(service, existing));
    } catch (err) {
      throw new Error(`failed to reconcile Configuration: ${(err as Error).message}`, { cause: err });
    }
  }

  /** After AlreadyExists: our own child whose watch event has not reached the cache yet? */
  private async ownChild(type: ResourceType, service: KObject, name: string, err: unknown): Promise<KObject | undefined> {
    if (!(ApiError.isApiError(err) && err.code === 409)) return undefined;
    try {
      const obj = await this.deps.client.get(type, service.metadata.namespace!, name);
      return isControlledBy(obj, service) ? obj : undefined;
    } catch {
      return undefined;
    }
  }

  private async route(service: KObject, mgr: ConditionManager): Promise<KObject> {
    const ns = service.metadata.namespace!;
    const name = routeName(service);
    const existing = this.deps.routes.get(ns, name);
    if (!existing) {
      try {
        const { object } = await this.deps.client.create(RouteType, makeRoute(service));
        this.deps.recorder.event(service, 'Normal', 'Created', `Created Route ${JSON.stringify(name)}`);
        return object;
      } catch (err) {
        const mine = await this.ownChild(RouteType, service, name, err);
        if (mine) return mine;
        this.deps.recorder.event(service, 'Warning', 'CreationFailed',
          `Failed to create Route ${JSON.stringify(name)}: ${(err as Error).message}`);
        throw new Error(`failed to create Route: ${(err as Error).message}`, { cause: err });
      }
    }
    if (!isControlledBy(existing, service)) {
      mgr.markFalse('RoutesReady', 'NotOwned', `There is an existing Route ${JSON.stringify(name)} that we do not own.`);
      throw new PermanentError(`service: ${JSON.stringify(service.metadata.name)} does not own route: ${JSON.stringify(name)}`);
    }
    try {
      return await this.routeWriter.reconcile(existing, makeRoute(service));
    } catch (err) {
      throw new Error(`failed to reconcile Route: ${(err as Error).message}`, { cause: err });
    }
  }
}

function setOrDelete(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined || value === null || value === '') delete target[key];
  else target[key] = deepClone(value);
}

function propagateConfigurationStatus(status: any, mgr: ConditionManager, cs: any): void {
  setOrDelete(status, 'latestReadyRevisionName', cs?.latestReadyRevisionName);
  setOrDelete(status, 'latestCreatedRevisionName', cs?.latestCreatedRevisionName);
  const c = getCondition(cs, 'Ready');
  if (!c) return;
  if (c.status === 'Unknown') mgr.markUnknown('ConfigurationsReady', c.reason ?? '', c.message ?? '');
  else if (c.status === 'True') mgr.markTrue('ConfigurationsReady');
  else mgr.markFalse('ConfigurationsReady', c.reason ?? '', c.message ?? '');
}

function propagateRouteStatus(status: any, mgr: ConditionManager, rs: any): void {
  setOrDelete(status, 'url', rs?.url);
  setOrDelete(status, 'address', rs?.address);
  setOrDelete(status, 'traffic', rs?.traffic?.length ? rs.traffic : undefined);
  const c = getCondition(rs, 'Ready');
  if (!c) return;
  if (c.status === 'Unknown') mgr.markUnknown('RoutesReady', c.reason ?? '', c.message ?? '');
  else if (c.status === 'True') mgr.markTrue('RoutesReady');
  else mgr.markFalse('RoutesReady', c.reason ?? '', c.message ?? '');
}

/** RoutesReady Unknown TrafficNotMigrated while the Route's status traffic is not yet its spec. */
function checkRoutesNotReady(config: KObject, route: KObject, mgr: ConditionManager): void {
  if (mgr.get('RoutesReady')?.status !== 'True') return;
  const spec: any[] = route.spec?.traffic ?? [];
  const got: any[] = route.status?.traffic ?? [];
  const notMigrated = () => mgr.markUnknown('RoutesReady', 'TrafficNotMigrated', 'Traffic is not yet migrated to the latest revision.');
  if (spec.length !== got.length) return notMigrated();
  const norm = (t: any) => ({ tag: t.tag || undefined, revisionName: t.revisionName || undefined, percent: t.percent ?? 0 });
  for (let i = 0; i < spec.length; i++) {
    const want = { ...spec[i] };
    if (want.configurationName === config.metadata.name) {
      want.revisionName = config.status?.latestReadyRevisionName;
      delete want.configurationName;
    }
    if (want.configurationName || !deepEqual(norm(want), norm(got[i]))) return notMigrated();
  }
}
