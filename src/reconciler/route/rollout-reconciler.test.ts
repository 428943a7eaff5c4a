import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../apis/meta.ts';
import { ConfigurationType, RevisionType, RouteType, ServiceType } from '../../apis/resources.ts';
import { ConfigSection } from '../../config/config.ts';
import { parseNetworkConfig } from '../../config/network.ts';
import { newRegistry } from '../../registry/testing.ts';
import { SimulatedRuntime } from '../../runtime/simulated-runtime.ts';
import { startControllers } from '../index.ts';
import { cond } from '../testing/harness.ts';
import { RolloutAnnotation } from './rollout.ts';
import type { RouteTable, RouteTableSink } from './route-table.ts';

/** Remembers every table the route reconciler programs, in order. */
class RecordingSink implements RouteTableSink {
  readonly updates: { key: string; table: RouteTable }[] = [];
  update(key: string, table: RouteTable): void { this.updates.push({ key, table }); }
  remove(): void {}
  /** The distinct splits programmed for one group, in order, as 'rev:percent ...'. */
  splits(key: string, tag = ''): string[] {
    const out: string[] = [];
    for (const u of this.updates) {
      if (u.key !== key) continue;
      const g = u.table.groups.find((x) => x.tag === tag);
      const s = g ? g.splits.map((x) => `${x.revisionName}:${x.percent}`).join(' ') : '';
      if (out.at(-1) !== s) out.push(s);
    }
    return out;
  }
}

async function setup(opts: { networkConfig?: Record<string, unknown> } = {}) {
  let now = Date.parse('2024-06-01T00:00:00Z');
  const clock = () => new Date(now);
  const reg = await newRegistry({ clock });
  const runtime = new SimulatedRuntime();
  const sink = new RecordingSink();
  const networkConfig = opts.networkConfig ? new ConfigSection('network', parseNetworkConfig, opts.networkConfig) : undefined;
  const ctrls = startControllers({ client: reg.registry, runtime, domain: 'example.com', routeTable: sink, clock, networkConfig });
  const client = reg.registry;
  let ticks = 0;
  return {
    client, sink, ctrls, network: networkConfig,
    advance(ms: number) { now += ms; },
    get: (type: typeof RouteType, name: string) => client.get(type, 'default', name),
    /** Makes the route reconcile now (as its requeue timer would at the step time). */
    async tick(revisionName: string) {
      await client.patch(RevisionType, 'default', revisionName, 'merge', { metadata: { annotations: { 'test/tick': String(++ticks) } } });
      await ctrls.idle();
    },
    async close() {
      await ctrls.stop();
      await runtime.close();
      await reg.close();
    },
  };
}

const statusSplit = (obj: KObject) => (obj.status.traffic ?? []).map((t: any) => `${t.tag ? `${t.tag}/` : ''}${t.revisionName}:${t.percent}`).join(' ');

