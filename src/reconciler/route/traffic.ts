/**
 * Resolving a Route's spec.traffic into revision-level targets (knative
 * pkg/reconciler/route/traffic/traffic.go): configuration targets use the Configuration's
 * latestReadyRevisionName; every referenced revision must exist and be Ready. Target errors are
 * collected, a failure beats a not-ready error, and any error means nothing is programmed.
 */

import type { KObject } from '../../apis/meta.ts';
import { getCondition, type ConditionManager } from '../../controller/conditions.ts';
import { isRevisionReady } from '../configuration/configuration.ts';
import { ConfigurationLabel, ServiceLabel } from '../keys.ts';

export interface TrafficLookup {
  configuration(name: string): KObject | undefined;
  revision(name: string): KObject | undefined;
}

export interface RevisionTarget {
  tag?: string;
  revisionName: string;
  configurationName?: string;
  latestRevision?: boolean;
  percent: number;
}

export type TargetError =
  | { kind: 'missing'; targetKind: 'Configuration' | 'Revision'; name: string; failure: true }
  | { kind: 'unreadyConfiguration'; name: string; failure: boolean }
  | { kind: 'unreadyRevision'; name: string; failure: boolean }
  | { kind: 'revisionNotOwned'; revisionName: string; expectedService: string; actualService: string; failure: true };

export interface TrafficConfig {
  /** Consolidated groups: '' = default group, then one per tag. Undefined on error. */
  groups?: Map<string, RevisionTarget[]>;
  /** Flattened targets merged by (tag, revision, latestRevision), in spec order. */
  revisionTargets?: RevisionTarget[];
  error?: TargetError;
}

export function buildTrafficConfiguration(route: KObject, lookup: TrafficLookup): TrafficConfig {
  const groups = new Map<string, RevisionTarget[]>();
  const revisionTargets: RevisionTarget[] = [];
  let error: TargetError | undefined;
  const defer = (e: TargetError) => { if (!error || e.failure) error = e; };
  const routeService = route.metadata.labels?.[ServiceLabel] ?? '';

  const add = (t: RevisionTarget) => {
    const same = revisionTargets.find((r) => (r.tag ?? '') === (t.tag ?? '') && r.revisionName === t.revisionName
      && !!r.latestRevision === !!t.latestRevision);
    if (same) same.percent += t.percent;
    else revisionTargets.push({ ...t });
    push(groups, '', t);
    if (t.tag) push(groups, t.tag, t);
  };

  for (const tt of (route.spec?.traffic ?? []) as any[]) {
    const percent = Number(tt.percent ?? 0);
    // Knative's defaults, applied here because traffic lists are stored as the user wrote them.
    const base = { tag: tt.tag || undefined, latestRevision: tt.latestRevision ?? !tt.revisionName, percent };
    if (tt.revisionName) {
      const rev = lookup.revision(tt.revisionName);
      if (!rev) { defer({ kind: 'missing', targetKind: 'Revision', name: tt.revisionName, failure: true }); continue; }
      if (routeService) {
        const revService = rev.metadata.labels?.[ServiceLabel] ?? '';
        if (revService !== routeService) {
          defer({ kind: 'revisionNotOwned', revisionName: tt.revisionName, expectedService: routeService, actualService: revService, failure: true });
          continue;
        }
      }
      if (!isRevisionReady(rev)) { defer(unreadyRevision(rev)); continue; }
      const configName = rev.metadata.labels?.[ConfigurationLabel];
      if (configName && !lookup.configuration(configName)) {
        defer({ kind: 'missing', targetKind: 'Configuration', name: configName, failure: true });
        continue;
      }
      add({ ...base, revisionName: rev.metadata.name!, configurationName: configName });
    } else if (tt.configurationName) {
      const config = lookup.configuration(tt.configurationName);
      if (!config) { defer({ kind: 'missing', targetKind: 'Configuration', name: tt.configurationName, failure: true }); continue; }
      const lrr: string | undefined = config.status?.latestReadyRevisionName;
      if (!lrr) {
        defer({ kind: 'unreadyConfiguration', name: tt.configurationName, failure: getCondition(config.status, 'Ready')?.status === 'False' });
        continue;
      }
      const rev = lookup.revision(lrr);
      if (!rev) { defer({ kind: 'missing', targetKind: 'Revision', name: lrr, failure: true }); continue; }
      if (!isRevisionReady(rev)) { defer(unreadyRevision(rev)); continue; }
      add({ ...base, revisionName: lrr, configurationName: tt.configurationName });
    }
  }
  if (error) return { error };
  for (const [k, v] of groups) groups.set(k, consolidate(v));
  return { groups, revisionTargets };
}

function push(m: Map<string, RevisionTarget[]>, k: string, t: RevisionTarget): void {
  let l = m.get(k);
  if (!l) m.set(k, (l = []));
  l.push({ ...t });
}

function unreadyRevision(rev: KObject): TargetError {
  return { kind: 'unreadyRevision', name: rev.metadata.name!, failure: getCondition(rev.status, 'Ready')?.status === 'False' };
}

/** Sum entries of the same revision; a group with a single revision gets 100%. */
function consolidate(targets: RevisionTarget[]): RevisionTarget[] {
  const out: RevisionTarget[] = [];
  for (const t of targets) {
    const cur = out.find((o) => o.revisionName === t.revisionName);
    if (cur) cur.percent += t.percent;
    else out.push({ ...t });
  }
  if (out.length === 1) out[0]!.percent = 100;
  return out;
}

const q = (s: string) => JSON.stringify(s);

/** MarkBadTrafficTarget: AllTrafficAssigned with Knative's reason and message for the error. */
export function markBadTrafficTarget(mgr: ConditionManager, e: TargetError): void {
  switch (e.kind) {
    case 'missing':
      return mgr.markFalse('AllTrafficAssigned', `${e.targetKind}Missing`, `${e.targetKind} ${q(e.name)} referenced in traffic not found.`);
    case 'unreadyConfiguration':
      return e.failure
        ? mgr.markFalse('AllTrafficAssigned', 'RevisionMissing', `Configuration ${q(e.name)} does not have any ready Revision.`)
        : mgr.markUnknown('AllTrafficAssigned', 'RevisionMissing', `Configuration ${q(e.name)} is waiting for a Revision to become ready.`);
    case 'unreadyRevision':
      return e.failure
        ? mgr.markFalse('AllTrafficAssigned', 'RevisionMissing', `Revision ${q(e.name)} failed to become ready.`)
        : mgr.markUnknown('AllTrafficAssigned', 'RevisionMissing', `Revision ${q(e.name)} is not yet ready.`);
    case 'revisionNotOwned':
      return e.actualService
        ? mgr.markFalse('AllTrafficAssigned', 'RevisionNotOwned',
          `Revision ${q(e.revisionName)} belongs to Service ${q(e.actualService)}, not Service ${q(e.expectedService)}.`)
        : mgr.markFalse('AllTrafficAssigned', 'RevisionNotOwned',
          `Revision ${q(e.revisionName)} does not belong to Service ${q(e.expectedService)}.`);
  }
}
