/**
 * Acceptance of the control plane with the seed's own manifests (v1alpha1), applied with the real
 * kubectl in the order of the seed article.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES, Ksrv } from './harness.ts';

const seed = (f: string) => join(FIXTURES, 'seed', f);
const SVC = 'stock-service-example';

describe('seed scenario through kubectl (control plane)', () => {
  const ksrv = new Ksrv();
  before(async () => { await ksrv.start(['--runtime', 'simulated']); });
  after(async () => { await ksrv.cleanup(); });

  const ready = () => ksrv.k('wait', '--for=condition=Ready', `ksvc/${SVC}`, '--timeout=60s');
  const traffic = async () => JSON.parse(await ksrv.k('get', 'ksvc', SVC, '-o', 'jsonpath={.status.traffic}')) as any[];

  it('v1: apply creates the service and revision stock-service-example-v1 at generation 1', async () => {
    const out = await ksrv.k('apply', '-f', seed('revision-v1.yaml'));
    assert.match(out, /service\.serving\.knative\.dev\/stock-service-example created/);
    assert.match(await ready(), /condition met/);
    const revs = await ksrv.k('get', 'revision', '-l', `serving.knative.dev/service=${SVC}`,
      '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.serving\\.knative\\.dev/configurationGeneration}{"\\n"}{end}');
    assert.equal(revs.trim(), 'stock-service-example-v1=1');
    assert.equal(await ksrv.k('get', 'route', SVC, '-o', 'jsonpath={.status.url}'), `http://${SVC}.default.example.com`);
    assert.deepEqual((await traffic()).map((t) => [t.revisionName, t.percent, t.latestRevision]), [['stock-service-example-v1', 100, true]]);
  });

  it('re-applying an unchanged file reports unchanged', async () => {
    assert.match(await ksrv.k('apply', '-f', seed('revision-v1.yaml')), /stock-service-example unchanged/);
  });

  it('v2: 50/50 split with tag URLs and latest at 0 %', async () => {
    assert.match(await ksrv.k('apply', '-f', seed('revision-v2.yaml')), /configured/);
    await ready();
    const t = await traffic();
    assert.deepEqual(t.map((x) => [x.tag, x.revisionName, x.percent]), [
      ['v1', 'stock-service-example-v1', 50],
      ['v2', 'stock-service-example-v2', 50],
      ['latest', 'stock-service-example-v2', 0],
    ]);
    assert.equal(t[0].url, `http://v1-${SVC}.default.example.com`);
    assert.equal(await ksrv.k('get', 'ksvc', SVC, '-o', "jsonpath={.status.traffic[?(@.tag=='latest')].url}"), `http://latest-${SVC}.default.example.com`);
  });

  it('v3: new revision only behind the latest tag; the main split is unchanged', async () => {
    await ksrv.k('apply', '-f', seed('revision-v3.yaml'));
    await ready();
    const t = await traffic();
    assert.deepEqual(t.map((x) => [x.tag, x.revisionName, x.percent, x.latestRevision]), [
      ['v1', 'stock-service-example-v1', 50, false],
      ['v2', 'stock-service-example-v2', 50, false],
      ['latest', 'stock-service-example-v3', 0, true],
    ]);
    const table = await ksrv.k('get', 'revision');
    const lines = table.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+CONFIG NAME\s+GENERATION\s+READY\s+REASON\s+ACTUAL REPLICAS\s+DESIRED REPLICAS/);
    for (const [i, v] of ['v1', 'v2', 'v3'].entries()) {
      assert.match(lines[i + 1]!, new RegExp(`^stock-service-example-${v}\\s+stock-service-example\\s+${i + 1}\\s+True`));
    }
  });

  it('v3-2: 40/30/30', async () => {
    await ksrv.k('apply', '-f', seed('revision-v3-2.yaml'));
    await ready();
    const t = await traffic();
    assert.deepEqual(t.map((x) => [x.tag, x.revisionName, x.percent]), [
      ['v1', 'stock-service-example-v1', 40],
      ['v2', 'stock-service-example-v2', 30],
      ['v3', 'stock-service-example-v3', 30],
      ['latest', 'stock-service-example-v3', 0],
    ]);
    const gens = await ksrv.k('get', 'ksvc', SVC, '-o', 'jsonpath={.metadata.generation}/{.status.observedGeneration}');
    assert.equal(gens, '4/4');
  });

  it('get ksvc/configuration/route tables and -o yaml answer as in the seed article', async () => {
    const ksvc = (await ksrv.k('get', 'ksvc')).trim().split('\n');
    assert.match(ksvc[0]!, /^NAME\s+URL\s+LATESTCREATED\s+LATESTREADY\s+READY\s+REASON$/);
    assert.match(ksvc[1]!, /^stock-service-example\s+http:\/\/stock-service-example\.default\.example\.com\s+stock-service-example-v3\s+stock-service-example-v3\s+True/);
    const cfg = await ksrv.k('get', 'configuration', '-l', `serving.knative.dev/service=${SVC}`, '-o', 'yaml');
    assert.match(cfg, /latestReadyRevisionName: stock-service-example-v3/);
    const rt = await ksrv.k('get', 'route', '-l', `serving.knative.dev/service=${SVC}`, '-o', 'yaml');
    assert.match(rt, /url: http:\/\/v3-stock-service-example\.default\.example\.com/);
    const v1alpha1 = await ksrv.k('get', 'services.v1alpha1.serving.knative.dev', SVC, '-o', 'jsonpath={.apiVersion}');
    assert.equal(v1alpha1, 'serving.knative.dev/v1alpha1');
  });

  it('rollback is a traffic change: 100 % to v1', async () => {
    await ksrv.k('patch', 'ksvc', SVC, '--type=merge', '-p', JSON.stringify({ spec: { traffic: [{ revisionName: 'stock-service-example-v1', percent: 100 }] } }));
    await ready();
    const t = await traffic();
    assert.deepEqual(t.map((x) => [x.revisionName, x.percent]), [['stock-service-example-v1', 100]]);
    const states = await ksrv.k('get', 'revision', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.labels.serving\\.knative\\.dev/routingState}{" "}{end}');
    assert.match(states, /stock-service-example-v1=active/);
    assert.match(states, /stock-service-example-v2=reserve/);
  });
});
