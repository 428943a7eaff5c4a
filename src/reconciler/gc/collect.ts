/**
 * Which revisions of a Configuration Knative's revision GC deletes (pkg/reconciler/gc/gc.go):
 * only non-active ones (routingState `reserve`, not the latest ready, not annotated
 * serving.knative.dev/no-gc), oldest last-active first, never leaving fewer than
 * min-non-active-revisions; first the stale ones (past both retention times), then, while more
 * than max-non-active-revisions remain, the oldest of the rest.
 */

import type { KObject } from '../../apis/meta.ts';
import type { GcConfig } from '../../config/gc.ts';
import { listAnnotation, RoutesAnnotation, RoutingStateLabel, RoutingStateModifiedAnnotation } from '../keys.ts';

export const NoGcAnnotation = 'serving.knative.dev/no-gc';

export interface Collectable {
  name: string;
  /** 'stale': past the retention times; 'overMax': beyond max-non-active-revisions. */
  reason: 'stale' | 'overMax';
}

/** True while a revision must be kept whatever its age. */
export function isRevisionActive(rev: KObject, config: KObject): boolean {
  if (config.status?.latestReadyRevisionName === rev.metadata.name) return true;
  if (rev.metadata.annotations?.[NoGcAnnotation]?.toLowerCase() === 'true') return true;
  // The labeler writes routes and routingState together, so a routed revision is never `reserve`;
  // checking the routes too keeps a half-applied label patch from exposing it.
  if (listAnnotation(rev.metadata.annotations, RoutesAnnotation).size > 0) return true;
  // Anything the labeler has not explicitly moved to reserve (pending, active, unlabelled).
  return rev.metadata.labels?.[RoutingStateLabel] !== 'reserve';
}

/** routingStateModified (RFC3339) if it parses, else the creation time; ms since the epoch. */
export function lastActiveTime(rev: KObject): number {
  const modified = Date.parse(rev.metadata.annotations?.[RoutingStateModifiedAnnotation] ?? '');
  if (!Number.isNaN(modified)) return modified;
  return Date.parse(rev.metadata.creationTimestamp ?? '') || 0;
}

export function isRevisionStale(cfg: GcConfig, rev: KObject, now: number): boolean {
  const sinceCreate = cfg.retainSinceCreateTimeMs;
  const sinceActive = cfg.retainSinceLastActiveTimeMs;
  if (sinceCreate === null && sinceActive === null) return false;
  const created = Date.parse(rev.metadata.creationTimestamp ?? '') || 0;
  if (sinceCreate !== null && now - created < sinceCreate) return false;
  if (sinceActive !== null && now - lastActiveTime(rev) < sinceActive) return false;
  return true;
}

/** The revisions (all labelled with this configuration) to delete, in deletion order. */
export function revisionsToCollect(config: KObject, revisions: KObject[], cfg: GcConfig, now: Date): Collectable[] {
  const min = cfg.minNonActiveRevisions;
  const max = cfg.maxNonActiveRevisions;
  if (max === null && cfg.retainSinceCreateTimeMs === null && cfg.retainSinceLastActiveTimeMs === null) return [];
  if (revisions.length <= min) return [];
  const nonActive = revisions.filter((r) => !isRevisionActive(r, config));
  if (nonActive.length <= min) return [];

  // Oldest last-active first; the name breaks ties so the order is deterministic.
  nonActive.sort((a, b) => lastActiveTime(a) - lastActiveTime(b) || a.metadata.name!.localeCompare(b.metadata.name!));
  const out: Collectable[] = [];
  const deletable = nonActive.length - min;
  const kept: KObject[] = [];
  for (const rev of nonActive) {
    if (out.length < deletable && isRevisionStale(cfg, rev, now.getTime())) out.push({ name: rev.metadata.name!, reason: 'stale' });
    else kept.push(rev);
  }
  if (out.length >= deletable || max === null || kept.length <= max) return out;
  for (const rev of kept.slice(0, kept.length - max)) out.push({ name: rev.metadata.name!, reason: 'overMax' });
  return out;
}

/**
 * When a kept non-active revision next turns stale (ms since the epoch), so the collector can look
 * again then: nothing else happens when a revision merely ages. Undefined when no time limit
 * applies or too few non-active revisions exist for any to go.
 */
export function nextStaleTime(config: KObject, revisions: KObject[], cfg: GcConfig, now: Date): number | undefined {
  const sinceCreate = cfg.retainSinceCreateTimeMs;
  const sinceActive = cfg.retainSinceLastActiveTimeMs;
  if (sinceCreate === null && sinceActive === null) return undefined;
  const nonActive = revisions.filter((r) => !isRevisionActive(r, config));
  if (nonActive.length <= cfg.minNonActiveRevisions) return undefined;
  let next: number | undefined;
  for (const rev of nonActive) {
    if (isRevisionStale(cfg, rev, now.getTime())) continue;
    const created = Date.parse(rev.metadata.creationTimestamp ?? '') || 0;
    const at = Math.max(sinceCreate === null ? 0 : created + sinceCreate, sinceActive === null ? 0 : lastActiveTime(rev) + sinceActive);
    if (next === undefined || at < next) next = at;
  }
  return next;
}
