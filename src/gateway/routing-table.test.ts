import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteTable } from '../reconciler/route/route-table.ts';
import { RevisionBackends } from './backends.ts';
import { RoutingTable } from './routing-table.ts';

const hosts = (name: string) => [`${name}.default.example.com`, `${name}.default`, `${name}.default.svc`, `${name}.default.svc.cluster.local`];

function seedTable(splits: [string, number][], tags: [string, string][] = []): RouteTable {
  return {
    namespace: 'default', route: 'web', visibility: 'ExternalIP',
    groups: [
      { tag: '', hosts: hosts('web'), splits: splits.map(([revisionName, percent]) => ({ revisionName, percent })) },
      ...tags.map(([tag, rev]) => ({ tag, hosts: hosts(`${tag}-web`), splits: [{ revisionName: rev, percent: 0 }] })),
    ],
  };
}

const picks = (t: RoutingTable, host: string, n: number) => Array.from({ length: n }, () => t.lookup(host)!.group.pick()!.name);

describe('RoutingTable', () => {
  it('maps every host of a group (external and cluster-local) to one shared split', () => {
    const t = new RoutingTable(new RevisionBackends(undefined));
    t.update('default/web', seedTable([['v1', 50], ['v2', 50]]));
    for (const h of hosts('web')) assert.ok(t.lookup(h));
    // The cluster-local names share the round-robin state of the external host.
    assert.deepEqual([...picks(t, 'web.default.example.com', 1), ...picks(t, 'web.default.svc.cluster.local', 1)].sort(), ['v1', 'v2']);
    assert.equal(t.lookup('nope.default.example.com'), undefined);
  });

  it('a tag host routes 100 % to its revision whatever its percent', () => {
    const t = new RoutingTable(new RevisionBackends(undefined));
    t.update('default/web', seedTable([['v1', 50], ['v2', 50]], [['latest', 'v3']]));
    assert.deepEqual(new Set(picks(t, 'latest-web.default.example.com', 20)), new Set(['v3']));
    assert.ok(!picks(t, 'web.default.example.com', 100).includes('v3'));
  });

  it('main hosts know the tag groups (Knative-Serving-Tag), tag hosts do not', () => {
    const t = new RoutingTable(new RevisionBackends(undefined));
    t.update('default/web', seedTable([['v1', 100]], [['v2', 'v2']]));
    assert.equal(t.lookup('web.default.example.com')!.tags!.get('v2')!.pick()!.name, 'v2');
    assert.equal(t.lookup('v2-web.default.example.com')!.tags, undefined);
  });

  it('an update swaps the whole route at once and drops hosts that went away', () => {
    const t = new RoutingTable(new RevisionBackends(undefined));
    t.update('default/web', seedTable([['v1', 50], ['v2', 50]], [['old', 'v1']]));
    const before = t.lookup('web.default.example.com')!.group;
    t.update('default/web', seedTable([['v1', 40], ['v2', 30], ['v3', 30]]));
    assert.equal(t.lookup('old-web.default.example.com'), undefined);
    const after = t.lookup('web.default.example.com')!.group;
    assert.notEqual(before, after);
    const c = picks(t, 'web.default.example.com', 100).reduce<Record<string, number>>((m, r) => ({ ...m, [r]: (m[r] ?? 0) + 1 }), {});
    assert.deepEqual(c, { v1: 40, v2: 30, v3: 30 });
    // The old group object still works for requests that picked it before the swap.
    assert.ok(['v1', 'v2'].includes(before.pick()!.name));
  });

  it('an unchanged split keeps its group and round-robin position', () => {
    const t = new RoutingTable(new RevisionBackends(undefined));
    t.update('default/web', seedTable([['v1', 50], ['v2', 50]]));
    const first = picks(t, 'web.default.example.com', 1)[0];
    t.update('default/web', seedTable([['v1', 50], ['v2', 50]]));
    assert.notEqual(picks(t, 'web.default.example.com', 1)[0], first);
  });

  it('remove forgets every host of the route, but not hosts another route took over', () => {
    const t = new RoutingTable(new RevisionBackends(undefined));
    t.update('default/web', seedTable([['v1', 100]]));
    t.update('default/other', { namespace: 'default', route: 'other', visibility: 'ExternalIP', groups: [{ tag: '', hosts: ['shared.example.com'], splits: [{ revisionName: 'x', percent: 100 }] }] });
    t.remove('default/web');
    for (const h of hosts('web')) assert.equal(t.lookup(h), undefined);
    assert.ok(t.lookup('shared.example.com'));
  });
});
