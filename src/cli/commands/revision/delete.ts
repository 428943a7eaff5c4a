/** `ksrv revision delete NAME... | --prune SERVICE | --prune-all`: pruning removes revisions no route uses. */
import { Command } from 'commander';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../../client/options.ts';
import { stdout, type Out } from '../service/wait-output.ts';
import { sortRevisions } from './traffic-of.ts';

interface DeleteFlags extends ConnectionFlags { prune?: string; pruneAll?: boolean }

export function revisionDeleteCommand(out: Out = stdout): Command {
  return addConnectionOptions(new Command('delete')
    .description('delete revisions')
    .argument('[names...]', 'revision names')
    .option('--prune <service>', 'delete the revisions of SERVICE that no route references')
    .option('--prune-all', 'delete every revision of the namespace that no route references'))
    .action(async (names: string[], flags: DeleteFlags) => {
      const prune = flags.prune !== undefined;
      if (names.length === 0 && !prune && !flags.pruneAll) throw new Error("'revision delete' requires one or more revision name");
      if (names.length > 0 && (prune || flags.pruneAll)) throw new Error("'revision delete' with --prune or --prune-all flag requires no arguments");
      await withClient(flags, async (client) => {
        if (prune || flags.pruneAll) {
          if (prune) await client.get('services', flags.prune!);
          const labelSelector = prune ? `serving.knative.dev/service=${flags.prune}` : undefined;
          const { items } = await client.list('revisions', { labelSelector });
          // The route labeler marks referenced revisions routingState=active (Knative's GetRoutingState).
          names = sortRevisions(items).filter((r) => r.metadata.labels?.['serving.knative.dev/routingState'] !== 'active').map((r) => r.metadata.name!);
          if (names.length === 0) {
            out('No unreferenced revisions found.\n');
            return;
          }
        }
        const errors: string[] = [];
        for (const name of names) {
          try {
            await client.delete('revisions', name);
            out(`Revision '${name}' deleted in namespace '${client.namespace}'.\n`);
          } catch (e) {
            errors.push((e as Error).message);
          }
        }
        if (errors.length > 0) throw new Error(errors.join('\nError: '));
      });
    });
}
