import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../apis/meta.ts';
import { defaultGcConfig, type GcConfig } from '../../config/gc.ts';
import { nextStaleTime, revisionsToCollect } from './collect.ts';

const H = 3600_000;
const NOW = Date.parse('2024-06-01T00:00:00Z');
const at = (hoursAgo: number) => new Date(NOW - hoursAgo * H).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface RevSpec {
  name: string;
  /** Hours since creation. */
  created: number;
  state?: 'pending' | 'active' | 'reserve' | null;
  /** Hours since the routingState last changed (routingStateModified). */
  modified?: number;
  noGc?: string;
  routes?: string;
  /** A routingStateModified value written verbatim. */
  rawModified?: string;
}

function rev(s: RevSpec): KObject {
  const labels: Record<string, string> = { 'serving.knative.dev/configuration': 'cfg' };
  if (s.state !== null) labels['serving.knative.dev/routingState'] = s.state ?? 'reserve';
  const annotations: Record<string, string> = {};
  if (s.modified !== undefined) annotations['serving.knative.dev/routingStateModified'] = at(s.modified);
  if (s.rawModified !== undefined) annotations['serving.knative.dev/routingStateModified'] = s.rawModified;
  if (s.noGc !== undefined) annotations['serving.knative.dev/no-gc'] = s.noGc;
  if (s.routes !== undefined) annotations['serving.knative.dev/routes'] = s.routes;
  return { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { name: s.name, namespace: 'ns', labels, annotations, creationTimestamp: at(s.created) } };
}

const config = (lrr?: string): KObject => ({
  apiVersion: 'serving.knative.dev/v1', kind: 'Configuration', metadata: { name: 'cfg', namespace: 'ns' }, status: { latestReadyRevisionName: lrr },
});

/** Old enough to be stale under the defaults (created 100 h ago, reserve for 50 h). */
const old = (name: string, extra: Partial<RevSpec> = {}): RevSpec => ({ name, created: 100, modified: 50, ...extra });

const cfg = (c: Partial<GcConfig>): GcConfig => ({ ...defaultGcConfig, ...c });

interface Case {
  name: string;
  gc: Partial<GcConfig>;
  revs: RevSpec[];
  lrr?: string;
  want: string[];
}

