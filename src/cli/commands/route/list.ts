/** `ksrv route list [NAME]`: kn's columns NAME URL READY. */
import { Command } from 'commander';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../../client/options.ts';
import { SERVING_API_VERSION } from '../../client/serving-client.ts';
import { readyStatus } from '../../printers/conditions.ts';
import { renderList } from '../../printers/list.ts';
import { OUTPUT_HELP, parseOutputFormat, type OutputFormat } from '../../printers/output.ts';
import { stdout, type Out } from '../service/wait-output.ts';

interface ListFlags extends ConnectionFlags { output?: OutputFormat }

export function routeListCommand(out: Out = stdout): Command {
  return addConnectionOptions(new Command('list')
    .alias('ls')
    .description('list routes')
    .argument('[name]', 'show only this route')
    .option('-o, --output <format>', OUTPUT_HELP, parseOutputFormat))
    .action(async (name: string | undefined, flags: ListFlags) => {
      await withClient(flags, async (client) => {
        const { items } = await client.list('routes');
        const shown = items.filter((r) => !name || r.metadata.name === name).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
        out(renderList(shown, flags.output, {
          resource: 'routes', apiVersion: SERVING_API_VERSION, kind: 'Route',
          headers: ['Name', 'URL', 'Ready'],
          row: (r) => [r.metadata.name, r.status?.url, readyStatus(r)],
        }));
      });
    });
}
