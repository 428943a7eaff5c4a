import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, afterEach, describe, it } from 'node:test';
import { removeTree } from './fs-util.ts';
import { ImageNotFoundError } from './image.ts';
import { ImageStore } from './image-store.ts';
import { dockerSaveArchive, sha256, tarBuffer, tarDirectory, writeOciLayout, type FixtureImage } from './testing/fixtures.ts';

const APP: FixtureImage = {
  layers: [
    [{ name: 'app', content: 'binary v1', mode: 0o755 }, { name: 'etc/', type: 'directory' }, { name: 'etc/old', content: 'old' }],
    [{ name: 'etc/.wh.old', content: '' }, { name: 'etc/new', content: 'new' }],
  ],
  config: { Entrypoint: ['/app'], Cmd: ['--port', '8080'], Env: ['PATH=/bin', 'MODE=prod'], WorkingDir: '/', ExposedPorts: { '8080/tcp': {} } },
};

describe('ImageStore', () => {
  let base: string;
  let dataDir: string;
  let store: ImageStore;
  let n = 0;
  before(() => { base = mkdtempSync(join(tmpdir(), 'ksrv-images-')); });
  after(async () => { await removeTree(base); });
  beforeEach(() => {
    dataDir = join(base, `data${n++}`);
    store = ImageStore.open(dataDir, { gcGraceMs: 0 });
  });
  afterEach(() => store.close());

  async function assertAppRootfs(digest: string): Promise<void> {
    const prepared = await store.prepare(digest);
    assert.equal(prepared.digest, digest);
    assert.equal(readFileSync(join(prepared.rootfs, 'app'), 'utf8'), 'binary v1');
    assert.equal(statSync(join(prepared.rootfs, 'app')).mode & 0o777, 0o755);
    assert.deepEqual(readdirSync(join(prepared.rootfs, 'etc')), ['new']);
    assert.deepEqual(prepared.config, { entrypoint: ['/app'], cmd: ['--port', '8080'], env: ['PATH=/bin', 'MODE=prod'], workingDir: '/', exposedPorts: ['8080/tcp'] });
  }

  it('imports a docker save archive with its RepoTags and unpacks it', async () => {
    const archive = join(base, `save${n}.tar`);
    const built = await dockerSaveArchive(archive, APP, ['registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1', 'app:latest']);
    const { digest, refs } = await store.importArchive(archive);
    assert.deepEqual(refs, ['registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1', 'docker.io/library/app:latest']);
    assert.equal(await store.resolve('registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1'), digest);
    assert.equal(await store.resolve('app'), digest);
    // The layers are stored as they were in the archive (uncompressed), addressed by their diff_ids.
    assert.ok(existsSync(join(dataDir, 'images/blobs/sha256', built.diffIds[0]!.slice(7))));
    await assertAppRootfs(digest);
  });

  it('imports an OCI layout directory (gzip layers) and names it with --tag', async () => {
    const layout = join(base, `layout${n}`);
    const built = await writeOciLayout(layout, { ...APP, gzip: true }, 'v1');
    // A bare ref.name tag names no repository.
    const untagged = await store.importArchive(layout);
    assert.deepEqual(untagged, { digest: built.manifestDigest, refs: [] });
    const { digest, refs } = await store.importArchive(layout, { tag: 'example.com/team/app:v1' });
    assert.equal(digest, built.manifestDigest);
    assert.deepEqual(refs, ['example.com/team/app:v1']);
    await assertAppRootfs(digest);
  });

  it('imports an OCI archive named by its ref.name annotation', async () => {
    const layout = join(base, `ocia${n}`);
    const built = await writeOciLayout(layout, APP, 'localhost/app:v2');
    const archive = join(base, `ocia${n}.tar`);
    await tarDirectory(layout, archive);
    const { digest, refs } = await store.importArchive(archive);
    assert.equal(digest, built.manifestDigest);
    assert.deepEqual(refs, ['localhost/app:v2']);
    assert.deepEqual((await store.list()).map((i) => [i.repository, i.tag, i.digest]), [['localhost/app', 'v2', digest]]);
    await assertAppRootfs(digest);
    assert.deepEqual(readdirSync(join(dataDir, 'images/blobs/tmp')), [], 'staging is cleaned up');
  });

  it('rejects an archive whose blob does not match its digest', async () => {
    const layout = join(base, `bad${n}`);
    const built = await writeOciLayout(layout, APP, 'localhost/bad:v1');
    writeFileSync(join(layout, 'blobs/sha256', sha256(built.layerBlobs[0]!).slice(7)), 'tampered');
    await assert.rejects(store.importArchive(layout), /digest mismatch/);
    assert.deepEqual(await store.list(), []);
  });

  it('rejects something that is not an image archive', async () => {
    const file = join(base, `junk${n}.tar`);
    writeFileSync(file, await tarBuffer([{ name: 'hello.txt', content: 'hi' }]));
    await assert.rejects(store.importArchive(file), /not an image archive/);
  });

  it('prepares once per digest, also across two stores racing on the same data dir', async () => {
    const layout = join(base, `race${n}`);
    const { manifestDigest } = await writeOciLayout(layout, APP, 'localhost/race:v1');
    await store.importArchive(layout);
    const other = ImageStore.open(dataDir);
    try {
      const results = await Promise.all([store.prepare(manifestDigest), store.prepare(manifestDigest), other.prepare(manifestDigest)]);
      assert.equal(new Set(results.map((r) => r.rootfs)).size, 1);
      assert.deepEqual(readdirSync(join(dataDir, 'images/rootfs')), [manifestDigest.slice(7)], 'one rootfs, no leftover temp dirs');
      await assertAppRootfs(manifestDigest);
    } finally {
      other.close();
    }
  });

  it('fails to resolve unknown images with a precise message', async () => {
    const err = await store.resolve('127.0.0.1:1/missing:v1').catch((e: unknown) => e);
    assert.ok(err instanceof ImageNotFoundError);
    assert.match(err.message, /^failed to resolve image "127\.0\.0\.1:1\/missing:v1": not found in the local store and pull failed: /);
    await assert.rejects(store.resolve('Bad_Name'), /failed to resolve image "Bad_Name": invalid reference format/);
    await assert.rejects(store.prepare('sha256:' + '0'.repeat(64)), ImageNotFoundError);
  });

  it('removes references and garbage-collects what nothing references', async () => {
    const layoutA = join(base, `rmA${n}`);
    const a = await writeOciLayout(layoutA, APP, 'localhost/a:v1');
    const layoutB = join(base, `rmB${n}`);
    const b = await writeOciLayout(layoutB, { layers: [[{ name: 'only-b', content: 'b' }]] }, 'localhost/b:v1');
    await store.importArchive(layoutA);
    await store.importArchive(layoutA, { tag: 'localhost/a:v2' });
    await store.importArchive(layoutB);
    const rootfsA = (await store.prepare(a.manifestDigest)).rootfs;

    assert.deepEqual(await store.remove('localhost/a:v1'), { untagged: ['localhost/a:v1'], deleted: [] });
    assert.ok(existsSync(rootfsA), 'still referenced by localhost/a:v2');
    const blobDir = join(dataDir, 'images/blobs/sha256');
    assert.deepEqual(await store.remove(`localhost/a@${a.manifestDigest}`), { untagged: ['localhost/a:v2'], deleted: [a.manifestDigest] });
    assert.equal(existsSync(rootfsA), false);
    assert.equal(existsSync(join(blobDir, a.manifestDigest.slice(7))), false);
    assert.equal(existsSync(join(blobDir, sha256(a.configBytes).slice(7))), false);
    assert.ok(existsSync(join(blobDir, b.manifestDigest.slice(7))));
    assert.deepEqual((await store.list()).map((i) => i.ref), ['localhost/b:v1']);
    await assert.rejects(store.remove('localhost/a:v1'), /not found in the local store/);
  });

  describe('build', () => {
    let ctx: string;
    beforeEach(() => {
      ctx = join(base, `ctx${n}`);
      mkdirSync(join(ctx, 'static/css'), { recursive: true });
      writeFileSync(join(ctx, 'server'), 'ELF...', { mode: 0o755 });
      writeFileSync(join(ctx, 'static/index.html'), '<h1>hi</h1>');
      writeFileSync(join(ctx, 'static/css/site.css'), 'body{}');
    });

    it('builds FROM scratch with COPY, ENV, WORKDIR, ENTRYPOINT, CMD, EXPOSE, USER, LABEL, ARG', async () => {
      writeFileSync(join(ctx, 'Containerfile'), [
        'FROM scratch',
        'ARG VERSION=1',
        'ENV APP_VERSION=v${VERSION} GREETING="hello world"',
        'WORKDIR /srv',
        'COPY server /usr/local/bin/server',
        'COPY static ./public/',
        'COPY --chmod=0600 static/index.html /etc/app/',
        'EXPOSE 8080',
        'USER 1000:1000',
        'LABEL org.example.version=${VERSION}',
        'ENTRYPOINT ["/usr/local/bin/server"]',
        'CMD ["--port", "8080"]',
      ].join('\n'));
      const { digest, refs } = await store.build(ctx, 'localhost/built:v1', { buildArgs: { VERSION: '2' } });
      assert.deepEqual(refs, ['localhost/built:v1']);
      assert.equal(await store.resolve('localhost/built:v1'), digest);
      const { rootfs, config } = await store.prepare(digest);
      assert.deepEqual(config, {
        entrypoint: ['/usr/local/bin/server'], cmd: ['--port', '8080'],
        env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP_VERSION=v2', 'GREETING=hello world'],
        workingDir: '/srv', user: '1000:1000', exposedPorts: ['8080/tcp'], labels: { 'org.example.version': '2' },
      });
      assert.equal(readFileSync(join(rootfs, 'usr/local/bin/server'), 'utf8'), 'ELF...');
      assert.equal(statSync(join(rootfs, 'usr/local/bin/server')).mode & 0o777, 0o755);
      assert.equal(readFileSync(join(rootfs, 'srv/public/css/site.css'), 'utf8'), 'body{}');
      assert.equal(statSync(join(rootfs, 'etc/app/index.html')).mode & 0o777, 0o600);
      const manifest = JSON.parse(readFileSync(join(dataDir, 'images/blobs/sha256', digest.slice(7)), 'utf8'));
      assert.equal(manifest.layers.length, 1);
      assert.equal(manifest.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    });

    it('builds FROM a stored image, adding one layer on top of its layers', async () => {
      const layout = join(base, `base${n}`);
      const baseImage = await writeOciLayout(layout, APP, 'localhost/base:v1');
      await store.importArchive(layout);
      writeFileSync(join(ctx, 'Dockerfile'), 'FROM localhost/base:v1\nCOPY server /app\nCOPY server /etc\nENTRYPOINT /app --shell-form\n');
      const { digest } = await store.build(ctx, 'localhost/derived:v1');
      const { rootfs, config } = await store.prepare(digest);
      assert.equal(readFileSync(join(rootfs, 'app'), 'utf8'), 'ELF...', 'the new layer overrides the base');
      assert.deepEqual(readdirSync(join(rootfs, 'etc')).sort(), ['new', 'server'], 'COPY onto a directory of the base copies into it');
      assert.deepEqual(config.entrypoint, ['/bin/sh', '-c', '/app --shell-form']);
      assert.equal(config.cmd, undefined, 'ENTRYPOINT resets the inherited CMD');
      const manifest = JSON.parse(readFileSync(join(dataDir, 'images/blobs/sha256', digest.slice(7)), 'utf8'));
      assert.equal(manifest.layers.length, 3);
      assert.deepEqual(manifest.layers.slice(0, 2).map((l: { digest: string }) => l.digest), baseImage.layerBlobs.map(sha256));
      const imageConfig = JSON.parse(readFileSync(join(dataDir, 'images/blobs/sha256', manifest.config.digest.slice(7)), 'utf8'));
      assert.deepEqual(imageConfig.history.map((h: { empty_layer?: boolean }) => !!h.empty_layer), [true, false, true], 'one history entry carries the new layer');
    });

    it('checks the dev.ksrv.host-paths label at build time (and only the label)', async () => {
      writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY server /app\nLABEL dev.ksrv.host-paths="/usr /etc"\n');
      await assert.rejects(store.build(ctx, 'localhost/x:v1'), /Containerfile:3: dev\.ksrv\.host-paths: "\/etc" may not be shared/);
      writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY server /app\nENV dev.ksrv.host-paths=/etc\nLABEL dev.ksrv.host-paths="/usr /lib"\n');
      const { digest } = await store.build(ctx, 'localhost/x:v1');
      const prepared = await store.prepare(digest);
      assert.equal(prepared.config.labels?.['dev.ksrv.host-paths'], '/usr /lib');
      assert.ok(prepared.config.env?.includes('dev.ksrv.host-paths=/etc'), 'an ENV of the same name is just a variable');
    });

    it('rejects RUN with the reason and the line, and COPY from outside the context', async () => {
      writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY server /app\nRUN go build ./...\n');
      await assert.rejects(store.build(ctx, 'localhost/x:v1'), {
        message: 'Containerfile:3: RUN is not supported: ksrv builds images without running containers; build the binary on the host and COPY it in',
      });
      writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY ../secret /x\n');
      await assert.rejects(store.build(ctx, 'localhost/x:v1'), /Containerfile:2: .*outside the build context/);
      symlinkSync(base, join(ctx, 'escape'));
      writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY escape/ /x\n');
      await assert.rejects(store.build(ctx, 'localhost/x:v1'), /Containerfile:2: .*outside the build context/);
      writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nADD https://example.com/x /x\n');
      await assert.rejects(store.build(ctx, 'localhost/x:v1'), /Containerfile:2: ADD of URLs is not supported/);
      writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY missing /x\n');
      await assert.rejects(store.build(ctx, 'localhost/x:v1'), /Containerfile:2: COPY failed: "missing" not found/);
      assert.deepEqual(await store.list(), []);
    });

    it('ADD extracts a local tar archive', async () => {
      writeFileSync(join(ctx, 'bundle.tar'), await tarBuffer([{ name: 'lib/', type: 'directory' }, { name: 'lib/mod.js', content: 'x' }]));
      writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nADD bundle.tar /opt/\n');
      const { digest } = await store.build(ctx, 'localhost/add:v1');
      const { rootfs } = await store.prepare(digest);
      assert.equal(readFileSync(join(rootfs, 'opt/lib/mod.js'), 'utf8'), 'x');
    });
  });
});
