/**
 * Issue 3 acceptance: the seed's manifests run real, sandboxed instances of an OCI image built with
 * `ksrv image build` (no daemon); every instance answers on its own :8080; failures are visible on
 * the revisions with Knative's reasons; a tag move does not change what an existing revision runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandboxTestsSkipReason } from '../../src/runtime/process/testing/example-app.ts';
import { buildExampleImage } from './example-app-traffic.ts';
import { FIXTURES, Ksrv, ROOT, run } from './harness.ts';

const IMAGE = 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1';
const SVC = 'stock-service-example';
const skip = sandboxTestsSkipReason();


/** Addresses of the running instances of a revision, from the runtime's state file. */
async function instanceAddresses(ksrv: Ksrv, revision: string): Promise<string[]> {
  const state = JSON.parse(readFileSync(join(ksrv.dataDir, 'runtime/instances.json'), 'utf8'));
  const out: string[] = [];
  for (const inst of state.instances.filter((i: any) => i.revision === revision)) {
    const r = await run('ip', ['-n', inst.netns, '-4', '-o', 'addr', 'show']);
    const m = /inet (10\.[0-9.]+)\//.exec(r.stdout);
    if (m) out.push(m[1]!);
  }
  return out;
}

describe('revisions run as sandboxed processes from OCI images', { skip }, () => {
  const ksrv = new Ksrv();
  let digest = '';
  before(async () => {
    digest = await buildExampleImage(ksrv.dataDir, IMAGE, 'one');
    await ksrv.start();
  });
  after(async () => { await ksrv.cleanup(); });

  it('the seed manifests, unchanged: three revisions Ready, each instance answers on its own :8080', async () => {
    for (const v of ['v1', 'v2', 'v3', 'v3-2']) {
      await ksrv.k('apply', '-f', join(FIXTURES, 'seed', `revision-${v}.yaml`));
      await ksrv.k('wait', '--for=condition=Ready', `ksvc/${SVC}`, '--timeout=60s');
    }
    for (const v of ['v1', 'v2', 'v3']) {
      const rev = `${SVC}-${v}`;
      assert.equal(await ksrv.k('get', 'rev', rev, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'), 'True');
      assert.equal(await ksrv.k('get', 'rev', rev, '-o', 'jsonpath={.status.containerStatuses[0].imageDigest}'), digest);
      const addrs = await instanceAddresses(ksrv, rev);
      assert.equal(addrs.length, 1, `one instance of ${rev}`);
      const body = await (await fetch(`http://${addrs[0]}:8080/`)).text();
      assert.equal(body, `Welcome to the ${v} app! \n`);
    }
  });

  it('an unknown image leaves the revision not Ready with ContainerMissing; the old revision keeps serving', async () => {
    await ksrv.k('patch', 'ksvc', SVC, '--type=merge', '-p', JSON.stringify({ spec: { template: { metadata: { name: `${SVC}-v4` }, spec: { containers: [{ image: 'ksrv.local/does-not-exist:v1', env: [{ name: 'RESOURCE', value: 'v4' }] }] } } } }));
    await ksrv.k('wait', '--for=jsonpath={.status.conditions[?(@.type=="ContainerHealthy")].reason}=ContainerMissing', `rev/${SVC}-v4`, '--timeout=60s');
    const msg = await ksrv.k('get', 'rev', `${SVC}-v4`, '-o', 'jsonpath={.status.conditions[?(@.type=="ContainerHealthy")].message}');
    assert.match(msg, /^Unable to fetch image "ksrv\.local\/does-not-exist:v1": /);
    await ksrv.k('wait', '--for=jsonpath={.status.conditions[?(@.type=="Ready")].reason}=RevisionFailed', `configuration/${SVC}`, '--timeout=60s');
    assert.equal(await ksrv.k('get', 'ksvc', SVC, '-o', 'jsonpath={.status.latestReadyRevisionName}'), `${SVC}-v3`);
    const [addr] = await instanceAddresses(ksrv, `${SVC}-v3`);
    assert.equal(await (await fetch(`http://${addr}:8080/`)).text(), 'Welcome to the v3 app! \n');
  });

  it('a crash at start shows ExitCode1 with the container\'s output', async () => {
    const file = join(ksrv.cacheDir, 'crashy.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'crashy' }, spec: { template: { spec: { containers: [{ image: IMAGE, env: [{ name: 'CRASH_AT_START', value: '1' }] }] } } } }));
    await ksrv.k('apply', '-f', file);
    await ksrv.k('wait', '--for=jsonpath={.status.conditions[?(@.type=="ContainerHealthy")].reason}=ExitCode1', 'rev/crashy-00001', '--timeout=60s');
    const msg = await ksrv.k('get', 'rev', 'crashy-00001', '-o', 'jsonpath={.status.conditions[?(@.type=="ContainerHealthy")].message}');
    assert.match(msg, /refusing to start: CRASH_AT_START is set/);
    assert.notEqual(await ksrv.k('get', 'ksvc', 'crashy', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'), 'True');
  });

  it('moving the tag does not change what an existing revision runs; a new revision gets the new digest', async () => {
    const moved = await buildExampleImage(ksrv.dataDir, IMAGE, 'two');
    assert.notEqual(moved, digest);
    assert.equal(await ksrv.k('get', 'rev', `${SVC}-v1`, '-o', 'jsonpath={.status.containerStatuses[0].imageDigest}'), digest);
    const file = join(ksrv.cacheDir, 'fresh.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'fresh' }, spec: { template: { spec: { containers: [{ image: IMAGE, env: [{ name: 'RESOURCE', value: 'fresh' }] }] } } } }));
    await ksrv.k('apply', '-f', file);
    await ksrv.k('wait', '--for=condition=Ready', 'ksvc/fresh', '--timeout=60s');
    assert.equal(await ksrv.k('get', 'rev', 'fresh-00001', '-o', 'jsonpath={.status.containerStatuses[0].imageDigest}'), moved);
  });

  it('a Node.js app runs from a FROM scratch image that maps the host runtime read-only', async () => {
    const ctx = mkdtempSync(join(tmpdir(), 'ksrv-node-app-'));
    try {
      writeFileSync(join(ctx, 'server.js'), "require('http').createServer((q, s) => s.end('node says ' + process.env.GREETING + ' on ' + process.version + '\\n')).listen(process.env.PORT);\n");
      writeFileSync(join(ctx, 'Containerfile'), [
        'FROM scratch',
        'LABEL dev.ksrv.host-paths="/usr /lib /lib64 /bin"',
        'COPY server.js /app/server.js',
        'ENTRYPOINT ["/usr/bin/node", "/app/server.js"]',
        '',
      ].join('\n'));
      const r = await run(join(ROOT, 'bin/ksrv'), ['image', 'build', ctx, '--tag', 'ksrv.local/node-hello:v1', '--data-dir', ksrv.dataDir]);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
    const file = join(ksrv.cacheDir, 'node-hello.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'node-hello' }, spec: { template: { spec: { containers: [{ image: 'ksrv.local/node-hello:v1', env: [{ name: 'GREETING', value: 'hi' }] }] } } } }));
    await ksrv.k('apply', '-f', file);
    await ksrv.k('wait', '--for=condition=Ready', 'ksvc/node-hello', '--timeout=60s');
    const [addr] = await instanceAddresses(ksrv, 'node-hello-00001');
    assert.equal(await (await fetch(`http://${addr}:8080/`)).text(), `node says hi on ${process.version}\n`);
  });

  it('stopping ksrv leaves no sandbox, network namespace or veth behind', async () => {
    const state = JSON.parse(readFileSync(join(ksrv.dataDir, 'runtime/instances.json'), 'utf8'));
    const mine: { netns: string; hostVeth: string; pid: number }[] = state.instances;
    assert.ok(mine.length >= 3);
    assert.equal(await ksrv.stop(), 0);
    const netns = (await run('ip', ['netns', 'list'])).stdout;
    const links = (await run('ip', ['-o', 'link'])).stdout;
    for (const inst of mine) {
      assert.ok(!netns.includes(inst.netns), `${inst.netns} left behind`);
      assert.ok(!links.includes(inst.hostVeth), `${inst.hostVeth} left behind`);
      assert.throws(() => process.kill(inst.pid, 0), `instance process ${inst.pid} left running`);
    }
  });
});
