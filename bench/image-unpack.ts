/**
 * First unpack of a ~10 MB image: `ksrv image build` an image holding the example app plus 10 MB
 * of incompressible data (one gzip layer), then time ImageStore.prepare() of its digest — the
 * layer unpack a revision pays once per digest — over 5 fresh stores, against `tar -xzf` of the
 * same layer blob as the reference.   Run: node --import tsx bench/image-unpack.ts
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore } from '../src/runtime/image/image-store.ts';
import { buildExampleApp } from '../src/runtime/process/testing/example-app.ts';

const TRIALS = 5;
const work = mkdtempSync(join(tmpdir(), 'ksrv-unpack-bench-'));
try {
  const ctx = join(work, 'ctx');
  mkdirSync(join(ctx, 'data'), { recursive: true });
  copyFileSync(buildExampleApp(), join(ctx, 'rest-api'));
  for (let i = 0; i < 10; i++) writeFileSync(join(ctx, 'data', `blob-${i}`), randomBytes(1024 * 1024));
  writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY rest-api /rest-api\nCOPY data /data\nENTRYPOINT ["/rest-api"]\n');

  const ksrvMs: number[] = [];
  const tarMs: number[] = [];
  let layerBytes = 0;
  for (let t = 0; t < TRIALS; t++) {
    const dataDir = join(work, `store-${t}`);
    const store = ImageStore.open(dataDir);
    try {
      const { digest } = await store.build(ctx, 'ksrv.local/unpack-bench:v1');
      const start = performance.now();
      await store.prepare(digest);
      ksrvMs.push(performance.now() - start);
      // Reference: the same gzip layer through tar.
      const manifest = JSON.parse(readFileSync(join(dataDir, 'images/blobs/sha256', digest.slice(7)), 'utf8'));
      const layer = join(dataDir, 'images/blobs/sha256', manifest.layers[0].digest.slice(7));
      layerBytes = statSync(layer).size;
      const out = join(work, `tar-${t}`);
      mkdirSync(out);
      const tarStart = performance.now();
      execFileSync('tar', ['-xzf', layer, '-C', out]);
      tarMs.push(performance.now() - tarStart);
    } finally {
      store.close();
    }
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  console.log(`image unpack benchmark: one ${(layerBytes / 1e6).toFixed(1)} MB gzip layer, ${TRIALS} fresh stores`);
  console.log(`  ksrv prepare (first unpack):  median ${med(ksrvMs).toFixed(1)} ms  (min ${Math.min(...ksrvMs).toFixed(1)}, max ${Math.max(...ksrvMs).toFixed(1)})`);
  console.log(`  tar -xzf of the same layer:   median ${med(tarMs).toFixed(1)} ms   ratio ${(med(ksrvMs) / med(tarMs)).toFixed(2)}x`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
