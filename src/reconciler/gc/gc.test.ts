import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationType, RevisionType, RouteType } from '../../apis/resources.ts';
import { ConfigSection } from '../../config/config.ts';
import { parseGcConfig } from '../../config/gc.ts';
import { newRegistry } from '../../registry/testing.ts';
import { SimulatedRuntime } from '../../runtime/simulated-runtime.ts';
import { startControllers } from '../index.ts';

async function setup(gc?: Record<string, unknown>) {
  let now = Date.parse('2024-06-01T00:00:00Z');
  const clock = () => new Date(now);
  const reg = await newRegistry({ clock });
  const runtime = new SimulatedRuntime();
  const gcConfig = gc ? new ConfigSection('gc', parseGcConfig, gc) : undefined;
  const ctrls = startControllers({ client: reg.registry, runtime, domain: 'example.com', clock, gcConfig });
  const client = reg.registry;
  return {
    client, ctrls, gcConfig,
    advance(ms: number) { now += ms; },
    async revisionNames() {
      const list = await client.list(RevisionType, { namespace: 'default' });
      return list.items.map((r) => r.metadata.name!).sort();
    },
    /** A Configuration `c` routed 100 % by Route `r`, then `generations - 1` template changes. */
    async deploy(generations: number) {
      const template = (v: number) => ({ spec: { containers: [{ image: 'example.com/app', env: [{ name: 'V', value: String(v) }] }] } });
      await client.create(ConfigurationType, { apiVersion: 'serving.knative.dev/v1', kind: 'Configuration', metadata: { name: 'c', namespace: 'default' }, spec: { template: template(1) } });
      await client.create(RouteType, { apiVersion: 'serving.knative.dev/v1', kind: 'Route', metadata: { name: 'r', namespace: 'default' }, spec: { traffic: [{ configurationName: 'c', percent: 100 }] } });
      await ctrls.idle();
      for (let v = 2; v <= generations; v++) {
        now += 60_000;
        const c = await client.get(ConfigurationType, 'default', 'c');
        await client.update(ConfigurationType, { ...c, spec: { template: template(v) } });
        await ctrls.idle();
      }
    },
    async close() {
      await ctrls.stop();
      await runtime.close();
      await reg.close();
    },
  };
}

const countOnly = { 'retain-since-create-time': 'disabled', 'retain-since-last-active-time': 'disabled', 'min-non-active-revisions': 0 };

describe('revision GC controller', () => {
  it('without a gc config nothing is collected', async () => {
    const h = await setup();
    try {
      await h.deploy(3);
      assert.deepEqual(await h.revisionNames(), ['c-00001', 'c-00002', 'c-00003']);
    } finally {
      await h.close();
    }
  });

  it('keeps max-non-active-revisions, the routed latest one and no-gc revisions', async () => {
    const h = await setup({ ...countOnly, 'max-non-active-revisions': 1 });
    try {
      await h.deploy(2);
      await h.client.patch(RevisionType, 'default', 'c-00001', 'merge', { metadata: { annotations: { 'serving.knative.dev/no-gc': 'true' } } });
      for (let v = 3; v <= 5; v++) {
        const c = await h.client.get(ConfigurationType, 'default', 'c');
        await h.client.update(ConfigurationType, { ...c, spec: { template: { spec: { containers: [{ image: 'example.com/app', env: [{ name: 'V', value: String(v) }] }] } } } });
        await h.ctrls.idle();
      }
      // Non-active: 00002, 00003, 00004 (00001 is exempt); one may stay: the most recently active.
      assert.deepEqual(await h.revisionNames(), ['c-00001', 'c-00004', 'c-00005']);
      const route = await h.client.get(RouteType, 'default', 'r');
      assert.equal(route.status.traffic[0].revisionName, 'c-00005');
    } finally {
      await h.close();
    }
  });

  it('runs again for every Configuration when the gc config changes', async () => {
    const h = await setup({ ...countOnly, 'max-non-active-revisions': 'disabled' });
    try {
      await h.deploy(4);
      assert.deepEqual(await h.revisionNames(), ['c-00001', 'c-00002', 'c-00003', 'c-00004']);
      h.gcConfig!.set(parseGcConfig({ ...countOnly, 'max-non-active-revisions': 0 }));
      await h.ctrls.idle();
      assert.deepEqual(await h.revisionNames(), ['c-00004']);
    } finally {
      await h.close();
    }
  });

  it('collects stale revisions by age with the injected clock', async () => {
    const h = await setup({ 'retain-since-create-time': '1h', 'retain-since-last-active-time': '30m', 'min-non-active-revisions': 1 });
    try {
      await h.deploy(4);
      assert.deepEqual(await h.revisionNames(), ['c-00001', 'c-00002', 'c-00003', 'c-00004']);
      // Two hours on every non-active revision is stale; any change to one of the Configuration's
      // revisions runs the collector, which keeps the most recently active one (min 1).
      h.advance(2 * 3600_000);
      await h.client.patch(RevisionType, 'default', 'c-00004', 'merge', { metadata: { annotations: { touched: 'yes' } } });
      await h.ctrls.idle();
      assert.deepEqual(await h.revisionNames(), ['c-00003', 'c-00004']);
    } finally {
      await h.close();
    }
  });
});
