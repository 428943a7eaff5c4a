/**
 * Test support: the autoscale workload (test/fixtures/apps/autoscale, after Knative's autoscale
 * test image: ?sleep=MS, ?prime=N, ?bloat=MB) built once per source version, and a directory
 * rootfs holding it for the process runtime.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageConfig } from '../../image/image.ts';

export const AUTOSCALE_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/apps/autoscale');

let built: string | undefined;

/** Builds the app (CGO_ENABLED=0, static) into a cache dir keyed by its source hash; returns the binary path. */
export function buildAutoscaleApp(): string {
  if (built) return built;
  const hash = createHash('sha256');
  for (const file of ['main.go', 'go.mod']) hash.update(readFileSync(join(AUTOSCALE_APP_DIR, file)));
  hash.update(execFileSync('go', ['version']));
  const dir = join(tmpdir(), 'ksrv-test-cache', `autoscale-${hash.digest('hex').slice(0, 16)}`);
  const binary = join(dir, 'autoscale');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    const result = spawnSync('go', ['build', '-trimpath', '-o', partial, '.'], {
      cwd: AUTOSCALE_APP_DIR, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' }, encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`go build failed: ${result.stderr}`);
    renameSync(partial, binary);
  }
  built = binary;
  return binary;
}

/** A rootfs dir with the app at /autoscale, /etc/passwd + /etc/group (root, app=1000) and /tmp. */
export function makeAutoscaleRootfs(dir: string, binary = buildAutoscaleApp()): string {
  mkdirSync(join(dir, 'etc'), { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  copyFileSync(binary, join(dir, 'autoscale'));
  chmodSync(join(dir, 'autoscale'), 0o755);
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1001:app:/app:/sbin/nologin\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\napp:x:1001:\n');
  return dir;
}

export const AUTOSCALE_IMAGE_CONFIG: ImageConfig = { entrypoint: ['/autoscale'], env: ['PATH=/usr/bin:/bin'], workingDir: '/', exposedPorts: ['8080/tcp'] };
