/**
 * Configuration reconciler (knative pkg/reconciler/configuration): one Revision per generation,
 * and latestCreatedRevisionName / latestReadyRevisionName bookkeeping.
 */

import type { KObject } from '../../apis/meta.ts';
import { RevisionType } from '../../apis/resources.ts';
import type { Client } from '../../client/client.ts';
import { getCondition, livingConditionSet, type ConditionManager } from '../../controller/conditions.ts';
import type { Reconciler } from '../../controller/controller.ts';
import { deepEqual } from '../../lib/json.ts';
import type { EventRecorder } from '../../controller/events.ts';
import type { Informer } from '../../controller/informer.ts';
import { ApiError } from '../../lib/errors.ts';
import { ConfigurationGenerationLabel, ConfigurationLabel, isControlledBy } from '../keys.ts';
import { checkNameAvailability } from './name-availability.ts';
import { makeRevision } from './resources/revision.ts';

export const configurationConditionSet = livingConditionSet();

/** Index name of the revisions informer: `ns/configurationName`. */
export const RevisionsByConfiguration = 'byConfiguration';

export function revisionsByConfigurationIndex(rev: KObject): string[] {
  const c = rev.metadata.labels?.[ConfigurationLabel];
  return c ? [`${rev.metadata.namespace}/${c}`] : [];
}

export function isRevisionReady(rev: KObject): boolean {
  return rev.status?.observedGeneration === rev.metadata.generation && getCondition(rev.status, 'Ready')?.status === 'True';
}

function configGeneration(rev: KObject): number | undefined {
  const v = rev.metadata.labels?.[ConfigurationGenerationLabel];
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

export interface ConfigurationReconcilerDeps {
  client: Client;
  revisions: Informer;
  recorder: EventRecorder;
  now: () => Date;
}

export class ConfigurationReconciler implements Reconciler {
  constructor(private readonly deps: ConfigurationReconcilerDeps) {}

  async reconcileKind(config: KObject): Promise<void> {
    const { recorder } = this.deps;
    const status = config.status;
    const mgr = configurationConditionSet.manage(status, this.deps.now);

    const found = this.latestCreatedRevision(config);
    let lcr: KObject;
    if (found.conflict) {
      const name = config.spec.template.metadata.name;
      markRevisionCreationFailed(mgr, `revisions.serving.knative.dev ${JSON.stringify(name)} already exists`);
      return;
    } else if (found.revision) {
      lcr = found.revision;
    } else {
      try {
        lcr = (await this.deps.client.create(RevisionType, makeRevision(config, this.deps.now()))).object;
        recorder.event(config, 'Normal', 'Created', `Created Revision ${JSON.stringify(lcr.metadata.name)}`);
      } catch (err) {
        if (ApiError.isApiError(err) && err.code === 409) {
          // Normally our own revision whose watch event has not reached the cache yet.
          const mine = await this.ownRevision(config, makeRevision(config, this.deps.now()).metadata.name!);
          if (!mine) throw new Error(`failed to create Revision: ${err.message}`, { cause: err });
          lcr = mine;
        } else {
          recorder.event(config, 'Warning', 'CreationFailed', `Failed to create Revision: ${(err as Error).message}`);
          markRevisionCreationFailed(mgr, (err as Error).message);
          throw new Error(`failed to create Revision: ${(err as Error).message}`, { cause: err });
        }
      }
    }

    const revName = lcr.metadata.name!;
    // SetLatestCreatedRevisionName
    status.latestCreatedRevisionName = revName;
    if (status.latestReadyRevisionName !== revName) mgr.markUnknown('Ready', '', '');

    const rc = getCondition(lcr.status, 'Ready');
    if (!rc || rc.status === 'Unknown') {
      // not ready yet
    } else if (rc.status === 'True') {
      if (!status.latestReadyRevisionName) recorder.event(config, 'Normal', 'ConfigurationReady', 'Configuration becomes ready');
    } else {
      const before = mgr.get('Ready');
      mgr.markFalse('Ready', 'RevisionFailed', `Revision ${JSON.stringify(revName)} failed with message: ${rc.message ?? ''}.`);
      if (!deepEqual(before, mgr.get('Ready'))) {
        if (revName === status.latestReadyRevisionName) {
          recorder.event(config, 'Warning', 'LatestReadyFailed', `Latest ready revision ${JSON.stringify(revName)} has failed`);
        } else {
          recorder.event(config, 'Warning', 'LatestCreatedFailed', `Latest created revision ${JSON.stringify(revName)} has failed`);
        }
      }
    }

    for (const rev of this.sortedCreatedRevisions(config, lcr, found.byo)) {
      if (!isRevisionReady(rev)) continue;
      const old = status.latestReadyRevisionName;
      status.latestReadyRevisionName = rev.metadata.name;
      if (status.latestReadyRevisionName === status.latestCreatedRevisionName) mgr.markTrue('Ready');
      if (old !== rev.metadata.name) {
        recorder.event(config, 'Normal', 'LatestReadyUpdate', `LatestReadyRevisionName updated to ${JSON.stringify(rev.metadata.name)}`);
      }
      break;
    }
  }

  private async ownRevision(config: KObject, name: string): Promise<KObject | undefined> {
    try {
      const rev = await this.deps.client.get(RevisionType, config.metadata.namespace!, name);
      const gen = rev.metadata.labels?.[ConfigurationGenerationLabel];
      return isControlledBy(rev, config) && gen === String(config.metadata.generation) ? rev : undefined;
    } catch {
      return undefined;
    }
  }

  private latestCreatedRevision(config: KObject): { revision?: KObject; conflict: boolean; byo: boolean } {
    const avail = checkNameAvailability(config, this.deps.revisions);
    if (avail.conflict || avail.revision) return { ...avail, byo: true };
    const gen = String(config.metadata.generation);
    const rev = this.revisionsOf(config).find((r) => r.metadata.labels?.[ConfigurationGenerationLabel] === gen);
    return { revision: rev, conflict: false, byo: false };
  }

  private revisionsOf(config: KObject): KObject[] {
    return this.deps.revisions.byIndex(RevisionsByConfiguration, `${config.metadata.namespace}/${config.metadata.name}`);
  }

  /** Candidates for latest ready, newest generation first, bounded below by the current latest ready. */
  private sortedCreatedRevisions(config: KObject, lcr: KObject, byo: boolean): KObject[] {
    let list = this.revisionsOf(config);
    const lrrName: string | undefined = config.status.latestReadyRevisionName;
    if (lrrName) {
      const lrr = this.deps.revisions.get(config.metadata.namespace!, lrrName);
      if (lrr) {
        const start = configGeneration(lrr) ?? config.metadata.generation!;
        const lcrGen = configGeneration(lcr);
        list = list.filter((r) => {
          const g = configGeneration(r);
          if (g === undefined) return false;
          return (g >= start && g <= config.metadata.generation!) || (byo && g === lcrGen);
        });
      }
    }
    const byoName = config.spec?.template?.metadata?.name;
    return [...list].sort((a, b) => {
      if (byoName && a.metadata.name === byoName) return -1;
      if (byoName && b.metadata.name === byoName) return 1;
      return (configGeneration(b) ?? 0) - (configGeneration(a) ?? 0);
    });
  }
}

function markRevisionCreationFailed(mgr: ConditionManager, message: string): void {
  mgr.markFalse('Ready', 'RevisionFailed', `Revision creation failed with message: ${message}.`);
}
