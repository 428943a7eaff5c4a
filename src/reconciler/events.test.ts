import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../apis/meta.ts';
import { EventType } from '../apis/resources.ts';
import { backends, harness } from './testing/harness.ts';

function service(name: string, revision: string, image: string, traffic?: any[]): KObject {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name, namespace: 'default' },
    spec: { template: { metadata: { name: `${name}-${revision}` }, spec: { containers: [{ image }] } }, ...(traffic ? { traffic } : {}) },
  };
}

for (const backend of backends()) {
  describe(`revision and route events (${backend})`, () => {
    it('RevisionReady once, TrafficAssigned per split change, Warnings with the failing reason', async () => {
      const h = await harness(backend, { failImages: /broken/ });
      const eventsOf = async (kind: string, name: string) => (await h.client.list(EventType, { namespace: 'default' })).items
        .filter((e: any) => e.involvedObject.kind === kind && e.involvedObject.name === name)
        .map((e: any) => [e.type, e.reason, e.message, e.source.component, e.count])
        .sort((a: any, b: any) => String(a[2]).localeCompare(String(b[2])));
      try {
        await h.apply(service('web', 'v1', 'x/web'));
        await h.ctrls.idle();
        await h.apply(service('web', 'v2', 'x/web', [{ revisionName: 'web-v1', percent: 50, tag: 'v1' }, { latestRevision: true, percent: 50 }]));
        await h.ctrls.idle();
        // Reconciling again without a change records nothing more.
        await h.apply(service('web', 'v2', 'x/web', [{ revisionName: 'web-v1', percent: 50, tag: 'v1' }, { latestRevision: true, percent: 50 }]));
        await h.ctrls.idle();

        assert.deepEqual(await eventsOf('Revision', 'web-v1'),
          [['Normal', 'RevisionReady', 'Revision becomes ready upon all resources being ready', 'revision-controller', 1]]);
        // In between, the latest-revision target may briefly go to web-v1 while web-v2 is not Ready yet.
        const routeEvents = (await eventsOf('Route', 'web')).map((e: any) => e.slice(0, 3));
        assert.deepEqual(routeEvents[0], ['Normal', 'TrafficAssigned', 'Traffic assigned: 100% web-v1']);
        assert.deepEqual(routeEvents.at(-1), ['Normal', 'TrafficAssigned', 'Traffic assigned: 50% web-v1 #v1, 50% web-v2']);
        assert.ok(routeEvents.every((e: any) => e[1] === 'TrafficAssigned'));

        await h.apply(service('bad', 'v1', 'x/broken'));
        await h.ctrls.idle();
        const [revisionWarning, ...more] = await eventsOf('Revision', 'bad-v1');
        assert.deepEqual(more, []);
        assert.deepEqual(revisionWarning!.slice(0, 2), ['Warning', 'ContainerMissing']);
        assert.match(String(revisionWarning![2]), /^Unable to fetch image "x\/broken"/);
        assert.deepEqual((await eventsOf('Route', 'bad')).map((e: any) => e.slice(0, 3)), [['Warning', 'RevisionMissing', 'Configuration "bad" does not have any ready Revision.']]);
      } finally {
        await h.close();
      }
    });
  });
}
