/** Writes the kubeconfig that points kubectl (and the ksrv CLI) at this ksrv. */
import { chmodSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;     // https://127.0.0.1:6443
  caCert: string;     // PEM
  token: string;
  namespace?: string;
}

export function renderKubeconfig(o: KubeconfigOptions): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'ksrv', cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.caCert).toString('base64') } }],
    users: [{ name: 'ksrv-admin', user: { token: o.token } }],
    contexts: [{ name: 'ksrv', context: { cluster: 'ksrv', user: 'ksrv-admin', namespace: o.namespace ?? 'default' } }],
    'current-context': 'ksrv',
    preferences: {},
  });
}

export function writeKubeconfig(path: string, o: KubeconfigOptions): void {
  writeFileSync(path, renderKubeconfig(o), { mode: 0o600 });
  // It holds the token: an existing file keeps its mode on write, so set it.
  chmodSync(path, 0o600);
}
