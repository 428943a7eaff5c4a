/**
 * Issue 4: `ksrv up --gateway-address 127.0.0.1:80`, so the seed's run-test.sh and
 * latest-run-test.sh (test/fixtures/seed/, unmodified) work exactly as written against Istio:
 * `curl -H "Host: …" http://$GATEWAY_IP` with the address read from istio-ingressgateway's status.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sandboxTestsSkipReason } from '../../src/runtime/process/testing/example-app.ts';
import { buildExampleImage } from './example-app-traffic.ts';
import { FIXTURES, Ksrv, run } from './harness.ts';

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


describe('the gateway on port 80: the seed scripts, unmodified', { skip }, () => {
  const ksrv = new Ksrv();

  before(async () => {
    await buildExampleImage(ksrv.dataDir);
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
