/** The connection flags every API command takes, and the client they select. */
import type { Command } from 'commander';
import { loadKubeconfig } from './kubeconfig.ts';
import { ServingClient } from './serving-client.ts';

export interface ConnectionFlags { kubeconfig?: string; namespace?: string }

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, else ~/.ksrv/kubeconfig)')
    .option('-n, --namespace <namespace>', "namespace (default: the kubeconfig context's namespace)");
}

/** Runs `fn` with a client for the flags, closing its connections afterwards. */
export async function withClient<T>(flags: ConnectionFlags, fn: (client: ServingClient) => Promise<T>): Promise<T> {
  const connection = loadKubeconfig(flags.kubeconfig);
  const client = new ServingClient(connection, flags.namespace || connection.namespace);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
