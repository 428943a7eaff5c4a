import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../apis/meta.ts';
import { ConfigurationType, EventType, RevisionType, RouteType, ServiceType } from '../apis/resources.ts';
import { fakeDigest } from '../runtime/simulated-runtime.ts';
import { backends, cond, harness } from './testing/harness.ts';

const IMAGE = 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1';
const SVC = 'stock-service-example';

function stock(rev: string, traffic: any[]): KObject {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Service',
    metadata: { name: SVC, namespace: 'default' },
    spec: {
      template: {
        metadata: { name: `${SVC}-${rev}` },
        spec: { containers: [{ image: IMAGE, env: [{ name: 'RESOURCE', value: rev }] }] },
      },
      traffic,
    },
  };
}

const t = (tag: string, rev: string, percent: number) => ({ tag, revisionName: `${SVC}-${rev}`, percent, latestRevision: false });
const latest = (percent: number, tag?: string) => ({ ...(tag ? { tag } : {}), latestRevision: true, percent });
const url = (tag: string) => `http://${tag}-${SVC}.default.example.com`;

for (const backend of backends()) {
  describe(`seed scenario (${backend})`, () => {
    it('v1 -> v2 -> v3 -> v3-2, revision recreation, reserve', async () => {
      const h = await harness(backend);
      try {
        await h.apply(stock('v1', [latest(100)]));
        await h.ctrls.idle();
        let svc = await h.get(ServiceType, SVC);
        assert.equal(cond(svc, 'Ready')?.status, 'True', JSON.stringify(svc.status));
        assert.equal(svc.status.url, `http://${SVC}.default.example.com`);
        assert.deepEqual(svc.status.address, { url: `http://${SVC}.default.svc.cluster.local` });
        assert.equal(svc.status.latestReadyRevisionName, `${SVC}-v1`);
        assert.equal(svc.status.latestCreatedRevisionName, `${SVC}-v1`);
        assert.equal(svc.status.observedGeneration, svc.metadata.generation);
        assert.deepEqual(svc.status.traffic, [{ revisionName: `${SVC}-v1`, latestRevision: true, percent: 100 }]);
        const rev1 = await h.get(RevisionType, `${SVC}-v1`);
        assert.equal(rev1.metadata.labels!['serving.knative.dev/configurationGeneration'], '1');
        assert.equal(rev1.metadata.labels!['serving.knative.dev/routingState'], 'active');
        assert.equal(rev1.metadata.annotations!['serving.knative.dev/routes'], SVC);
        assert.deepEqual(rev1.status.containerStatuses, [{ name: rev1.spec.containers[0].name ?? 'user-container', imageDigest: fakeDigest(IMAGE) }]);
        assert.equal(cond(rev1, 'Active')?.status, 'True');

        await h.apply(stock('v2', [t('v1', 'v1', 50), t('v2', 'v2', 50), latest(0, 'latest')]));
        await h.ctrls.idle();
        svc = await h.get(ServiceType, SVC);
        assert.equal(cond(svc, 'Ready')?.status, 'True');
        assert.deepEqual(svc.status.traffic, [
          { tag: 'v1', revisionName: `${SVC}-v1`, latestRevision: false, percent: 50, url: url('v1') },
          { tag: 'v2', revisionName: `${SVC}-v2`, latestRevision: false, percent: 50, url: url('v2') },
          { tag: 'latest', revisionName: `${SVC}-v2`, latestRevision: true, percent: 0, url: url('latest') },
        ]);
        const table = h.sink.tables.get(`default/${SVC}`)!;
        assert.deepEqual(table.groups.map((g) => [g.tag, g.hosts[0], g.splits]), [
          ['', `${SVC}.default.example.com`, [{ revisionName: `${SVC}-v1`, percent: 50 }, { revisionName: `${SVC}-v2`, percent: 50 }]],
          ['v1', `v1-${SVC}.default.example.com`, [{ revisionName: `${SVC}-v1`, percent: 100 }]],
          ['v2', `v2-${SVC}.default.example.com`, [{ revisionName: `${SVC}-v2`, percent: 100 }]],
          ['latest', `latest-${SVC}.default.example.com`, [{ revisionName: `${SVC}-v2`, percent: 100 }]],
        ]);

        await h.apply(stock('v3', [t('v1', 'v1', 40), t('v2', 'v2', 30), t('v3', 'v3', 30), latest(0, 'latest')]));
        await h.ctrls.idle();
        svc = await h.get(ServiceType, SVC);
        assert.equal(cond(svc, 'Ready')?.status, 'True');
        assert.deepEqual(svc.status.traffic.map((x: any) => [x.tag, x.revisionName, x.percent]), [
          ['v1', `${SVC}-v1`, 40], ['v2', `${SVC}-v2`, 30], ['v3', `${SVC}-v3`, 30], ['latest', `${SVC}-v3`, 0],
        ]);

        await h.apply(stock('v3', [t('v1', 'v1', 50), t('v2', 'v2', 50), latest(0, 'latest')]));
        await h.ctrls.idle();
        svc = await h.get(ServiceType, SVC);
        assert.equal(cond(svc, 'Ready')?.status, 'True');
        assert.deepEqual(svc.status.traffic.map((x: any) => [x.tag, x.revisionName, x.percent, x.url]), [
          ['v1', `${SVC}-v1`, 50, url('v1')], ['v2', `${SVC}-v2`, 50, url('v2')], ['latest', `${SVC}-v3`, 0, url('latest')],
        ]);
        const revs = (await h.client.list(RevisionType, { namespace: 'default' })).items
          .map((r) => [r.metadata.name, r.metadata.labels!['serving.knative.dev/configurationGeneration']]).sort();
        assert.deepEqual(revs, [[`${SVC}-v1`, '1'], [`${SVC}-v2`, '2'], [`${SVC}-v3`, '3']]);
        const config = await h.get(ConfigurationType, SVC);
        assert.equal(config.metadata.generation, 3);
        const route = await h.get(RouteType, SVC);
        assert.equal(cond(route, 'CertificateProvisioned')?.reason, 'TLSNotEnabled');

        // Deleting the latest revision: the Configuration stamps it out again.
        const oldUid = (await h.get(RevisionType, `${SVC}-v3`)).metadata.uid;
        await h.client.delete(RevisionType, 'default', `${SVC}-v3`);
        await h.ctrls.idle();
        const again = await h.get(RevisionType, `${SVC}-v3`);
        assert.notEqual(again.metadata.uid, oldUid);
        assert.equal(again.metadata.labels!['serving.knative.dev/configurationGeneration'], '3');
        assert.equal(cond(again, 'Ready')?.status, 'True');
        assert.equal(cond(await h.get(ServiceType, SVC), 'Ready')?.status, 'True');

        // Pin everything to v1: v2 and v3 go to reserve, scale to zero, stay Ready.
        await h.apply(stock('v3', [{ revisionName: `${SVC}-v1`, percent: 100, latestRevision: false }]));
        await h.ctrls.idle();
        for (const r of ['v2', 'v3']) {
          const rev = await h.get(RevisionType, `${SVC}-${r}`);
          assert.equal(rev.metadata.labels!['serving.knative.dev/routingState'], 'reserve', r);
          assert.equal(rev.metadata.annotations!['serving.knative.dev/routes'], undefined);
          assert.equal(cond(rev, 'Ready')?.status, 'True');
          assert.deepEqual([cond(rev, 'Active')?.status, cond(rev, 'Active')?.reason], ['False', 'NoTraffic']);
          assert.equal(rev.status.actualReplicas, 0);
        }
        assert.equal((await h.get(RevisionType, `${SVC}-v1`)).metadata.labels!['serving.knative.dev/routingState'], 'active');
        svc = await h.get(ServiceType, SVC);
        assert.equal(cond(svc, 'Ready')?.status, 'True');

        const events = (await h.client.list(EventType, { namespace: 'default' })).items;
        const reasons = new Set(events.map((e: any) => `${e.source.component}:${e.reason}`));
        for (const r of ['service-controller:Created', 'configuration-controller:Created', 'configuration-controller:ConfigurationReady', 'configuration-controller:LatestReadyUpdate']) {
          assert.ok(reasons.has(r), `missing event ${r}: ${[...reasons].join(', ')}`);
        }
        const created = events.find((e: any) => e.message === `Created Revision "${SVC}-v1"`);
        assert.ok(created);
      } finally {
        await h.close();
      }
    });

    it('generated revision names, failing images, NotOwned', async () => {
      const h = await harness(backend, { failImages: /broken/ });
      try {
        const svc = (name: string, image: string): KObject => ({
          apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name, namespace: 'default' },
          spec: { template: { spec: { containers: [{ image }] } }, traffic: [{ latestRevision: true, percent: 100 }] },
        });
        await h.client.create(ConfigurationType, {
          apiVersion: 'serving.knative.dev/v1', kind: 'Configuration', metadata: { name: 'taken', namespace: 'default' },
          spec: { template: { spec: { containers: [{ image: 'x/y' }] } } },
        });
        await h.apply(svc('hello', 'x/hello'));
        await h.apply(svc('bad', 'x/broken'));
        await h.apply(svc('taken', 'x/hello'));
        await h.ctrls.idle();

        const hello = await h.get(ServiceType, 'hello');
        assert.equal(cond(hello, 'Ready')?.status, 'True');
        assert.equal(hello.status.latestReadyRevisionName, 'hello-00001');
        const helloRev = await h.get(RevisionType, 'hello-00001');
        assert.deepEqual(helloRev.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.controller]), [['Configuration', 'hello', true]]);
        assert.equal(helloRev.metadata.labels!['serving.knative.dev/service'], 'hello');

        const badRev = await h.get(RevisionType, 'bad-00001');
        assert.deepEqual([cond(badRev, 'ContainerHealthy')?.status, cond(badRev, 'ContainerHealthy')?.reason], ['False', 'ContainerMissing']);
        assert.equal(cond(badRev, 'Ready')?.status, 'False');
        const badCfg = await h.get(ConfigurationType, 'bad');
        assert.equal(cond(badCfg, 'Ready')?.reason, 'RevisionFailed');
        assert.match(cond(badCfg, 'Ready')!.message!, /^Revision "bad-00001" failed with message: Unable to fetch image "x\/broken": .*\.$/);
        const badRoute = await h.get(RouteType, 'bad');
        assert.deepEqual([cond(badRoute, 'AllTrafficAssigned')?.status, cond(badRoute, 'AllTrafficAssigned')?.message],
          ['False', 'Configuration "bad" does not have any ready Revision.']);
        assert.equal(badRoute.status.traffic, undefined);
        assert.equal(badRoute.status.url, 'http://bad.default.example.com');
        const bad = await h.get(ServiceType, 'bad');
        assert.equal(cond(bad, 'Ready')?.status, 'False');
        assert.equal(cond(bad, 'ConfigurationsReady')?.reason, 'RevisionFailed');

        const taken = await h.get(ServiceType, 'taken');
        assert.deepEqual([cond(taken, 'ConfigurationsReady')?.status, cond(taken, 'ConfigurationsReady')?.message],
          ['False', 'There is an existing Configuration "taken" that we do not own.']);
        assert.equal(cond(taken, 'Ready')?.status, 'False');
      } finally {
        await h.close();
      }
    });
  });
}
