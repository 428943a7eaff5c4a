import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeDigest, SimulatedRuntime } from './simulated-runtime.ts';

const rev = (image: string) => ({ apiVersion: 'serving.knative.dev/v1', kind: 'Revision', metadata: { namespace: 'ns', name: 'r' }, spec: { containers: [{ name: 'user-container', image }] } });

describe('SimulatedRuntime', () => {
  it('reports ready with a deterministic digest after ensure', async () => {
    const rt = new SimulatedRuntime();
    const changed: string[] = [];
    rt.onChange((ns, n) => changed.push(`${ns}/${n}`));
    await rt.ensure(rev('img:1'), 1);
    assert.equal(rt.observe('ns', 'r'), undefined);
    await rt.whenIdle();
    assert.deepEqual(changed, ['ns/r']);
    const o = rt.observe('ns', 'r')!;
    assert.equal(o.containerHealthy.status, 'True');
    assert.equal(o.actualReplicas, 1);
    assert.deepEqual(o.containerStatuses, [{ name: 'user-container', imageDigest: fakeDigest('img:1') }]);
    assert.match(fakeDigest('img:1'), /^sha256:[0-9a-f]{64}$/);
    await rt.ensure(rev('img:1'), 1); // idempotent: no new report
    assert.equal(rt.isIdle(), true);
    await rt.ensure(rev('img:1'), 0);
    await rt.whenIdle();
    assert.equal(rt.observe('ns', 'r')!.actualReplicas, 0);
    await rt.remove('ns', 'r');
    assert.equal(rt.observe('ns', 'r'), undefined);
    await rt.close();
  });

  it('fails images matching the pattern', async () => {
    const rt = new SimulatedRuntime({ failImages: /bad/ });
    await rt.ensure(rev('x/bad'), 1);
    await rt.whenIdle();
    const o = rt.observe('ns', 'r')!;
    assert.deepEqual([o.containerHealthy.status, o.containerHealthy.reason], ['False', 'ContainerMissing']);
    assert.match(o.containerHealthy.message!, /^Unable to fetch image "x\/bad": /);
    await rt.close();
  });
});
