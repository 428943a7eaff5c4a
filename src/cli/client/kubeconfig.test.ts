import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderKubeconfig } from '../../platform/kubeconfig.ts';
import { kubeconfigPath, loadKubeconfig, parseKubeconfig } from './kubeconfig.ts';

describe('kubeconfig', () => {
  it('reads what ksrv up writes', () => {
    const text = renderKubeconfig({ server: 'https://127.0.0.1:6443', caCert: 'PEM', token: 'secret', namespace: 'team' });
    assert.deepEqual(parseKubeconfig(text, '/x/kubeconfig'), {
      server: 'https://127.0.0.1:6443', ca: 'PEM', insecureSkipTlsVerify: false, token: 'secret',
      clientCert: undefined, clientKey: undefined, namespace: 'team', path: '/x/kubeconfig',
    });
  });

  it('defaults the namespace and reports a missing context', () => {
    const text = renderKubeconfig({ server: 'https://h:1', caCert: 'PEM', token: 't' }).replace('namespace: default', '');
    assert.equal(parseKubeconfig(text, 'k').namespace, 'default');
    assert.throws(() => parseKubeconfig(text, 'k', 'other'), { message: 'context "other" not found in kubeconfig k' });
  });

  it('precedence: flag, then $KUBECONFIG (first existing), then ~/.ksrv/kubeconfig', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksrv-kc-'));
    try {
      const b = join(dir, 'b');
      writeFileSync(b, '');
      assert.equal(kubeconfigPath('/flag', { KUBECONFIG: b }), '/flag');
      assert.equal(kubeconfigPath(undefined, { KUBECONFIG: `${join(dir, 'a')}:${b}` }), b);
      assert.equal(kubeconfigPath(undefined, { HOME: '/home/u' }), '/home/u/.ksrv/kubeconfig');
      assert.throws(() => loadKubeconfig(join(dir, 'none')), /cannot read kubeconfig .*none: no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
