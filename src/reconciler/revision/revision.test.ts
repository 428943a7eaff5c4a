import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KObject } from '../../apis/meta.ts';
import { RevisionType, ServiceType } from '../../apis/resources.ts';
import { Autoscaler } from '../../autoscaler/autoscaler.ts';
import type { RevisionTrafficReading } from '../../autoscaler/metrics.ts';
import { FakeClient } from '../../controller/testing/fake-client.ts';
import { SimulatedRuntime } from '../../runtime/simulated-runtime.ts';
import { startControllers } from '../index.ts';

const G = 'autoscaling.knative.dev';

function service(revisionSuffix: string, annotations: Record<string, string> = {}, traffic?: any[]): KObject {
  return {
    apiVersion: 'serving.knative.dev/v1', kind: 'Service',
    metadata: { name: 'hello', namespace: 'default' },
    spec: {
      template: { metadata: { name: `hello-${revisionSuffix}`, annotations }, spec: { containers: [{ image: 'example.com/hello' }] } },
      ...(traffic ? { traffic } : {}),
    },
  } as KObject;
}

async function setup() {
  let nowMs = 1_700_000_000_000;
  const inFlight = new Map<string, number>();
  const integral = new Map<string, number>();
  let lastMs = nowMs;
  const source = {
    revision(ns: string, name: string): RevisionTrafficReading | undefined {
      const key = `${ns}/${name}`;
      if (!inFlight.has(key)) return undefined;
      return { concurrencyIntegralMs: integral.get(key) ?? 0, requests: 0, inFlight: inFlight.get(key)! };
    },
  };
  const client = new FakeClient();
  const runtime = new SimulatedRuntime();
  const autoscaler = new Autoscaler({ clock: () => nowMs, source, timers: false });
  const ctrls = startControllers({ client, runtime, domain: 'example.com', autoscaler, clock: () => new Date(nowMs) });
  const rev = (name: string) => client.get(RevisionType, 'default', name);
  const cond = (r: KObject, type: string) => r.status?.conditions?.find((c: any) => c.type === type);
  return {
    client, runtime, autoscaler, ctrls, rev, cond,
    setInFlight(name: string, n: number) { inFlight.set(`default/${name}`, n); },
    /** Advance whole seconds: sample every second, decide every other second, let the controllers settle. */
    async advance(seconds: number) {
      for (let i = 0; i < seconds; i++) {
        nowMs += 1000;
        for (const [k, n] of inFlight) integral.set(k, (integral.get(k) ?? 0) + n * (nowMs - lastMs));
        lastMs = nowMs;
        autoscaler.sample();
        if (i % 2 === 1) autoscaler.tick();
        await ctrls.idle();
      }
    },
    async close() {
      autoscaler.close();
      await ctrls.stop();
      await runtime.close();
    },
  };
}

describe('revision reconciler with the autoscaler', () => {
  it('runs initial scale, scales an idle revision to zero, and back on a poke', async () => {
    const h = await setup();
    try {
      await h.client.create(ServiceType, service('00001'));
      await h.ctrls.idle();
      let r = await h.rev('hello-00001');
      assert.equal(h.cond(r, 'Ready')?.status, 'True', JSON.stringify(r.status));
      assert.equal(h.cond(r, 'Active')?.status, 'True');
      assert.equal(r.status.actualReplicas, 1);
      assert.equal(r.status.desiredReplicas, undefined);
      assert.equal(h.runtime.observe('default', 'hello-00001')?.desiredReplicas, 1);

      await h.advance(4);
      r = await h.rev('hello-00001');
      assert.equal(r.status.desiredReplicas, 1);

      await h.advance(58);
      r = await h.rev('hello-00001');
      assert.equal(h.cond(r, 'Active')?.status, 'False');
      assert.equal(h.cond(r, 'Active')?.reason, 'NoTraffic');
      assert.equal(h.cond(r, 'Active')?.message, 'The target is not receiving traffic.');

      await h.advance(2);
      r = await h.rev('hello-00001');
      assert.equal(h.runtime.observe('default', 'hello-00001')?.desiredReplicas, 0);
      assert.deepEqual([r.status.actualReplicas, r.status.desiredReplicas], [0, 0]);
      assert.equal(h.cond(r, 'Ready')?.status, 'True', 'scaled to zero stays Ready');

      h.setInFlight('hello-00001', 1);
      h.autoscaler.poke('default/hello-00001');
      await h.ctrls.idle();
      r = await h.rev('hello-00001');
      assert.equal(h.runtime.observe('default', 'hello-00001')?.desiredReplicas, 1);
      assert.equal(h.cond(r, 'Active')?.status, 'True');
      assert.equal(r.status.actualReplicas, 1);
    } finally {
      await h.close();
    }
  });

  it('initial-scale, min-scale and a reserve revision that ignores min-scale', async () => {
    const h = await setup();
    try {
      await h.client.create(ServiceType, service('00001', { [`${G}/initial-scale`]: '3', [`${G}/min-scale`]: '2' }));
      await h.ctrls.idle();
      let r = await h.rev('hello-00001');
      assert.equal(h.runtime.observe('default', 'hello-00001')?.desiredReplicas, 3);
      assert.equal(h.cond(r, 'Ready')?.status, 'True', JSON.stringify(r.status));

      await h.advance(80);
      r = await h.rev('hello-00001');
      assert.deepEqual([r.status.actualReplicas, r.status.desiredReplicas], [2, 2]);
      assert.equal(h.cond(r, 'Active')?.status, 'True');

      // A new revision takes all traffic; the old one goes to reserve and to zero.
      const svc = await h.client.get(ServiceType, 'default', 'hello');
      await h.client.update(ServiceType, { ...svc, spec: service('00002').spec });
      await h.ctrls.idle();
      r = await h.rev('hello-00001');
      assert.equal(r.metadata.labels?.['serving.knative.dev/routingState'], 'reserve');
      await h.advance(4);
      r = await h.rev('hello-00001');
      assert.equal(h.runtime.observe('default', 'hello-00001')?.desiredReplicas, 0);
      assert.equal(h.cond(r, 'Active')?.reason, 'NoTraffic');
      assert.equal(h.runtime.observe('default', 'hello-00002')?.desiredReplicas, 1);
    } finally {
      await h.close();
    }
  });

  it('forgets a deleted revision', async () => {
    const h = await setup();
    try {
      await h.client.create(ServiceType, service('00001'));
      await h.ctrls.idle();
      assert.deepEqual(h.autoscaler.keys(), ['default/hello-00001']);
      await h.client.delete(RevisionType, 'default', 'hello-00001');
      await h.ctrls.idle();
      assert.ok(!h.autoscaler.keys().includes('default/hello-00001') || (await h.rev('hello-00001').catch(() => undefined)));
    } finally {
      await h.close();
    }
  });
});