const cases: Case[] = [
  { name: 'nothing when all settings are disabled', gc: { minNonActiveRevisions: 0, maxNonActiveRevisions: null, retainSinceCreateTimeMs: null, retainSinceLastActiveTimeMs: null },
    revs: [old('a'), old('b')], want: [] },
  { name: 'nothing while total revisions <= min', gc: { minNonActiveRevisions: 2 }, revs: [old('a'), old('b')], want: [] },
  { name: 'stale reserve revisions go, oldest last-active first', gc: { minNonActiveRevisions: 0 },
    revs: [old('b', { modified: 20 }), old('a', { modified: 40 }), old('c', { modified: 30 })], want: ['stale:a', 'stale:c', 'stale:b'] },
  { name: 'min non-active revisions are kept (the most recently active)', gc: { minNonActiveRevisions: 1 },
    revs: [old('a', { modified: 40 }), old('b', { modified: 30 }), old('c', { modified: 20 })], want: ['stale:a', 'stale:b'] },
  { name: 'without routingStateModified the creation time orders', gc: { minNonActiveRevisions: 0, retainSinceLastActiveTimeMs: null },
    revs: [{ name: 'young', created: 60 }, { name: 'oldest', created: 90 }, { name: 'mid', created: 70 }], want: ['stale:oldest', 'stale:mid', 'stale:young'] },
  { name: 'an unparsable routingStateModified falls back to creation', gc: { minNonActiveRevisions: 1, retainSinceLastActiveTimeMs: null },
    revs: [old('a', { created: 60, modified: 1 }), { name: 'b', created: 90, rawModified: 'yesterday' }], want: ['stale:b'] },
  { name: 'the unparsable one sorts by its creation time', gc: { minNonActiveRevisions: 1, retainSinceLastActiveTimeMs: null },
    revs: [old('a', { created: 60, modified: 95 }), { name: 'b', created: 90, rawModified: 'yesterday' }], want: ['stale:a'] },
  { name: 'young revisions are not stale (retain-since-create-time)', gc: { minNonActiveRevisions: 0 },
    revs: [old('a'), old('young', { created: 47, modified: 47 })], want: ['stale:a'] },
  { name: 'recently active revisions are not stale (retain-since-last-active-time)', gc: { minNonActiveRevisions: 0 },
    revs: [old('a'), old('recent', { modified: 14 })], want: ['stale:a'] },
  { name: 'create time disabled: only last-active counts', gc: { minNonActiveRevisions: 0, retainSinceCreateTimeMs: null },
    revs: [old('a', { created: 16, modified: 16 }), old('b', { created: 16, modified: 1 })], want: ['stale:a'] },
  { name: 'last-active disabled: only creation counts', gc: { minNonActiveRevisions: 0, retainSinceLastActiveTimeMs: null },
    revs: [old('a', { created: 49, modified: 0 }), old('b', { created: 47, modified: 40 })], want: ['stale:a'] },
  { name: 'both times disabled: nothing is stale but max still applies', gc: { minNonActiveRevisions: 0, maxNonActiveRevisions: 1, retainSinceCreateTimeMs: null, retainSinceLastActiveTimeMs: null },
    revs: [old('a', { modified: 3 }), old('b', { modified: 2 }), old('c', { modified: 1 })], want: ['overMax:a', 'overMax:b'] },
  { name: 'over max: the oldest non-stale ones go after the stale ones', gc: { minNonActiveRevisions: 1, maxNonActiveRevisions: 2 },
    revs: [old('s', { modified: 30 }), old('a', { created: 10, modified: 9 }), old('b', { created: 10, modified: 8 }), old('c', { created: 10, modified: 7 }), old('d', { created: 10, modified: 6 })],
    want: ['stale:s', 'overMax:a', 'overMax:b'] },
  { name: 'max disabled: young revisions stay however many', gc: { minNonActiveRevisions: 0, maxNonActiveRevisions: null },
    revs: [{ name: 'a', created: 3 }, { name: 'b', created: 2 }, { name: 'c', created: 1 }], want: [] },
  { name: 'the latest ready revision is never collected', gc: { minNonActiveRevisions: 0 }, lrr: 'a',
    revs: [old('a', { modified: 90 }), old('b')], want: ['stale:b'] },
  { name: 'no-gc "true" (any case) protects; other values do not', gc: { minNonActiveRevisions: 0 },
    revs: [old('keep', { noGc: 'TRUE' }), old('also', { noGc: 'true' }), old('gone', { noGc: 'false' })], want: ['stale:gone'] },
  { name: 'active, pending and unlabelled revisions are never collected', gc: { minNonActiveRevisions: 0, maxNonActiveRevisions: 0 },
    revs: [old('act', { state: 'active' }), old('pend', { state: 'pending' }), old('none', { state: null }), old('res')], want: ['stale:res'] },
  { name: 'a routed revision is never collected, whatever its label says', gc: { minNonActiveRevisions: 0, maxNonActiveRevisions: 0 },
    revs: [old('routed', { routes: 'web' }), old('res')], want: ['stale:res'] },
  { name: 'min counts non-active revisions only', gc: { minNonActiveRevisions: 2 },
    revs: [old('act', { state: 'active' }), old('lrr'), old('a', { modified: 60 }), old('b', { modified: 55 })], lrr: 'lrr', want: [] },
  { name: 'min 0 max 0: every non-active revision goes', gc: { minNonActiveRevisions: 0, maxNonActiveRevisions: 0 },
    revs: [{ name: 'a', created: 1, modified: 1 }, { name: 'b', created: 2, modified: 2 }, old('c', { state: 'active' })], want: ['overMax:b', 'overMax:a'] },
  { name: 'equal last-active times: by name', gc: { minNonActiveRevisions: 0 },
    revs: [old('b'), old('a'), old('c')], want: ['stale:a', 'stale:b', 'stale:c'] },
];

describe('revision GC selection', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = revisionsToCollect(config(c.lrr), c.revs.map(rev), cfg(c.gc), new Date(NOW));
      assert.deepEqual(got.map((g) => `${g.reason}:${g.name}`), c.want);
    });
  }

  it('a kept revision is re-checked when it turns stale', () => {
    const revs = [old('young', { created: 40, modified: 10 }), old('b', { created: 30, modified: 1 }), old('lrr')].map(rev);
    // young: created + 48 h = in 8 h, last active + 15 h = in 5 h -> 8 h; b: in 18 h / 14 h -> 18 h.
    assert.equal(nextStaleTime(config('lrr'), revs, cfg({ minNonActiveRevisions: 0 }), new Date(NOW)), NOW + 8 * H);
    assert.equal(nextStaleTime(config('lrr'), revs, cfg({ minNonActiveRevisions: 0, retainSinceCreateTimeMs: null }), new Date(NOW)), NOW + 5 * H);
    assert.equal(nextStaleTime(config('lrr'), revs, cfg({ minNonActiveRevisions: 2 }), new Date(NOW)), undefined);
    assert.equal(nextStaleTime(config('lrr'), revs, cfg({ minNonActiveRevisions: 0, retainSinceCreateTimeMs: null, retainSinceLastActiveTimeMs: null }), new Date(NOW)), undefined);
  });
});
