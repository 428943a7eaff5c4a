/** The kubectl verbs users reach for, against a real `ksrv up`. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES, Ksrv, waitFor } from './harness.ts';

const hello = join(FIXTURES, 'hello.yaml');

describe('kubectl verbs', () => {
  const ksrv = new Ksrv();
  before(async () => {
    await ksrv.start(['--runtime', 'simulated']);
    await ksrv.k('apply', '-f', hello);
    await ksrv.k('wait', '--for=condition=Ready', 'ksvc/hello', '--timeout=60s');
  });
  after(async () => { await ksrv.cleanup(); });

  it('version reports the server as 1.32', async () => {
    assert.match(await ksrv.k('version'), /Server Version: v1\.32/);
  });

  it('api-resources lists the Knative kinds with their short names', async () => {
    const out = await ksrv.k('api-resources', '--api-group=serving.knative.dev');
    assert.match(out, /services\s+kservice,ksvc\s+serving\.knative\.dev\/v1\s+true\s+Service/);
    assert.match(out, /configurations\s+config,cfg\s+serving\.knative\.dev\/v1\s+true\s+Configuration/);
    assert.match(out, /revisions\s+rev\s+serving\.knative\.dev\/v1\s+true\s+Revision/);
    assert.match(out, /routes\s+rt\s+serving\.knative\.dev\/v1\s+true\s+Route/);
  });

  it('refuses requests without the token', async () => {
    const r = await ksrv.kubectl(['get', 'ksvc', '--token=wrong'], {});
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /You must be logged in to the server/);
  });

  it('explain ksvc.spec.traffic', async () => {
    const out = await ksrv.k('explain', 'ksvc.spec.traffic');
    assert.match(out, /KIND:\s+Service/);
    assert.match(out, /revisionName/);
    assert.match(out, /percent/);
  });

  it('describe shows the conditions and the controllers\' events', async () => {
    const out = await ksrv.k('describe', 'ksvc', 'hello');
    assert.match(out, /Name:\s+hello/);
    assert.match(out, /Ready/);
    assert.match(out, /Events:/);
    const cfg = await ksrv.k('describe', 'configuration', 'hello');
    assert.match(cfg, /Created Revision "hello-00001"/);
  });

  it('patch --type=merge creates a new revision; a strategic patch is refused', async () => {
    assert.match(await ksrv.k('patch', 'ksvc', 'hello', '--type=merge', '-p', '{"spec":{"template":{"spec":{"containers":[{"image":"ksrv.local/hello:v2"}]}}}}'), /patched/);
    await ksrv.k('wait', '--for=condition=Ready', 'ksvc/hello', '--timeout=60s');
    assert.equal(await ksrv.k('get', 'ksvc', 'hello', '-o', 'jsonpath={.status.latestReadyRevisionName}'), 'hello-00002');
    const r = await ksrv.kubectl(['patch', 'ksvc', 'hello', '-p', '{"metadata":{"labels":{"x":"y"}}}']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /application\/strategic-merge-patch\+json is not supported/);
  });

  it('edit applies the editor\'s change', async () => {
    const editor = join(ksrv.cacheDir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/^    app: hello$/    app: edited/" "$1"\n', { mode: 0o755 });
    const r = await ksrv.kubectl(['edit', 'ksvc', 'hello'], { env: { KUBE_EDITOR: editor, EDITOR: editor } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /edited/);
    assert.equal(await ksrv.k('get', 'ksvc', 'hello', '-o', 'jsonpath={.metadata.labels.app}'), 'edited');
  });

  it('apply --server-side creates and updates', async () => {
    const manifest = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'ssa' }, spec: { template: { spec: { containers: [{ image: 'ksrv.local/ssa:v1' }] } } } };
    const file = join(ksrv.cacheDir, 'ssa.json');
    writeFileSync(file, JSON.stringify(manifest));
    assert.match(await ksrv.k('apply', '--server-side', '-f', file), /service\.serving\.knative\.dev\/ssa serverside-applied/);
    manifest.spec.template.spec.containers[0]!.image = 'ksrv.local/ssa:v2';
    writeFileSync(file, JSON.stringify(manifest));
    assert.match(await ksrv.k('apply', '--server-side', '-f', file), /serverside-applied/);
    await ksrv.k('wait', '--for=condition=Ready', 'ksvc/ssa', '--timeout=60s');
    assert.equal(await ksrv.k('get', 'ksvc', 'ssa', '-o', 'jsonpath={.status.latestCreatedRevisionName}'), 'ssa-00002');
  });

  it('server dry-run changes nothing', async () => {
    const before = await ksrv.k('get', 'ksvc', 'hello', '-o', 'jsonpath={.metadata.resourceVersion}');
    const out = await ksrv.k('patch', 'ksvc', 'hello', '--type=merge', '--dry-run=server', '-p', '{"spec":{"template":{"spec":{"containers":[{"image":"ksrv.local/hello:dry"}]}}}}');
    assert.match(out, /service\.serving\.knative\.dev\/hello patched/);
    assert.equal(await ksrv.k('get', 'ksvc', 'hello', '-o', 'jsonpath={.metadata.resourceVersion}'), before);
    assert.equal(await ksrv.k('get', 'revision', 'hello-00003', '--ignore-not-found', '-o', 'name'), '');
  });

  it('get -w streams changes', async () => {
    const child = spawn('kubectl', ['get', 'ksvc', 'hello', '-w', '-o', 'jsonpath={.metadata.labels.watched}{"\\n"}'], { env: ksrv.env() });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    try {
      await waitFor('the initial watch output', async () => out.length > 0);
      await ksrv.k('label', 'ksvc', 'hello', 'watched=yes');
      await waitFor('the label change to stream in', async () => out.includes('yes'), 20_000);
    } finally {
      child.kill();
    }
  });

  it('invalid manifests get Knative\'s messages and leave the store untouched', async () => {
    const cases: [object, RegExp][] = [
      [{ spec: { template: { spec: { containers: [{ image: 'x' }] } }, traffic: [{ latestRevision: true, percent: 90 }] } }, /Traffic targets sum to 90, want 100: spec\.traffic/],
      [{ spec: { template: { spec: { containers: [{ image: 'x', env: [{ name: 'PORT', value: '1' }] }] } } } }, /"PORT" is a reserved environment variable/],
      [{ spec: { template: { spec: { containers: [] } } } }, /missing field\(s\): spec\.template\.spec\.containers/],
      [{ spec: { template: { spec: { containers: [{ image: 'x' }], timeoutSeconds: 601 } } } }, /expected 0 <= 601 <= 600: spec\.template\.spec\.timeoutSeconds/],
    ];
    for (const [i, [body, message]] of cases.entries()) {
      const file = join(ksrv.cacheDir, `bad-${i}.json`);
      writeFileSync(file, JSON.stringify({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: `bad-${i}` }, ...body }));
      const r = await ksrv.kubectl(['apply', '-f', file]);
      assert.notEqual(r.code, 0, `case ${i} was accepted`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /admission webhook "validation\.webhook\.serving\.knative\.dev" denied the request/);
    }
    const unknown = join(ksrv.cacheDir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'unknown' }, spec: { template: { spec: { containers: [{ image: 'x', imagex: 'y' }] } } } }));
    const r = await ksrv.kubectl(['apply', '-f', unknown]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /unknown field "spec\.template\.spec\.containers\[0\]\.imagex"/);
    assert.equal((await ksrv.k('get', 'ksvc', '-o', 'name')).trim().split('\n').sort().join(' '), 'service.serving.knative.dev/hello service.serving.knative.dev/ssa');
  });

  it('delete removes the service and its children', async () => {
    assert.match(await ksrv.k('delete', 'ksvc', 'hello'), /service\.serving\.knative\.dev "hello" deleted/);
    await waitFor('children to be collected', async () => {
      const left = await ksrv.k('get', 'configuration,route,revision', '-l', 'serving.knative.dev/service=hello', '-o', 'name');
      return left.trim() === '';
    });
  });
});
