import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { AuthFileCredentials } from './credentials.ts';
import { removeTree } from './fs-util.ts';
import { ImageStore } from './image-store.ts';
import { MediaType } from './oci.ts';
import { parseChallenge, transportAllowed } from './registry-client.ts';
import { buildFixtureImage, sha256, type BuiltImage } from './testing/fixtures.ts';

type AuthMode = 'none' | 'basic' | 'bearer';

/** A minimal registry serving one repository, with optional basic or bearer authentication. */
class FakeRegistry {
  readonly manifests = new Map<string, { type: string; body: Buffer }>();
  readonly blobs = new Map<string, Buffer>();
  readonly log: string[] = [];
  auth: AuthMode = 'none';
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  addImage(tag: string, image: BuiltImage): void {
    this.manifests.set(tag, { type: MediaType.ociManifest, body: image.manifestBytes });
    this.manifests.set(image.manifestDigest, { type: MediaType.ociManifest, body: image.manifestBytes });
    this.blobs.set(sha256(image.configBytes), image.configBytes);
    for (const b of image.layerBlobs) this.blobs.set(sha256(b), b);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url!, `http://${req.headers.host}`);
    this.log.push(`${req.method} ${url.pathname} ${req.headers.authorization ?? '-'}`);
    if (url.pathname === '/token') {
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) return void res.writeHead(401).end();
      assert.equal(url.searchParams.get('scope'), 'repository:team/app:pull');
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-123' }));
    }
    const expected = this.auth === 'basic' ? `Basic ${Buffer.from('alice:s3cret').toString('base64')}` : this.auth === 'bearer' ? 'Bearer tok-123' : undefined;
    if (expected && req.headers.authorization !== expected) {
      const challenge = this.auth === 'basic'
        ? 'Basic realm="fake"'
        : `Bearer realm="http://127.0.0.1:${this.port}/token",service="fake",scope="repository:team/app:pull"`;
      return void res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    }
    const m = /^\/v2\/team\/app\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    const found = m && (m[1] === 'manifests' ? this.manifests.get(m[2]!) : this.blobs.get(m[2]!));
    if (!m || !found) {
      return void res.writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: m?.[1] === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN', message: 'unknown' }] }));
    }
    if (Buffer.isBuffer(found)) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(found);
    res.writeHead(200, { 'content-type': found.type, 'docker-content-digest': sha256(found.body) }).end(found.body);
  }
}

