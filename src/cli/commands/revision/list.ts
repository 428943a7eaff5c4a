/** `ksrv revision list [NAME] [-s SERVICE]`: kn's columns, with traffic and tags from the services. */
import { Command } from 'commander';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../../client/options.ts';
import { SERVING_API_VERSION } from '../../client/serving-client.ts';
import { age } from '../../printers/age.ts';
import { conditionsValue, nonReadyReason, readyStatus } from '../../printers/conditions.ts';
import { renderList } from '../../printers/list.ts';
import { OUTPUT_HELP, parseOutputFormat, type OutputFormat } from '../../printers/output.ts';
import { stdout, type Out } from '../service/wait-output.ts';
import { generationOf, revisionTraffic, serviceOf, sortRevisions } from './traffic-of.ts';

interface ListFlags extends ConnectionFlags { output?: OutputFormat; service?: string }

export function revisionListCommand(out: Out = stdout): Command {
  return addConnectionOptions(new Command('list')
    .alias('ls')
    .description('list revisions')
    .argument('[name]', 'show only this revision')
    .option('-s, --service <service>', 'show only the revisions of this service')
    .option('-o, --output <format>', OUTPUT_HELP, parseOutputFormat))
    .action(async (name: string | undefined, flags: ListFlags) => {
      await withClient(flags, async (client) => {
        const labelSelector = flags.service ? `serving.knative.dev/service=${flags.service}` : undefined;
        if (flags.service) await client.get('services', flags.service);
        const [{ items }, services] = await Promise.all([client.list('revisions', { labelSelector }), client.list('services')]);
        const traffic = revisionTraffic(services.items);
        const shown = sortRevisions(items.filter((r) => !name || r.metadata.name === name));
        out(renderList(shown, flags.output, {
          resource: 'revisions', apiVersion: SERVING_API_VERSION, kind: 'Revision',
          headers: ['Name', 'Service', 'Traffic', 'Tags', 'Generation', 'Age', 'Conditions', 'Ready', 'Reason'],
          row: (r) => {
            const t = traffic.get(`${serviceOf(r)}/${r.metadata.name}`);
            return [r.metadata.name, serviceOf(r), t?.percent ? `${t.percent}%` : '', t?.tags.join(','), generationOf(r) || '',
              age(r.metadata.creationTimestamp), conditionsValue(r), readyStatus(r), nonReadyReason(r)];
          },
        }));
      });
    });
}
