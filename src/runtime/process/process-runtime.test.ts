/**
 * The process runtime against real sandboxes (needs root, bwrap, ip, nsenter, setpriv and go; skipped
 * with the reason otherwise). Every test removes what it started; `after` checks that no ksrv
 * network namespace of this run survives.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCommand } from '../sandbox/run-command.ts';
import { revisionLogPath } from './log-files.ts';
import { ProcessRuntime } from './process-runtime.ts';
import { buildExampleApp, EXAMPLE_IMAGE_CONFIG, FakeImageResolver, makeExampleRootfs, revisionObject, sandboxTestsSkipReason } from './testing/example-app.ts';

const skip = sandboxTestsSkipReason();
if (skip) console.log(`# SKIP process runtime sandbox tests: ${skip}`);

function get(host: string, port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function netnsNames(): Promise<string[]> {
  return (await runCommand('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

async function linkNames(): Promise<string[]> {
  return [...(await runCommand('ip', ['-o', 'link', 'show'])).matchAll(/^\d+: ([^:@]+)/gm)].map((m) => m[1]!);
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('ProcessRuntime (sandboxed)', { skip }, () => {
  let work: string;
  let images: FakeImageResolver;
  let runtime: ProcessRuntime;
  const createdNetns = new Set<string>();

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'ksrv-proc-test-'));
    chmodSync(work, 0o755); // so that an image's non-root uid can reach the rootfs
    images = new FakeImageResolver();
    const rootfs = makeExampleRootfs(join(work, 'rootfs'), buildExampleApp());
    images.add('example.com/rest-api:v1', rootfs);
    images.add('example.com/rest-api-user:v1', rootfs, { ...EXAMPLE_IMAGE_CONFIG, user: 'app' });
    runtime = new ProcessRuntime({
      dataDir: join(work, 'data'), images, graceSeconds: 2, progressDeadlineSeconds: 3,
      backoff: { initialMs: 200, maxMs: 2000 },
    });
  });

  after(async () => {
    await runtime?.close();
    const left = (await netnsNames()).filter((n) => createdNetns.has(n));
    for (const n of left) await runCommand('ip', ['netns', 'del', n]).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
    assert.deepEqual(left, [], 'network namespaces left behind');
  });

  function track(ns: string, name: string) {
    for (const i of runtime.instances(ns, name)) if (i.netns) createdNetns.add(i.netns);
  }

  it('runs two instances of an app hard-coding :8080 at once, each on its own address, isolated from the host', async () => {
    const secret = join(work, 'host-secret.txt');
    writeFileSync(secret, 'host only\n');
    const rev = revisionObject('stock-00001', { image: 'example.com/rest-api:v1' });
    await runtime.ensure(rev, 2);
    track('default', 'stock-00001');
    const obs = await waitFor('2 ready instances', () => { const o = runtime.observe('default', 'stock-00001'); return o?.actualReplicas === 2 && o; });
    assert.equal(obs.containerHealthy.status, 'True');
    assert.equal(obs.resourcesAvailable.status, 'True');
    assert.equal(obs.containerStatuses?.[0]?.imageDigest, await images.resolve('example.com/rest-api:v1'));
    const endpoints = runtime.endpoints('default', 'stock-00001');
    assert.equal(endpoints.length, 2);
    assert.notEqual(endpoints[0]!.host, endpoints[1]!.host);
    for (const ep of endpoints) {
      assert.equal(ep.port, 8080);
      assert.deepEqual(await get(ep.host, ep.port), { status: 200, body: 'Welcome to the stock app! \n' });
    }
    const ep = endpoints[0]!;
    const env = JSON.parse((await get(ep.host, ep.port, '/env')).body) as string[];
    for (const kv of ['PORT=8080', 'K_REVISION=stock-00001', 'K_CONFIGURATION=stock', 'K_SERVICE=stock', 'RESOURCE=stock']) assert.ok(env.includes(kv), `${kv} in ${env}`);
    const info = JSON.parse((await get(ep.host, ep.port, '/info')).body);
    assert.equal(info.uid, 0);
    assert.match(info.hostname, /^stock-00001-/);
    assert.equal((await get(ep.host, ep.port, `/read?path=${encodeURIComponent(secret)}`)).status, 404);
    assert.equal((await get(ep.host, ep.port, '/read?path=/app/hello.txt')).body, 'hello from the image\n');
    assert.match((await get(ep.host, ep.port, '/read?path=/etc/hosts')).body, new RegExp(`${ep.host.replace(/\./g, '\\.')}\\s+stock-00001-`));
    const pids = JSON.parse((await get(ep.host, ep.port, '/procs')).body) as number[];
    assert.ok(pids.length <= 3, `sandbox sees only its own processes, saw ${pids}`);
    assert.ok(!pids.includes(process.pid) || process.pid <= 3);

    const records = JSON.parse(readFileSync(join(work, 'data/runtime/instances.json'), 'utf8'));
    await waitFor('state file lists both instances', () => JSON.parse(readFileSync(join(work, 'data/runtime/instances.json'), 'utf8')).instances.length === 2);
    assert.equal(records.ownerPid, process.pid);

    const before = runtime.instances('default', 'stock-00001');
    await runtime.remove('default', 'stock-00001');
    assert.equal(runtime.observe('default', 'stock-00001'), undefined);
    const netns = await netnsNames();
    const links = await linkNames();
    for (const i of before) {
      assert.ok(!alive(i.pid!), `process ${i.pid} gone`);
      assert.ok(!netns.includes(i.netns!), `${i.netns} deleted`);
      assert.ok(!links.includes(i.hostVeth!), `${i.hostVeth} deleted`);
    }
    assert.ok(existsSync(revisionLogPath(join(work, 'data'), 'default', 'stock-00001')));
    assert.match(readFileSync(revisionLogPath(join(work, 'data'), 'default', 'stock-00001'), 'utf8'), / stderr .*stock listening on :8080/);
  });

  it('applies command/args/env/workingDir, the image USER and PORT from containerPort', async () => {
    const rev = revisionObject('args-00001', {
      image: 'example.com/rest-api-user:v1',
      command: ['/rest-api'], args: ['first', '$(RESOURCE)', '$$(RESOURCE)'],
      env: [{ name: 'RESOURCE', value: 'bond' }, { name: 'DERIVED', value: '$(RESOURCE)-x' }, { name: 'LISTEN_PORT', value: '9090' }],
      workingDir: '/app', ports: [{ containerPort: 9090 }],
    });
    await runtime.ensure(rev, 1);
    track('default', 'args-00001');
    await waitFor('ready', () => runtime.observe('default', 'args-00001')?.actualReplicas === 1);
    const ep = runtime.endpoints('default', 'args-00001')[0]!;
    assert.equal(ep.port, 9090);
    const info = JSON.parse((await get(ep.host, ep.port, '/info')).body);
    assert.deepEqual(info.args, ['/rest-api', 'first', 'bond', '$(RESOURCE)']);
    assert.equal(info.cwd, '/app');
    assert.equal(info.uid, 1000);
    assert.equal(info.gid, 1001);
    const env = JSON.parse((await get(ep.host, ep.port, '/env')).body) as string[];
    for (const kv of ['PORT=9090', 'RESOURCE=bond', 'DERIVED=bond-x', 'PATH=/usr/bin:/bin']) assert.ok(env.includes(kv), `${kv} in ${env}`);
    assert.equal((await get(ep.host, ep.port, '/')).body, 'Welcome to the bond app! \n');
    const pid = runtime.instances('default', 'args-00001')[0]!.pid!;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+1000\s/m, 'bwrap itself runs as the image user, not host root');
    await runtime.remove('default', 'args-00001');
  });

  it('reports a crashing container as ExitCode1 with its output and restarts it with growing back-off', async () => {
    const rev = revisionObject('crash-00001', { image: 'example.com/rest-api:v1', env: [{ name: 'CRASH_AT_START', value: '1' }] });
    const starts: number[] = [];
    await runtime.ensure(rev, 1);
    track('default', 'crash-00001');
    await waitFor('3 restarts', () => {
      const i = runtime.instances('default', 'crash-00001')[0];
      if (i && starts.length < i.restarts) starts.push(Date.now());
      return (i?.restarts ?? 0) >= 3;
    });
    const obs = runtime.observe('default', 'crash-00001')!;
    assert.equal(obs.containerHealthy.status, 'False');
    assert.equal(obs.containerHealthy.reason, 'ExitCode1');
    assert.equal(obs.containerHealthy.message, 'Container failed with: rest-api: refusing to start: CRASH_AT_START is set');
    assert.equal(obs.actualReplicas, 0);
    // back-off 200 ms then 400 ms: the gap before the third crash is clearly longer than the first.
    assert.ok(starts[2]! - starts[1]! >= 350, `gaps ${starts[1]! - starts[0]!}, ${starts[2]! - starts[1]!}`);
    await runtime.remove('default', 'crash-00001');
  });

  it('never ready → not Ready, ProgressDeadlineExceeded after the deadline; exec + liveness probes', async () => {
    const rev = revisionObject('slow-00001', {
      image: 'example.com/rest-api:v1', env: [{ name: 'NEVER_READY', value: '1' }],
      readinessProbe: { httpGet: { path: '/' } },
    }, { annotations: { 'serving.knative.dev/progress-deadline': '2s' } });
    const live = revisionObject('live-00001', {
      image: 'example.com/rest-api:v1',
      readinessProbe: { exec: { command: ['/rest-api', 'check', '/app/hello.txt'] } },
      livenessProbe: { exec: { command: ['/rest-api', 'check', '/nonexistent'] }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 1 },
    });
    await runtime.ensure(rev, 1);
    await runtime.ensure(live, 1);
    track('default', 'slow-00001');
    track('default', 'live-00001');
    const early = runtime.observe('default', 'slow-00001')!;
    assert.equal(early.containerHealthy.reason, 'Deploying');
    assert.equal(early.resourcesAvailable.reason, 'Deploying');
    const obs = await waitFor('deadline', () => { const o = runtime.observe('default', 'slow-00001'); return o?.resourcesAvailable.status === 'False' && o; }, 6000);
    assert.equal(obs.resourcesAvailable.reason, 'ProgressDeadlineExceeded');
    assert.equal(obs.resourcesAvailable.message, 'Initial scale was never achieved');
    assert.equal(obs.actualReplicas, 0);
    assert.deepEqual(runtime.endpoints('default', 'slow-00001'), []);

    // exec readiness passes inside the sandbox; the failing exec liveness probe restarts the container.
    await waitFor('live ready once', () => runtime.observe('default', 'live-00001')?.containerHealthy.status === 'True');
    await waitFor('liveness restart', () => (runtime.instances('default', 'live-00001')[0]?.restarts ?? 0) >= 1, 8000);
    await runtime.remove('default', 'slow-00001');
    await runtime.remove('default', 'live-00001');
  });

  it('reports an unknown image as ContainerMissing', async () => {
    await runtime.ensure(revisionObject('missing-00001', { image: 'example.com/nope:1' }), 1);
    const obs = runtime.observe('default', 'missing-00001')!;
    assert.equal(obs.containerHealthy.status, 'False');
    assert.equal(obs.containerHealthy.reason, 'ContainerMissing');
    assert.equal(obs.containerHealthy.message, 'Unable to fetch image "example.com/nope:1": MANIFEST_UNKNOWN: manifest unknown');
    assert.deepEqual(runtime.instances('default', 'missing-00001'), []);
    await runtime.remove('default', 'missing-00001');
  });

  it('cleanupOrphans removes the sandboxes and namespaces of a ksrv killed with -9', async () => {
    const dataDir = join(work, 'orphan-data');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing/orphan-child.ts'), dataDir, join(work, 'rootfs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    try {
      const line = await waitFor('child ready', () => out.includes('\n') && out.split('\n')[0], 20_000);
      const { netns, pid } = JSON.parse(line) as { netns: string; pid: number };
      createdNetns.add(netns);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      assert.ok((await netnsNames()).includes(netns), 'namespace survives the crash');
      const fresh = new ProcessRuntime({ dataDir, images });
      await fresh.cleanupOrphans();
      await waitFor('sandbox process gone', () => !alive(pid));
      assert.ok(!(await netnsNames()).includes(netns), 'namespace removed');
      assert.deepEqual(JSON.parse(readFileSync(join(dataDir, 'runtime/instances.json'), 'utf8')).instances, []);
      await fresh.close();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
