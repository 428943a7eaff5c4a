/** `ksrv service list [NAME]`: kn's columns NAME URL LATEST AGE CONDITIONS READY REASON. */
import { Command } from 'commander';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../../client/options.ts';
import { SERVING_API_VERSION } from '../../client/serving-client.ts';
import { age } from '../../printers/age.ts';
import { conditionsValue, nonReadyReason, readyStatus } from '../../printers/conditions.ts';
import { renderList } from '../../printers/list.ts';
import { OUTPUT_HELP, parseOutputFormat, type OutputFormat } from '../../printers/output.ts';
import { stdout, type Out } from './wait-output.ts';

interface ListFlags extends ConnectionFlags { output?: OutputFormat }

export function serviceListCommand(out: Out = stdout): Command {
  return addConnectionOptions(new Command('list')
    .alias('ls')
    .description('list services')
    .argument('[name]', 'show only this service')
    .option('-o, --output <format>', OUTPUT_HELP, parseOutputFormat))
    .action(async (name: string | undefined, flags: ListFlags) => {
      await withClient(flags, async (client) => {
        const { items } = await client.list('services');
        const shown = items.filter((s) => !name || s.metadata.name === name)
          .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
        out(renderList(shown, flags.output, {
          resource: 'services', apiVersion: SERVING_API_VERSION, kind: 'Service',
          headers: ['Name', 'URL', 'Latest', 'Age', 'Conditions', 'Ready', 'Reason'],
          row: (s) => [s.metadata.name, s.status?.url, s.status?.latestReadyRevisionName, age(s.metadata.creationTimestamp), conditionsValue(s), readyStatus(s), nonReadyReason(s)],
        }));
      });
    });
}
