/**
 * Pull from a real registry: Debian's `docker-registry` (distribution 2.8) on loopback, images pushed
 * with `skopeo`. Skipped when either binary is missing (apt-get install docker-registry skopeo).
 */
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { removeTree } from './fs-util.ts';
import { ImageStore } from './image-store.ts';
import { writeOciLayout } from './testing/fixtures.ts';

const missing = ['docker-registry', 'skopeo'].filter((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
const skip = missing.length > 0 ? `needs ${missing.join(' and ')} (apt-get install -y docker-registry skopeo)` : false;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('docker-registry + skopeo', { skip }, () => {
  let base: string;
  let registry: ChildProcess | undefined;
  let registryOutput = '';
  let host: string;
  let policy: string;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'ksrv-registry-'));
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    mkdirSync(join(base, 'storage'));
    writeFileSync(join(base, 'config.yml'), [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${join(base, 'storage')} }, delete: { enabled: true } }`,
      `http: { addr: "${host}" }`,
    ].join('\n'));
    policy = join(base, 'policy.json');
    writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    registry = spawn('docker-registry', ['serve', join(base, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    registry.stdout!.on('data', (d) => { registryOutput += d; });
    registry.stderr!.on('data', (d) => { registryOutput += d; });
    // Wait until the registry answers (or exits).
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (registry.exitCode !== null) throw new Error(`docker-registry exited: ${registryOutput}`);
      const ok = await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`docker-registry did not start: ${registryOutput}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    if (registry && registry.exitCode === null) {
      const exited = new Promise((r) => registry!.once('exit', r));
      registry.kill('SIGTERM');
      await exited;
    }
    await removeTree(base);
  });

  async function push(layout: string, ref: string): Promise<void> {
    await promisify(execFile)('skopeo', ['--policy', policy, 'copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}`, `docker://${ref}`], {
      env: { ...process.env, HOME: base, XDG_RUNTIME_DIR: base },
    });
  }

  it('imports the docker-archive and oci-archive files skopeo writes (as docker save and podman save do)', async () => {
    await writeOciLayout(join(base, 'arch'), { layers: [[{ name: 'app', content: 'archived', mode: 0o755 }]], gzip: true });
    const exec = promisify(execFile);
    const env = { ...process.env, HOME: base, XDG_RUNTIME_DIR: base };
    await exec('skopeo', ['--policy', policy, 'copy', '--quiet', `oci:${join(base, 'arch')}`, `docker-archive:${join(base, 'd.tar')}:example.com/app:v1`], { env });
    await exec('skopeo', ['--policy', policy, 'copy', '--quiet', `oci:${join(base, 'arch')}`, `oci-archive:${join(base, 'o.tar')}:example.com/app:v2`], { env });
    const store = ImageStore.open(join(base, 'archives'));
    try {
      for (const [file, ref] of [['d.tar', 'example.com/app:v1'], ['o.tar', 'example.com/app:v2']] as const) {
        const { digest, refs } = await store.importArchive(join(base, file));
        assert.deepEqual(refs, [ref]);
        assert.equal(readFileSync(join((await store.prepare(digest)).rootfs, 'app'), 'utf8'), 'archived');
      }
    } finally {
      store.close();
    }
  });

  it('pulls a pushed image; after a tag move the first digest still resolves by name@digest', async () => {
    const v1 = await writeOciLayout(join(base, 'v1'), { layers: [[{ name: 'app', content: 'Welcome to the v1 app!', mode: 0o755 }]], gzip: true });
    const v2 = await writeOciLayout(join(base, 'v2'), { layers: [[{ name: 'app', content: 'Welcome to the v2 app!', mode: 0o755 }]], gzip: true });
    await push(join(base, 'v1'), `${host}/x:v1`);

    const store = ImageStore.open(join(base, 'data'));
    try {
      const first = await store.resolve(`${host}/x:v1`);
      assert.equal(first, v1.manifestDigest, 'skopeo keeps the OCI manifest, so the digest is the layout\'s');
      assert.equal(readFileSync(join((await store.prepare(first)).rootfs, 'app'), 'utf8'), 'Welcome to the v1 app!');

      await push(join(base, 'v2'), `${host}/x:v1`);
      assert.equal(await store.resolve(`${host}/x:v1`), first, 'a stored tag is not re-checked by resolve');
      const moved = await store.pull(`${host}/x:v1`);
      assert.equal(moved.digest, v2.manifestDigest);
      assert.equal(await store.resolve(`${host}/x:v1`), v2.manifestDigest);
      assert.equal(await store.resolve(`${host}/x@${first}`), first);
      assert.equal(readFileSync(join((await store.prepare(first)).rootfs, 'app'), 'utf8'), 'Welcome to the v1 app!');
    } finally {
      store.close();
    }

    // A fresh store pulls the old digest from the registry by name@digest.
    const fresh = ImageStore.open(join(base, 'fresh'));
    try {
      assert.equal(await fresh.resolve(`${host}/x@${v1.manifestDigest}`), v1.manifestDigest);
      assert.deepEqual((await fresh.list()).map((i) => [i.ref, i.tag]), [[`${host}/x@${v1.manifestDigest}`, undefined]]);
      await assert.rejects(fresh.resolve(`${host}/x:nope`), /not found in the local store and pull failed: .*404 MANIFEST_UNKNOWN/);
    } finally {
      fresh.close();
    }
  });
});
