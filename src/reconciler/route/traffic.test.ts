import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../apis/meta.ts';
import { livingConditionSet } from '../../controller/conditions.ts';
import { buildTrafficConfiguration, markBadTrafficTarget } from './traffic.ts';

const ready = (s: 'True' | 'False' | 'Unknown') => ({ observedGeneration: 1, conditions: [{ type: 'Ready', status: s }] });
const rev = (name: string, s: 'True' | 'False' | 'Unknown', cfg = 'c'): KObject => ({ apiVersion: 'v', kind: 'Revision', metadata: { name, generation: 1, labels: { 'serving.knative.dev/configuration': cfg } }, status: ready(s) });
const cfg = (name: string, lrr?: string, s: 'True' | 'False' | 'Unknown' = 'Unknown'): KObject => ({ apiVersion: 'v', kind: 'Configuration', metadata: { name }, status: { latestReadyRevisionName: lrr, ...ready(s) } });
const route = (traffic: any[]): KObject => ({ apiVersion: 'v', kind: 'Route', metadata: { name: 'r', namespace: 'ns' }, spec: { traffic } });

function assigned(traffic: any[], objs: KObject[]) {
  const by = new Map(objs.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  const res = buildTrafficConfiguration(route(traffic), { configuration: (n) => by.get(`Configuration/${n}`), revision: (n) => by.get(`Revision/${n}`) });
  if (!res.error) return res;
  const status: any = {};
  const m = livingConditionSet('AllTrafficAssigned').manage(status);
  m.initialize();
  markBadTrafficTarget(m, res.error);
  const c = m.get('AllTrafficAssigned')!;
  return [c.status, c.reason, c.message];
}

describe('traffic resolution', () => {
  const cases: [string, any[], KObject[], unknown][] = [
    ['config waiting', [{ configurationName: 'c', percent: 100 }], [cfg('c')], ['Unknown', 'RevisionMissing', 'Configuration "c" is waiting for a Revision to become ready.']],
    ['config failed', [{ configurationName: 'c', percent: 100 }], [cfg('c', undefined, 'False')], ['False', 'RevisionMissing', 'Configuration "c" does not have any ready Revision.']],
    ['config missing', [{ configurationName: 'c', percent: 100 }], [], ['False', 'ConfigurationMissing', 'Configuration "c" referenced in traffic not found.']],
    ['revision missing', [{ revisionName: 'x', percent: 100 }], [], ['False', 'RevisionMissing', 'Revision "x" referenced in traffic not found.']],
    ['revision not ready', [{ revisionName: 'x', percent: 100 }], [rev('x', 'Unknown'), cfg('c')], ['Unknown', 'RevisionMissing', 'Revision "x" is not yet ready.']],
    ['failure beats not-ready', [{ revisionName: 'x', percent: 50 }, { revisionName: 'y', percent: 50 }], [rev('x', 'Unknown'), rev('y', 'False'), cfg('c')], ['False', 'RevisionMissing', 'Revision "y" failed to become ready.']],
  ];
  for (const [name, traffic, objs, want] of cases) it(name, () => assert.deepEqual(assigned(traffic, objs), want));

  it('merges same (tag, revision, latest) and forces single-revision groups to 100%', () => {
    const res: any = assigned([
      { revisionName: 'a', percent: 30, latestRevision: false }, { revisionName: 'a', percent: 20, latestRevision: false },
      { configurationName: 'c', percent: 50, latestRevision: true }, { tag: 't', revisionName: 'a', percent: 0, latestRevision: false },
    ], [rev('a', 'True'), rev('b', 'True'), cfg('c', 'b', 'True')]);
    assert.deepEqual(res.revisionTargets.map((t: any) => [t.tag ?? '', t.revisionName, t.percent]), [['', 'a', 50], ['', 'b', 50], ['t', 'a', 0]]);
    assert.deepEqual(res.groups.get('').map((t: any) => [t.revisionName, t.percent]), [['a', 50], ['b', 50]]);
    assert.deepEqual(res.groups.get('t').map((t: any) => [t.revisionName, t.percent]), [['a', 100]]);
  });
});
