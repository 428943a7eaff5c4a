/**
 * Bench support: the whole of ksrv in this process (startPlatform, process runtime) on a temp data
 * dir with a config.yaml, the autoscale workload as image `bench/autoscale:v1` (built with
 * `ksrv image build`), Services created through the registry, plain HTTP through the gateway.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KObject } from '../../src/apis/meta.ts';
import { RevisionType, ServiceType } from '../../src/apis/resources.ts';
import { startPlatform, type Platform } from '../../src/platform/platform.ts';
import { buildAutoscaleApp } from '../../src/runtime/process/testing/autoscale-app.ts';
import { sandboxTestsSkipReason } from '../../src/runtime/process/testing/example-app.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const IMAGE = 'bench/autoscale:v1';

/** Exits with a message when sandboxed instances cannot run here. */
export function requireSandbox(bench: string): void {
  const skip = sandboxTestsSkipReason();
  if (skip) {
    console.log(`${bench} bench skipped: ${skip}`);
    process.exit(0);
  }
}

export function buildImage(dataDir: string): void {
  const ctx = mkdtempSync(join(tmpdir(), 'ksrv-bench-img-'));
  try {
    copyFileSync(buildAutoscaleApp(), join(ctx, 'autoscale'));
    writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY autoscale /autoscale\nENTRYPOINT ["/autoscale"]\n');
    const r = spawnSync(join(ROOT, 'bin/ksrv'), ['image', 'build', ctx, '--tag', IMAGE, '--data-dir', dataDir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ksrv image build failed: ${r.stderr}`);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

export interface BenchPlatform {
  platform: Platform;
  gateway: URL;
  createService(name: string, annotations?: Record<string, string>, spec?: Record<string, unknown>): Promise<void>;
  /** Resolves when the Service's latest revision is Ready. */
  ready(name: string): Promise<void>;
  revision(name: string): Promise<KObject>;
  get(host: string, path?: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function pollUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 120_000, everyMs = 5): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function startBenchPlatform(configYaml: string): Promise<BenchPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ksrv-bench-'));
  chmodSync(dataDir, 0o755);
  writeFileSync(join(dataDir, 'config.yaml'), configYaml);
  buildImage(dataDir);
  const platform = await startPlatform({
    dataDir, api: { host: '127.0.0.1', port: 0 }, gateway: { host: '127.0.0.1', port: 0 }, domain: 'example.com', runtime: 'process',
  });
  const gateway = new URL(platform.gatewayUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const client = platform.registry;
  return {
    platform, gateway,
    async createService(name, annotations = {}, spec = {}) {
      await client.create(ServiceType, {
        apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name, namespace: 'default' },
        spec: { template: { metadata: { annotations }, spec: { ...spec, containers: [{ image: IMAGE }] } } },
      } as KObject);
    },
    async ready(name) {
      await pollUntil(`${name} Ready`, async () => {
        const s = await client.get(ServiceType, 'default', name);
        const ready = s.status?.conditions?.find((c: any) => c.type === 'Ready');
        if (ready?.status === 'False') throw new Error(`${name}: ${ready.message}`);
        return s.status?.observedGeneration === s.metadata.generation && ready?.status === 'True';
      }, 120_000, 20);
    },
    revision: (name) => client.get(RevisionType, 'default', name),
    get(host, path = '/') {
      return new Promise((res, rej) => {
        const req = request({ host: gateway.hostname, port: gateway.port, path, headers: { host }, agent }, (r) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (d) => { body += d; });
          r.on('end', () => res({ status: r.statusCode!, body }));
        });
        req.on('error', rej);
        req.end();
      });
    },
    async close() {
      agent.destroy();
      await platform.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
