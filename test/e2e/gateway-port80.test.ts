/**
 * Issue 4: `ksrv up --gateway-address 127.0.0.1:80`, so the seed's run-test.sh and
 * latest-run-test.sh (test/fixtures/seed/, unmodified) work exactly as written against Istio:
 * `curl -H "Host: …" http://$GATEWAY_IP` with the address read from istio-ingressgateway's status.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildExampleApp, sandboxTestsSkipReason } from '../../src/runtime/process/testing/example-app.ts';
import { FIXTURES, Ksrv, ROOT, run } from './harness.ts';

const IMAGE = 'registry.cn-hangzhou.aliyuncs.com/knative-sample/rest-api-go:v1';
const SVC = 'stock-service-example';
const seed = (f: string) => join(FIXTURES, 'seed', f);

/** Why 127.0.0.1:80 cannot be bound here (taken, or no privilege), or undefined when it can. */
function port80SkipReason(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(
      err.code === 'EADDRINUSE' ? '127.0.0.1:80 is taken by another process'
        : err.code === 'EACCES' ? 'binding port 80 needs root (or CAP_NET_BIND_SERVICE)'
          : `cannot bind 127.0.0.1:80: ${err.message}`,
    ));
    probe.listen(80, '127.0.0.1', () => probe.close(() => resolve(undefined)));
  });
}

const skip = sandboxTestsSkipReason() ?? await port80SkipReason();

async function buildImage(dataDir: string): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), 'ksrv-img-'));
  try {
    copyFileSync(buildExampleApp(), join(ctx, 'rest-api'));
    writeFileSync(join(ctx, 'Containerfile'), 'FROM scratch\nCOPY rest-api /rest-api\nENTRYPOINT ["/rest-api"]\n');
    const r = await run(join(ROOT, 'bin/ksrv'), ['image', 'build', ctx, '--tag', IMAGE, '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

describe('the gateway on port 80: the seed scripts, unmodified', { skip }, () => {
  const ksrv = new Ksrv();

  before(async () => {
    await buildImage(ksrv.dataDir);
    await ksrv.start(['--gateway-address', '127.0.0.1:80']);
  });
  after(async () => { await ksrv.cleanup(); });

  const script = async (name: string) => {
    const r = await run('bash', [seed(name)], { env: ksrv.env() });
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    return r.stdout;
  };
  const apply = async (file: string) => {
    await ksrv.k('apply', '-f', seed(file));
    await ksrv.k('wait', '--for=condition=Ready', `ksvc/${SVC}`, '--timeout=60s');
  };

  it('istio-ingressgateway reports the bare IP, as a LoadBalancer on port 80 would', async () => {
    assert.equal(ksrv.gatewayUrl, 'http://127.0.0.1:80');
    assert.equal(await ksrv.k('get', 'svc', 'istio-ingressgateway', '--namespace', 'istio-system', '--output', "jsonpath={.status.loadBalancer.ingress[*]['ip']}"), '127.0.0.1');
  });

  it('run-test.sh answers v1 after revision-v1.yaml', async () => {
    await apply('revision-v1.yaml');
    assert.equal(await script('run-test.sh'), 'Welcome to the v1 app! \n');
  });

  it('latest-run-test.sh answers v3 after revision-v3.yaml, while run-test.sh stays on v1/v2', async () => {
    await apply('revision-v2.yaml');
    await apply('revision-v3.yaml');
    assert.equal(await script('latest-run-test.sh'), 'Welcome to the v3 app! \n');
    for (let i = 0; i < 10; i++) assert.match(await script('run-test.sh'), /^Welcome to the v[12] app! \n$/);
  });
});
