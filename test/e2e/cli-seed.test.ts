/**
 * Acceptance of the kn-style CLI: the seed scenario (create, new revision names, 50/50 with tags,
 * latest at 0 %, 40/30/30, rollback) done with `ksrv service/revision/route/rollback` alone against
 * a real `ksrv up`, every step checked through the API with kubectl; then kn's error cases.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ksrv, ROOT, run, type RunResult } from './harness.ts';

const SVC = 'stock-service-example';
const IMAGE = 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1';
const URL = `http://${SVC}.default.example.com`;

describe('seed scenario through the ksrv CLI', () => {
  const ksrv = new Ksrv();
  before(async () => { await ksrv.start(['--runtime', 'simulated']); });
  after(async () => { await ksrv.cleanup(); });

  /** bin/ksrv with an explicit --kubeconfig; KUBECONFIG is unset so only the flag can point at the server. */
  const cli = (...args: string[]): Promise<RunResult> => {
    const env = { ...ksrv.env() };
    delete env.KUBECONFIG;
    return run(join(ROOT, 'bin/ksrv'), [...args, '--kubeconfig', ksrv.kubeconfig], { env });
  };
  const ok = async (...args: string[]): Promise<string> => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `ksrv ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const fails = async (args: string[], message: string): Promise<void> => {
    const r = await cli(...args);
    assert.equal(r.code, 1, `ksrv ${args.join(' ')} should fail:\n${r.stdout}`);
    assert.equal(r.stderr, `Error: ${message}\n`);
  };
  const service = async () => JSON.parse(await ksrv.k('get', 'ksvc', SVC, '-o', 'json'));
  /** [tag, revision, percent] of status.traffic, after checking the service is Ready at its generation. */
  const traffic = async (): Promise<[string | undefined, string, number][]> => {
    const s = await service();
    assert.equal(s.status.observedGeneration, s.metadata.generation);
    assert.equal(s.status.conditions.find((c: any) => c.type === 'Ready').status, 'True');
    return s.status.traffic.map((t: any) => [t.tag, t.revisionName, t.percent]);
  };

  it('create: waits for Ready and prints the URL as kn does', async () => {
    const out = await ok('service', 'create', SVC, '--image', IMAGE, '--env', 'RESOURCE=v1', '--revision-name', `${SVC}-v1`);
    assert.match(out, new RegExp(`^Creating service '${SVC}' in namespace 'default':\n\n`));
    assert.match(out, /\n\s+\d+\.\d{3}s Ready to serve\.\n\n/);
    assert.ok(out.endsWith(`Service '${SVC}' created to latest revision '${SVC}-v1' is available at URL:\n${URL}\n`), out);
    assert.deepEqual(await traffic(), [[undefined, `${SVC}-v1`, 100]]);
    const s = await service();
    assert.deepEqual(s.spec.template.spec.containers[0].env, [{ name: 'RESOURCE', value: 'v1' }]);
    assert.equal(s.status.url, URL);
  });

  it('v2: new revision name, 50/50 between tags v1 and v2, latest tagged at 0 %', async () => {
    const out = await ok('service', 'update', SVC, '--env', 'RESOURCE=v2', '--revision-name', `${SVC}-v2`,
      '--tag', `${SVC}-v1=v1,${SVC}-v2=v2`, '--tag', '@latest=latest', '--traffic', 'v1=50,v2=50');
    assert.ok(out.endsWith(`Service '${SVC}' updated to latest revision '${SVC}-v2' is available at URL:\n${URL}\n`), out);
    assert.deepEqual(await traffic(), [['latest', `${SVC}-v2`, 0], ['v1', `${SVC}-v1`, 50], ['v2', `${SVC}-v2`, 50]]);
    const urls = (await service()).status.traffic.map((t: any) => t.url);
    assert.deepEqual(urls, ['latest', 'v1', 'v2'].map((tag) => `http://${tag}-${SVC}.default.example.com`));
  });

  it('v3: a new revision only behind the latest tag; the split is unchanged', async () => {
    await ok('service', 'update', SVC, '--env', 'RESOURCE=v3', '--revision-name', `${SVC}-v3`);
    assert.deepEqual(await traffic(), [['latest', `${SVC}-v3`, 0], ['v1', `${SVC}-v1`, 50], ['v2', `${SVC}-v2`, 50]]);
  });

  it('40/30/30 with v3 tagged', async () => {
    const out = await ok('service', 'update', SVC, '--tag', `${SVC}-v3=v3`, '--traffic', 'v1=40,v2=30,v3=30');
    assert.match(out, new RegExp(`Service '${SVC}' with latest revision '${SVC}-v3' \\(unchanged\\) is available at URL:\n${URL}\n$`));
    assert.deepEqual(await traffic(), [['latest', `${SVC}-v3`, 0], ['v1', `${SVC}-v1`, 40], ['v2', `${SVC}-v2`, 30], ['v3', `${SVC}-v3`, 30]]);
  });

  it('lists revisions, routes and services with their traffic and tags', async () => {
    const revisions = (await ok('revision', 'list', '-s', SVC)).trim().split('\n').map((l) => l.split(/\s{3,}/));
    assert.deepEqual(revisions[0], ['NAME', 'SERVICE', 'TRAFFIC', 'TAGS', 'GENERATION', 'AGE', 'CONDITIONS', 'READY', 'REASON']);
    assert.deepEqual(revisions.slice(1).map((r) => [r[0], r[2], r[3], r[4], r[7]]), [
      [`${SVC}-v3`, '30%', 'latest,v3', '3', 'True'],
      [`${SVC}-v2`, '30%', 'v2', '2', 'True'],
      [`${SVC}-v1`, '40%', 'v1', '1', 'True'],
    ]);
    assert.match(await ok('route', 'list'), new RegExp(`^NAME\\s+URL\\s+READY\n${SVC}\\s+${URL}\\s+True\n$`));
    assert.match(await ok('service', 'list'), new RegExp(`^NAME\\s+URL\\s+LATEST\\s+AGE\\s+CONDITIONS\\s+READY\\s+REASON\n${SVC}\\s+${URL}\\s+${SVC}-v3\\s+\\S+\\s+3 OK / 3\\s+True\n$`));
    const describe = await ok('service', 'describe', SVC);
    assert.match(describe, new RegExp(`URL:\\s+${URL}\n`));
    assert.match(describe, new RegExp(` 40%  ${SVC}-v1 #v1 \\[1\\]`));
    assert.match(describe, new RegExp(`  0%  @latest \\(${SVC}-v3\\) #latest \\[3\\]`));
    assert.match(await ok('route', 'describe', SVC), new RegExp(`30%  ${SVC}-v3 #v3\n\\s+URL:\\s+http://v3-${SVC}\\.default\\.example\\.com`));
    assert.match(await ok('revision', 'describe', `${SVC}-v2`), /Env:\s+RESOURCE=v2\n/);
  });

  it('describe lists the events of the service, its route and configuration, and of a revision', async () => {
    const describe = await ok('service', 'describe', SVC);
    const events = describe.slice(describe.indexOf('\nEvents:\n') + 1);
    assert.match(events, /^Events:\n  Type\s+Reason\s+Age\s+From\s+Message\n  ----\s+------\s+----\s+----\s+-------\n/);
    assert.match(events, new RegExp(`\n  Normal\\s+Created\\s+\\S+\\s+service-controller\\s+Created Route "${SVC}"\n`));
    assert.match(events, new RegExp(`\n  Normal\\s+TrafficAssigned\\s+\\S+\\s+route-controller\\s+Traffic assigned: 0% ${SVC}-v3 #latest, 40% ${SVC}-v1 #v1, 30% ${SVC}-v2 #v2, 30% ${SVC}-v3 #v3\n`));
    assert.doesNotMatch(events, /RevisionReady/, 'a revision\'s events are not the service\'s');
    const revision = await ok('revision', 'describe', `${SVC}-v1`);
    assert.match(revision, /\nEvents:\n(.*\n){2}  Normal\s+RevisionReady\s+\S+\s+revision-controller\s+Revision becomes ready upon all resources being ready\n$/);
  });

  it('-o json, yaml, name and jsonpath', async () => {
    assert.equal(JSON.parse(await ok('service', 'describe', SVC, '-o', 'json')).status.url, URL);
    assert.match(await ok('service', 'describe', SVC, '-o', 'yaml'), new RegExp(`^apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n`));
    assert.equal(await ok('service', 'describe', SVC, '-o', "jsonpath={.status.traffic[?(@.tag=='latest')].url}"), `http://latest-${SVC}.default.example.com`);
    assert.equal(await ok('revision', 'list', '-o', 'jsonpath={.items[*].metadata.name}'), `${SVC}-v3 ${SVC}-v2 ${SVC}-v1`);
    assert.equal(await ok('route', 'list', '-o', 'name'), `route.serving.knative.dev/${SVC}\n`);
    const list = JSON.parse(await ok('service', 'list', '-o', 'json'));
    assert.equal(list.kind, 'ServiceList');
    assert.equal(list.items.length, 1);
  });

  it('kn errors: sums, unknown revisions and tags, a missing service; nothing changes', async () => {
    const generation = (await service()).metadata.generation;
    await fails(['service', 'update', SVC, '--traffic', 'v1=60,v2=50'], 'given traffic percents sum to 110, want <=100');
    await fails(['service', 'update', SVC, '--traffic', 'v1=20'],
      'unable to allocate the remaining traffic: 80%. Reason: incorrect number of revisions specified. Only 1 revision should be missing');
    await fails(['service', 'update', SVC, '--traffic', `${SVC}-v9=100`], `Revision "${SVC}-v9" referenced in traffic not found.`);
    await fails(['service', 'update', SVC, '--tag', `${SVC}-v1=v2`], "refusing to overwrite existing tag in service, add flag '--untag v2' in command to untag it");
    await fails(['service', 'update', SVC, '--untag', 'nope'], `tag(s) nope not present for any revisions of service ${SVC}`);
    await fails(['service', 'describe', 'missing'], 'services.serving.knative.dev "missing" not found');
    await fails(['service', 'update', 'missing', '--traffic', '100'], 'services.serving.knative.dev "missing" not found');
    await fails(['rollback', 'missing'], 'services.serving.knative.dev "missing" not found');
    await fails(['rollback', SVC, '--to', `${SVC}-v9`], `revision '${SVC}-v9' of service '${SVC}' not found`);
    await fails(['service', 'create', SVC, '--image', IMAGE], `cannot create service '${SVC}' in namespace 'default' because the service already exists and no --force option was given`);
    await fails(['service', 'create', 'other'], "'service create' requires the image name to run provided with the --image option");
    assert.equal((await service()).metadata.generation, generation);
    const usage = await cli('service', 'list', '-o', 'wide');
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /unable to match a printer suitable for the output format "wide"/);
  });

  it('rollback: all traffic to the previous ready revision in one step, tags kept', async () => {
    const generation = (await service()).metadata.generation;
    const out = await ok('rollback', SVC);
    assert.ok(out.endsWith(`Service '${SVC}' rolled back to revision '${SVC}-v2' (100% of traffic), available at URL:\n${URL}\n`), out);
    assert.equal((await service()).metadata.generation, generation + 1);
    assert.deepEqual(await traffic(), [['latest', `${SVC}-v3`, 0], ['v1', `${SVC}-v1`, 0], ['v2', `${SVC}-v2`, 100], ['v3', `${SVC}-v3`, 0]]);
    assert.deepEqual((await ksrv.k('get', 'revision', '-o', 'name')).trim().split('\n').length, 3, 'no revision is created');

    await ok('rollback', SVC, '--to', `${SVC}-v1`, '--no-wait');
    await ksrv.k('wait', '--for=condition=Ready', `ksvc/${SVC}`, '--timeout=60s');
    assert.deepEqual((await traffic()).find(([, , pct]) => pct === 100), ['v1', `${SVC}-v1`, 100]);
    await fails(['rollback', SVC], `service '${SVC}' has no ready revision older than '${SVC}-v1' to roll back to`);
  });

  it('back to the seed\'s 50/50, then prune and delete', async () => {
    await ok('service', 'update', SVC, '--traffic', 'v1=50,v2=50');
    assert.deepEqual(await traffic(), [['latest', `${SVC}-v3`, 0], ['v1', `${SVC}-v1`, 50], ['v2', `${SVC}-v2`, 50], ['v3', `${SVC}-v3`, 0]]);
    assert.equal(await ok('revision', 'delete', '--prune', SVC), 'No unreferenced revisions found.\n');
    assert.equal(await ok('service', 'delete', SVC), `Service '${SVC}' successfully deleted in namespace 'default'.\n`);
    await fails(['service', 'describe', SVC], `services.serving.knative.dev "${SVC}" not found`);
  });

  it('finds the kubeconfig through $KUBECONFIG, and -n selects the namespace', async () => {
    const r = await run(join(ROOT, 'bin/ksrv'), ['service', 'list', '-n', 'elsewhere'], { env: ksrv.env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'No services found.\n');
  });
});