describe('route reconciler: gradual rollout', () => {
  it('steps a Service\'s new revision in (rollout-duration annotation copied to the Route)', async () => {
    const h = await setup();
    try {
      const svc = (env: string): KObject => ({
        apiVersion: 'serving.knative.dev/v1', kind: 'Service',
        metadata: { name: 'web', namespace: 'default', annotations: { 'serving.knative.dev/rollout-duration': '5s' } },
        spec: { template: { spec: { containers: [{ image: 'example.com/app', env: [{ name: 'V', value: env }] }] } } },
      });
      await h.client.create(ServiceType, svc('1'));
      await h.ctrls.idle();
      let route = await h.get(RouteType, 'web');
      assert.equal(route.metadata.annotations?.['serving.knative.dev/rollout-duration'], '5s');
      assert.equal(statusSplit(route), 'web-00001:100');
      assert.equal(cond(route, 'IngressReady')?.status, 'True');

      const cur = await h.client.get(ServiceType, 'default', 'web');
      await h.client.update(ServiceType, { ...cur, spec: svc('2').spec });
      await h.ctrls.idle();

      // 1 % goes to the new revision; the step size and interval are fixed at once: 4 s left in
      // 1 s steps of round(99 / 4) = 25 %.
      route = await h.get(RouteType, 'web');
      assert.equal(statusSplit(route), 'web-00001:99 web-00002:1');
      assert.deepEqual(route.status.traffic.map((t: any) => t.latestRevision), [true, true]);
      const ingress = cond(route, 'IngressReady');
      assert.deepEqual([ingress?.status, ingress?.reason, ingress?.message],
        ['Unknown', 'RolloutInProgress', 'A gradual rollout of the latest revision(s) is in progress.']);
      assert.equal(cond(route, 'Ready')?.status, 'Unknown');
      const state = JSON.parse(route.status.annotations[RolloutAnnotation]);
      assert.deepEqual(state.configurations[0].stepParams.stepSize, 25);
      assert.deepEqual(state.configurations[0].stepParams.stepDuration, 1000);
      let service = await h.client.get(ServiceType, 'default', 'web');
      assert.equal(statusSplit(service), 'web-00001:99 web-00002:1');
      assert.equal(cond(service, 'Ready')?.status, 'Unknown');
      // The old revision stays routed (and safe from GC) while it has traffic.
      assert.equal((await h.client.get(RevisionType, 'default', 'web-00001')).metadata.labels?.['serving.knative.dev/routingState'], 'active');

      // Not due yet: nothing moves.
      h.advance(999);
      await h.tick('web-00002');
      assert.equal(statusSplit(await h.get(RouteType, 'web')), 'web-00001:99 web-00002:1');

      const seen: string[] = [];
      for (let i = 0; i < 4; i++) {
        h.advance(1000);
        await h.tick('web-00002');
        seen.push(statusSplit(await h.get(RouteType, 'web')));
      }
      assert.deepEqual(seen, ['web-00001:74 web-00002:26', 'web-00001:49 web-00002:51', 'web-00001:24 web-00002:76', 'web-00002:100']);
      assert.deepEqual(h.sink.splits('default/web'), [
        'web-00001:100', 'web-00001:99 web-00002:1', 'web-00001:74 web-00002:26', 'web-00001:49 web-00002:51', 'web-00001:24 web-00002:76', 'web-00002:100',
      ]);

      route = await h.get(RouteType, 'web');
      assert.equal(cond(route, 'IngressReady')?.status, 'True');
      assert.equal(cond(route, 'Ready')?.status, 'True');
      assert.deepEqual(route.status.traffic, [{ revisionName: 'web-00002', latestRevision: true, percent: 100 }]);
      service = await h.client.get(ServiceType, 'default', 'web');
      assert.equal(cond(service, 'Ready')?.status, 'True');
      assert.equal((await h.client.get(RevisionType, 'default', 'web-00001')).metadata.labels?.['serving.knative.dev/routingState'], 'reserve');
    } finally {
      await h.close();
    }
  });

  it('uses the network config\'s rollout-duration, and follows its changes; tagged latest targets roll too', async () => {
    const h = await setup({ networkConfig: { 'rollout-duration': 5 } });
    try {
      const template = (v: string) => ({ spec: { containers: [{ image: 'example.com/app', env: [{ name: 'V', value: v }] }] } });
      await h.client.create(ConfigurationType, { apiVersion: 'serving.knative.dev/v1', kind: 'Configuration', metadata: { name: 'c', namespace: 'default' }, spec: { template: template('1') } });
      await h.client.create(RouteType, {
        apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { name: 'r', namespace: 'default' },
        spec: { traffic: [{ configurationName: 'c', percent: 100 }, { tag: 'latest', configurationName: 'c', percent: 0 }] },
      });
      await h.ctrls.idle();
      assert.equal(statusSplit(await h.get(RouteType, 'r')), 'c-00001:100 latest/c-00001:0');

      const roll = async (v: string) => {
        const c = await h.client.get(ConfigurationType, 'default', 'c');
        await h.client.update(ConfigurationType, { ...c, spec: { template: template(v) } });
        await h.ctrls.idle();
      };
      await roll('2');
      let route = await h.get(RouteType, 'r');
      // Knative shows the tag's own rollout (over its 100 %) on the tagged entry too.
      assert.equal(statusSplit(route), 'c-00001:99 c-00002:1 latest/c-00001:99 latest/c-00002:1');
      assert.equal(h.sink.splits('default/r', 'latest').at(-1), 'c-00001:99 c-00002:1');
      assert.equal(cond(route, 'IngressReady')?.reason, 'RolloutInProgress');

      // A newer revision mid-rollout starts again from the newest revision with traffic.
      h.advance(1000);
      await h.tick('c-00002');
      assert.equal(h.sink.splits('default/r').at(-1), 'c-00001:74 c-00002:26');
      await roll('3');
      assert.equal(h.sink.splits('default/r').at(-1), 'c-00001:74 c-00002:25 c-00003:1');

      // The Route's own annotation wins over the network config; 0 there means "use the default".
      const r0 = await h.get(RouteType, 'r');
      await h.client.update(RouteType, { ...r0, metadata: { ...r0.metadata, annotations: { 'serving.knative.dev/rollout-duration': '0s' } } });
      await h.ctrls.idle();
      assert.equal(cond(await h.get(RouteType, 'r'), 'IngressReady')?.reason, 'RolloutInProgress');

      // Rollouts switched off in the config: every route jumps to its target split.
      h.network!.set(parseNetworkConfig({}));
      await h.ctrls.idle();
      route = await h.get(RouteType, 'r');
      assert.equal(statusSplit(route), 'c-00003:100 latest/c-00003:0');
      assert.equal(h.sink.splits('default/r').at(-1), 'c-00003:100');
      assert.equal(cond(route, 'IngressReady')?.status, 'True');
    } finally {
      await h.close();
    }
  });
});
