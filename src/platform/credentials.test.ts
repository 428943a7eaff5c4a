import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadOrCreateCredentials } from './credentials.ts';
import { writeKubeconfig } from './kubeconfig.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'ksrv-credentials-test-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('secret file modes', () => {
  it('keeps pki 0700 and the token and key 0600, tightening ones left loose', () => {
    const pki = join(dataDir, 'pki');
    const first = loadOrCreateCredentials(dataDir, '127.0.0.1');
    assert.equal(mode(pki), 0o700);
    assert.equal(mode(join(pki, 'token')), 0o600);
    assert.equal(mode(join(pki, 'apiserver.key')), 0o600);

    chmodSync(pki, 0o755);
    chmodSync(join(pki, 'token'), 0o644);
    chmodSync(join(pki, 'apiserver.key'), 0o644);
    const again = loadOrCreateCredentials(dataDir, '127.0.0.1');
    assert.equal(again.token, first.token);
    assert.equal(mode(pki), 0o700);
    assert.equal(mode(join(pki, 'token')), 0o600);
    assert.equal(mode(join(pki, 'apiserver.key')), 0o600);
  });

  it('writes the kubeconfig 0600, also over an existing world-readable file', () => {
    const path = join(dataDir, 'kubeconfig');
    writeFileSync(path, 'old\n', { mode: 0o644 });
    chmodSync(path, 0o644);
    writeKubeconfig(path, { server: 'https://127.0.0.1:6443', caCert: 'CA', token: 'secret-token' });
    assert.equal(mode(path), 0o600);
  });
});
