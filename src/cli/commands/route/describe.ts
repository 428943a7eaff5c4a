/** `ksrv route describe NAME`: URL, traffic targets with their tag URLs, conditions. */
import { Command } from 'commander';
import type { KObject } from '../../../apis/meta.ts';
import type { TrafficTarget } from '../../../apis/serving/types.ts';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../../client/options.ts';
import { SERVING_API_VERSION } from '../../client/serving-client.ts';
import { palette } from '../../printers/colour.ts';
import { conditionsSection, keyValues, metadataSection, percentLabel, trafficTargetLabel } from '../../printers/describe.ts';
import { OUTPUT_HELP, parseOutputFormat, renderObjects, type OutputFormat } from '../../printers/output.ts';
import { stdout, type Out } from '../service/wait-output.ts';

interface DescribeFlags extends ConnectionFlags { output?: OutputFormat }

export function routeDescribeCommand(out: Out = stdout): Command {
  return addConnectionOptions(new Command('describe')
    .description('show details of a route')
    .argument('<name>', 'route name')
    .option('-o, --output <format>', OUTPUT_HELP, parseOutputFormat))
    .action(async (name: string, flags: DescribeFlags) => {
      await withClient(flags, async (client) => {
        const route = await client.get('routes', name);
        if (flags.output && flags.output.kind !== 'table') {
          out(renderObjects([route], flags.output, { resource: 'routes', apiVersion: SERVING_API_VERSION, kind: 'Route', single: true }));
          return;
        }
        out(describeRoute(route));
      });
    });
}

export function describeRoute(route: KObject): string {
  const owner = route.metadata.ownerReferences?.find((o) => o.kind === 'Service')?.name;
  let text = metadataSection(route, [['URL', route.status?.url], ['Service', owner]]);
  const traffic = (route.status?.traffic as TrafficTarget[] | undefined) ?? [];
  if (traffic.length > 0) {
    text += '\nTraffic Targets:\n';
    for (const t of traffic) text += `  ${percentLabel(t)}  ${trafficTargetLabel(t)}\n` + keyValues([['URL', t.url]], '        ');
  }
  const conditions = conditionsSection(route, palette());
  return conditions ? `${text}\n${conditions}` : text;
}
