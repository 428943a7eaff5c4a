/** `ksrv service delete NAME... | --all`: its Configuration, Route and Revisions go with it. */
import { Command } from 'commander';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../../client/options.ts';
import { stdout, type Out } from './wait-output.ts';

interface DeleteFlags extends ConnectionFlags { all?: boolean }

export function serviceDeleteCommand(out: Out = stdout): Command {
  return addConnectionOptions(new Command('delete')
    .description('delete services')
    .argument('[names...]', 'service names')
    .option('--all', 'delete all services of the namespace'))
    .action(async (names: string[], flags: DeleteFlags) => {
      if (names.length === 0 && !flags.all) throw new Error("'service delete' requires the service name(s)");
      if (names.length > 0 && flags.all) throw new Error("'service delete' with --all flag requires no arguments");
      await withClient(flags, async (client) => {
        if (flags.all) {
          names = (await client.list('services')).items.map((s) => s.metadata.name!);
          if (names.length === 0) {
            out('No services found.\n');
            return;
          }
        }
        const errors: string[] = [];
        for (const name of names) {
          try {
            await client.delete('services', name);
            out(`Service '${name}' successfully deleted in namespace '${client.namespace}'.\n`);
          } catch (e) {
            errors.push((e as Error).message);
          }
        }
        // main prints the first "Error: "; kn joins several failures the same way.
        if (errors.length > 0) throw new Error(errors.join('\nError: '));
      });
    });
}
