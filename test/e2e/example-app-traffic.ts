/**
 * Shared by the e2e tests that send requests through the real gateway to the example app: the
 * app's image built with `ksrv image build`, requests with a Host header, which app answered,
 * and the gateway's (or dashboard's) Prometheus counters per revision.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { buildExampleApp } from '../../src/runtime/process/testing/example-app.ts';
import { ROOT, run } from './harness.ts';

export const IMAGE = 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1';

export interface StaticImage {
  /** Host path of a static binary to put at `/${name}` as the entrypoint. */
  binary: string;
  name: string;
  tag: string;
  /** A LABEL line's value, to make images of the same binary differ (tag moves). */
  label?: string;
}

/** Builds a FROM-scratch image of one static binary into the data dir with `ksrv image build`; returns its digest. */
export async function buildStaticImage(dataDir: string, image: StaticImage): Promise<string> {
  const ctx = mkdtempSync(join(tmpdir(), 'ksrv-img-'));
  try {
    copyFileSync(image.binary, join(ctx, image.name));
    const label = image.label ? `LABEL build=${image.label}\n` : '';
    writeFileSync(join(ctx, 'Containerfile'), `FROM scratch\n${label}COPY ${image.name} /${image.name}\nENTRYPOINT ["/${image.name}"]\n`);
    const r = await run(join(ROOT, 'bin/ksrv'), ['image', 'build', ctx, '--tag', image.tag, '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    return /\((sha256:[0-9a-f]{64})\)/.exec(r.stdout)![1]!;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** Builds the example app's image into the data dir, as a user would with `ksrv image build`. */
export function buildExampleImage(dataDir: string, tag = IMAGE, label?: string): Promise<string> {
  return buildStaticImage(dataDir, { binary: buildExampleApp(), name: 'rest-api', tag, label });
}

/** Which app answered ("v1" from "Welcome to the v1 app! \n"). */
export const appOf = (body: string) => /^Welcome to the (\S+) app! \n$/.exec(body)?.[1];

export const tally = (apps: string[]) => apps.reduce<Record<string, number>>((m, a) => ({ ...m, [a]: (m[a] ?? 0) + 1 }), {});

/** One GET to `base` with a given Host header (the gateway routes by it). */
export function getWithHost(base: URL, host: string, path = '/', agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, headers: { host }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Requests to the gateway with a given Host header, counting the answers per app. */
export class GatewayClient {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  /** Successful answers per app since the start. */
  readonly answered: Record<string, number> = {};

  constructor(readonly base: URL) {}

  get(host: string, path = '/'): Promise<{ status: number; body: string }> {
    return getWithHost(this.base, host, path, this.agent);
  }

  /** `n` requests in a row to `host`; every one must answer 200 from the example app. Returns the apps in order. */
  async sequence(host: string, n: number): Promise<string[]> {
    const apps: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await this.get(host);
      const app = appOf(r.body);
      assert.ok(r.status === 200 && app, `request ${i} to ${host}: ${r.status} ${r.body.slice(0, 200)}`);
      this.answered[app] = (this.answered[app] ?? 0) + 1;
      apps.push(app);
    }
    return apps;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Finished requests per revision (all status classes) in a Prometheus text exposition, parsed with a real parser. */
export function requestsPerRevision(exposition: string, namespace = 'default'): Record<string, number> {
  const families = parsePrometheusTextFormat(exposition);
  const requests = families.find((f) => f.name === 'ksrv_gateway_requests_total');
  assert.ok(requests, 'ksrv_gateway_requests_total is exposed');
  assert.equal(requests.type, 'COUNTER');
  const out: Record<string, number> = {};
  for (const m of requests.metrics as { labels: Record<string, string>; value: string }[]) {
    if (m.labels.namespace !== namespace) continue;
    out[m.labels.revision!] = (out[m.labels.revision!] ?? 0) + Number(m.value);
  }
  return out;
}
