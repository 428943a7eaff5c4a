/**
 * Test support: the example app (test/fixtures/apps/rest-api) built once per source version, a
 * directory rootfs holding it, and an ImageResolver that maps references to such rootfs dirs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageNotFoundError, type ImageConfig, type ImageResolver, type PreparedImage } from '../../image/image.ts';
import { detectHostSupport, findExecutable } from '../../sandbox/host-support.ts';

export const EXAMPLE_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/apps/rest-api');

/** Why the sandbox tests cannot run here, or undefined when they can. */
export function sandboxTestsSkipReason(): string | undefined {
  if (!findExecutable('go')) return 'needs go to build the example app';
  const support = detectHostSupport();
  if (!support.tools) return `needs root + bwrap + ip + nsenter: ${support.degradedReason}`;
  if (!support.tools.setpriv) return 'needs setpriv (util-linux)';
  return undefined;
}

let built: string | undefined;

/** Builds the example app (CGO_ENABLED=0, static) into a cache dir keyed by its source hash; returns the binary path. */
export function buildExampleApp(): string {
  if (built) return built;
  const hash = createHash('sha256');
  for (const file of ['main.go', 'go.mod']) hash.update(readFileSync(join(EXAMPLE_APP_DIR, file)));
  hash.update(execFileSync('go', ['version']));
  const dir = join(tmpdir(), 'ksrv-test-cache', `rest-api-${hash.digest('hex').slice(0, 16)}`);
  const binary = join(dir, 'rest-api');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    const result = spawnSync('go', ['build', '-trimpath', '-o', partial, '.'], {
      cwd: EXAMPLE_APP_DIR, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' }, encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`go build failed: ${result.stderr}`);
    renameSync(partial, binary);
  }
  built = binary;
  return binary;
}

/** A rootfs dir with the app at /rest-api, /etc/passwd + /etc/group (root, app=1000), /tmp and /app. */
export function makeExampleRootfs(dir: string, binary = buildExampleApp()): string {
  mkdirSync(join(dir, 'etc'), { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  mkdirSync(join(dir, 'app'), { recursive: true });
  copyFileSync(binary, join(dir, 'rest-api'));
  chmodSync(join(dir, 'rest-api'), 0o755);
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1001:app:/app:/sbin/nologin\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\napp:x:1001:\nother:x:2000:\n');
  writeFileSync(join(dir, 'app/hello.txt'), 'hello from the image\n');
  return dir;
}

export const EXAMPLE_IMAGE_CONFIG: ImageConfig = { entrypoint: ['/rest-api'], env: ['PATH=/usr/bin:/bin', 'RESOURCE=stock'], workingDir: '/', exposedPorts: ['8080/tcp'] };

/** Maps references to prepared images; unknown references throw ImageNotFoundError like a registry 404. */
export class FakeImageResolver implements ImageResolver {
  private readonly byDigest = new Map<string, PreparedImage>();
  private readonly byRef = new Map<string, string>();
  resolveCalls = 0;

  add(ref: string, rootfs: string, config: ImageConfig = EXAMPLE_IMAGE_CONFIG): string {
    const digest = `sha256:${createHash('sha256').update(`${ref}\n${rootfs}\n${JSON.stringify(config)}`).digest('hex')}`;
    this.byDigest.set(digest, { digest, rootfs, config });
    this.byRef.set(ref, digest);
    return digest;
  }

  async resolve(ref: string): Promise<string> {
    this.resolveCalls++;
    const digest = this.byRef.get(ref);
    if (!digest) throw new ImageNotFoundError(ref, 'MANIFEST_UNKNOWN: manifest unknown');
    return digest;
  }

  async prepare(digest: string): Promise<PreparedImage> {
    const image = this.byDigest.get(digest);
    if (!image) throw new ImageNotFoundError(digest, 'digest not stored');
    return image;
  }
}

/** A Revision object as the revision reconciler would pass it. */
export function revisionObject(name: string, container: Record<string, unknown>, extra: { namespace?: string; annotations?: Record<string, string>; timeoutSeconds?: number } = {}): any {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: {
      name, namespace: extra.namespace ?? 'default', annotations: extra.annotations ?? {},
      labels: { 'serving.knative.dev/configuration': name.replace(/-\d+$/, ''), 'serving.knative.dev/service': name.replace(/-\d+$/, '') },
    },
    spec: { containers: [{ name: 'user-container', ...container }], timeoutSeconds: extra.timeoutSeconds ?? 300 },
  };
}
