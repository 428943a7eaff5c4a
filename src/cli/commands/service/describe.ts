/**
 * `ksrv service describe NAME`: the service, its traffic with revisions, conditions, and the
 * Events of the service and of its Route and Configuration (where traffic and revision creation
 * are reported), as kubectl describe lists them.
 */
import { Command } from 'commander';
import type { KObject } from '../../../apis/meta.ts';
import type { TrafficTarget } from '../../../apis/serving/types.ts';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../../client/options.ts';
import { SERVING_API_VERSION } from '../../client/serving-client.ts';
import { age } from '../../printers/age.ts';
import { palette } from '../../printers/colour.ts';
import type { ServingClient } from '../../client/serving-client.ts';
import { conditionsSection, eventsSection, keyValues, metadataSection, percentLabel, trafficTargetLabel } from '../../printers/describe.ts';
import { OUTPUT_HELP, parseOutputFormat, renderObjects, type OutputFormat } from '../../printers/output.ts';
import { stdout, type Out } from './wait-output.ts';

interface DescribeFlags extends ConnectionFlags { output?: OutputFormat }

export function serviceDescribeCommand(out: Out = stdout): Command {
  return addConnectionOptions(new Command('describe')
    .description('show details of a service')
    .argument('<name>', 'service name')
    .option('-o, --output <format>', OUTPUT_HELP, parseOutputFormat))
    .action(async (name: string, flags: DescribeFlags) => {
      await withClient(flags, async (client) => {
        const service = await client.get('services', name);
        if (flags.output && flags.output.kind !== 'table') {
          out(renderObjects([service], flags.output, { resource: 'services', apiVersion: SERVING_API_VERSION, kind: 'Service', single: true }));
          return;
        }
        const { items } = await client.list('revisions', { labelSelector: `serving.knative.dev/service=${name}` });
        out(describeService(service, items, await serviceEvents(client, service)));
      });
    });
}

/** Events about the Service and the Route and Configuration of the same name that it owns (by uid, so a deleted namesake's stay out). */
async function serviceEvents(client: ServingClient, service: KObject): Promise<KObject[]> {
  const name = service.metadata.name!;
  const children = await Promise.all((['routes', 'configurations'] as const).map((r) => client.get(r, name).catch(() => undefined)));
  const uids = new Set([service, ...children].filter((o): o is KObject => !!o).map((o) => o.metadata.uid));
  const events = await client.listEvents(`involvedObject.name=${name}`);
  return events.filter((e: any) => e.involvedObject?.apiVersion?.startsWith('serving.knative.dev/') && uids.has(e.involvedObject.uid));
}

export function describeService(service: KObject, revisions: KObject[], events?: KObject[]): string {
  const colour = palette();
  const byName = new Map(revisions.map((r) => [r.metadata.name!, r]));
  const traffic = (service.status?.traffic as TrafficTarget[] | undefined) ?? [];
  let text = metadataSection(service, [['URL', service.status?.url]]);

  const lines: string[] = [];
  const revisionDetails = (name: string | undefined) => {
    const rev = name ? byName.get(name) : undefined;
    if (!rev) return '';
    const gen = rev.metadata.labels?.['serving.knative.dev/configurationGeneration'];
    return `${gen ? ` [${gen}]` : ''} (${age(rev.metadata.creationTimestamp)})`;
  };
  const image = (name: string | undefined) => (name ? byName.get(name)?.spec?.containers?.[0]?.image : undefined);
  for (const t of traffic) {
    lines.push(`  ${percentLabel(t)}  ${trafficTargetLabel(t)}${revisionDetails(t.revisionName)}\n`);
    lines.push(keyValues([['Image', image(t.revisionName)], ['URL', t.url]], '        '));
  }
  const latestCreated = service.status?.latestCreatedRevisionName as string | undefined;
  if (latestCreated && !traffic.some((t) => t.revisionName === latestCreated)) {
    // kn marks a newer revision that takes no traffic yet with '+'.
    lines.push(`     +  ${latestCreated}${revisionDetails(latestCreated)}\n`);
    lines.push(keyValues([['Image', image(latestCreated)]], '        '));
  }
  if (lines.length > 0) text += `\nRevisions:\n${lines.join('')}`;
  const conditions = conditionsSection(service, colour);
  if (conditions) text += `\n${conditions}`;
  if (events) text += `\n${eventsSection(events)}`;
  return text;
}