describe('pulling from a registry', () => {
  let base: string;
  let registry: FakeRegistry;
  let store: ImageStore | undefined;
  let image: BuiltImage;
  let n = 0;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'ksrv-pull-'));
    registry = new FakeRegistry();
    await registry.start();
    image = await buildFixtureImage({ layers: [[{ name: 'app', content: 'pulled', mode: 0o755 }]], gzip: true });
    registry.addImage('v1', image);
  });
  after(async () => {
    await registry.stop();
    await removeTree(base);
  });
  afterEach(() => {
    store?.close();
    registry.auth = 'none';
    registry.log.length = 0;
  });

  function openStore(): { store: ImageStore; dataDir: string } {
    const dataDir = join(base, `d${n++}`);
    store = ImageStore.open(dataDir);
    return { store, dataDir };
  }

  it('pulls anonymously over http from a loopback registry, then resolves locally', async () => {
    const { store } = openStore();
    const ref = `127.0.0.1:${registry.port}/team/app:v1`;
    assert.equal(await store.resolve(ref), image.manifestDigest);
    const requests = registry.log.length;
    assert.equal(await store.resolve(ref), image.manifestDigest);
    assert.equal(registry.log.length, requests, 'the second resolve does not touch the registry');
    const { rootfs } = await store.prepare(image.manifestDigest);
    assert.equal(readFileSync(join(rootfs, 'app'), 'utf8'), 'pulled');
  });

  it('answers a basic challenge with credentials from DATA_DIR/auth.json', async () => {
    registry.auth = 'basic';
    const { store, dataDir } = openStore();
    const ref = `127.0.0.1:${registry.port}/team/app:v1`;
    await assert.rejects(store.pull(ref), /authentication required and no credentials found/);
    writeFileSync(join(dataDir, 'auth.json'), JSON.stringify({ auths: { [`127.0.0.1:${registry.port}`]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
    assert.equal((await store.pull(ref)).digest, image.manifestDigest);
  });

  it('obtains a bearer token from the challenge realm', async () => {
    registry.auth = 'bearer';
    const { store, dataDir } = openStore();
    writeFileSync(join(dataDir, 'auth.json'), JSON.stringify({ auths: { [`http://127.0.0.1:${registry.port}/team`]: { username: 'alice', password: 's3cret' } } }));
    const { digest } = await store.pull(`127.0.0.1:${registry.port}/team/app:v1`);
    assert.equal(digest, image.manifestDigest);
    assert.equal(registry.log.filter((l) => l.startsWith('GET /token')).length, 1, 'one token for the whole pull');
    assert.ok(registry.log.some((l) => l.includes('/blobs/') && l.endsWith('Bearer tok-123')));
  });

  it('picks the host platform from an index and records the index digest', async () => {
    const other = await buildFixtureImage({ layers: [[{ name: 'app', content: 'other arch' }]] });
    registry.addImage('other', other);
    const host = process.arch === 'arm64' ? 'arm64' : 'amd64';
    const foreign = host === 'amd64' ? 'arm64' : 'amd64';
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MediaType.ociIndex,
      manifests: [
        { mediaType: MediaType.ociManifest, digest: other.manifestDigest, size: other.manifestBytes.length, platform: { os: 'linux', architecture: foreign } },
        { mediaType: MediaType.ociManifest, digest: image.manifestDigest, size: image.manifestBytes.length, platform: { os: 'linux', architecture: host } },
      ],
    }));
    registry.manifests.set('multi', { type: MediaType.ociIndex, body: index });
    const { store } = openStore();
    const digest = await store.resolve(`127.0.0.1:${registry.port}/team/app:multi`);
    assert.equal(digest, sha256(index));
    const { rootfs } = await store.prepare(digest);
    assert.equal(readFileSync(join(rootfs, 'app'), 'utf8'), 'pulled');
    assert.equal(registry.log.some((l) => l.includes(other.manifestDigest)), false, 'the other platform is not fetched');
  });

  it('refuses a blob whose content does not match its digest', async () => {
    const bad = await buildFixtureImage({ layers: [[{ name: 'x', content: 'genuine' }]] });
    registry.addImage('bad', bad);
    registry.blobs.set(sha256(bad.layerBlobs[0]!), Buffer.from('tampered'));
    const { store } = openStore();
    await assert.rejects(store.resolve(`127.0.0.1:${registry.port}/team/app:bad`), /pull failed: .*digest mismatch/);
    assert.deepEqual(await store.list(), []);
  });

  it('reports registry errors', async () => {
    const { store } = openStore();
    await assert.rejects(store.pull(`127.0.0.1:${registry.port}/team/app:nope`), /404 MANIFEST_UNKNOWN: unknown/);
  });
});

describe('credentials and challenges', () => {
  it('parses WWW-Authenticate challenges', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'), {
      scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
    });
    assert.deepEqual(parseChallenge('Basic realm=x'), { scheme: 'basic', params: { realm: 'x' } });
  });

  it('allows plain http only from a loopback registry to loopback (redirects, token realms)', () => {
    assert.ok(transportAllowed('127.0.0.1:5000', new URL('http://127.0.0.1:5000/v2/x')));
    assert.ok(transportAllowed('localhost:5000', new URL('http://127.0.0.1:9000/token')));
    assert.ok(transportAllowed('registry.example.com', new URL('https://cdn.example.net/blob')));
    assert.ok(transportAllowed('127.0.0.1:5000', new URL('https://cdn.example.net/blob')));
    // A remote registry may not send the client to a local service in the clear.
    assert.ok(!transportAllowed('registry.example.com', new URL('http://127.0.0.1:8090/metrics')));
    assert.ok(!transportAllowed('registry-1.docker.io', new URL('http://localhost:6443/')));
    assert.ok(!transportAllowed('127.0.0.1:5000', new URL('http://cdn.example.net/blob')));
    assert.ok(!transportAllowed('127.0.0.1:5000', new URL('file:///etc/passwd')));
  });

  it('matches auth.json keys by host, URL or repository prefix (longest wins)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksrv-auth-'));
    try {
      const file = join(dir, 'auth.json');
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      writeFileSync(file, JSON.stringify({ auths: {
        'https://index.docker.io/v1/': { auth: b64('hub:1') },
        'quay.io': { auth: b64('quay:2') },
        'quay.io/team': { auth: b64('team:3') },
      } }));
      const creds = new AuthFileCredentials(file);
      assert.deepEqual(creds.lookup('docker.io', 'library/nginx'), { username: 'hub', password: '1' });
      assert.deepEqual(creds.lookup('quay.io', 'other/app'), { username: 'quay', password: '2' });
      assert.deepEqual(creds.lookup('quay.io', 'team/app'), { username: 'team', password: '3' });
      assert.equal(creds.lookup('ghcr.io', 'x/y'), undefined);
    } finally {
      await removeTree(dir);
    }
  });
});
