/**
 * `ksrv rollback` as a pure traffic change: all traffic to one earlier ready revision, every tag
 * kept (at 0 %) so tag URLs keep working, and the template left alone so no revision is created.
 */
import type { Condition, KObject } from '../../apis/meta.ts';
import type { TrafficTarget } from '../../apis/serving/types.ts';
import { isLatestTarget } from './compute.ts';

export class RollbackError extends Error {}

export interface RollbackPlan { from: string; to: string; traffic: TrafficTarget[] }

function generation(rev: KObject): number {
  return Number(rev.metadata.labels?.['serving.knative.dev/configurationGeneration'] ?? 0);
}

function isReady(rev: KObject): boolean {
  return ((rev.status?.conditions as Condition[] | undefined) ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The revision serving now: the one holding all traffic, else the latest ready revision. */
export function currentRevision(service: KObject): string | undefined {
  const shares = new Map<string, number>();
  for (const t of (service.status?.traffic as TrafficTarget[] | undefined) ?? []) {
    if (t.revisionName && t.percent) shares.set(t.revisionName, (shares.get(t.revisionName) ?? 0) + t.percent);
  }
  const whole = [...shares].find(([, pct]) => pct === 100);
  return whole?.[0] ?? service.status?.latestReadyRevisionName;
}

export function planRollback(service: KObject, revisions: KObject[], to?: string): RollbackPlan {
  const name = service.metadata.name!;
  const from = currentRevision(service);
  const byName = new Map(revisions.map((r) => [r.metadata.name!, r]));
  let target: KObject | undefined;
  if (to !== undefined) {
    target = byName.get(to);
    if (!target) throw new RollbackError(`revision '${to}' of service '${name}' not found`);
    if (!isReady(target)) throw new RollbackError(`revision '${to}' is not ready, refusing to route traffic to it`);
  } else {
    if (!from) throw new RollbackError(`service '${name}' has no ready revision yet`);
    const fromGeneration = byName.has(from) ? generation(byName.get(from)!) : Number.POSITIVE_INFINITY;
    target = revisions
      .filter((r) => isReady(r) && generation(r) < fromGeneration)
      .sort((a, b) => generation(b) - generation(a))[0];
    if (!target) throw new RollbackError(`service '${name}' has no ready revision older than '${from}' to roll back to`);
  }
  const toName = target.metadata.name!;

  const spec = (service.spec?.traffic as TrafficTarget[] | undefined) ?? [];
  const traffic = spec.filter((t) => t.tag).map((t) => ({ ...t, percent: 0 }));
  const pinned = traffic.find((t) => t.revisionName === toName && !isLatestTarget(t));
  if (pinned) pinned.percent = 100;
  else traffic.push({ revisionName: toName, latestRevision: false, percent: 100 });
  return { from: from ?? '', to: toName, traffic };
}
