/** `ksrv revision describe NAME`. */
import { Command } from 'commander';
import type { KObject } from '../../../apis/meta.ts';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../../client/options.ts';
import { SERVING_API_VERSION } from '../../client/serving-client.ts';
import { palette } from '../../printers/colour.ts';
import { conditionsSection, eventsSection, metadataSection } from '../../printers/describe.ts';
import { OUTPUT_HELP, parseOutputFormat, renderObjects, type OutputFormat } from '../../printers/output.ts';
import { stdout, type Out } from '../service/wait-output.ts';
import { revisionTraffic, serviceOf } from './traffic-of.ts';

interface DescribeFlags extends ConnectionFlags { output?: OutputFormat }

export function revisionDescribeCommand(out: Out = stdout): Command {
  return addConnectionOptions(new Command('describe')
    .description('show details of a revision')
    .argument('<name>', 'revision name')
    .option('-o, --output <format>', OUTPUT_HELP, parseOutputFormat))
    .action(async (name: string, flags: DescribeFlags) => {
      await withClient(flags, async (client) => {
        const rev = await client.get('revisions', name);
        if (flags.output && flags.output.kind !== 'table') {
          out(renderObjects([rev], flags.output, { resource: 'revisions', apiVersion: SERVING_API_VERSION, kind: 'Revision', single: true }));
          return;
        }
        const services = serviceOf(rev) ? [await client.get('services', serviceOf(rev)).catch(() => undefined)].filter((s): s is KObject => !!s) : [];
        const events = await client.listEvents(`involvedObject.kind=Revision,involvedObject.name=${name},involvedObject.uid=${rev.metadata.uid}`);
        out(describeRevision(rev, services, events));
      });
    });
}

export function describeRevision(rev: KObject, services: KObject[], events?: KObject[]): string {
  const c = rev.spec?.containers?.[0] ?? {};
  const env = ((c.env ?? []) as { name?: string; value?: string }[]).map((e) => `${e.name}=${e.value ?? ''}`).join(', ');
  const port = c.ports?.[0]?.containerPort;
  const a = rev.metadata.annotations ?? {};
  const scale = [a['autoscaling.knative.dev/min-scale'], a['autoscaling.knative.dev/max-scale']];
  const t = revisionTraffic(services).get(`${serviceOf(rev)}/${rev.metadata.name}`);
  return metadataSection(rev, [
    ['Image', c.image],
    ['Env', env],
    ['Port', port === undefined ? undefined : String(port)],
    ['Scale', scale.some((s) => s !== undefined) ? `${scale[0] ?? '0'} ... ${scale[1] ?? '∞'}` : undefined],
    ['Concurrency', rev.spec?.containerConcurrency !== undefined ? `Limit: ${rev.spec.containerConcurrency}` : undefined],
    ['TimeoutSeconds', rev.spec?.timeoutSeconds !== undefined ? String(rev.spec.timeoutSeconds) : undefined],
    ['Service', serviceOf(rev)],
    ['Traffic', t ? `${t.percent}%` : undefined],
    ['Tags', t?.tags.join(', ')],
  ]) + `\n${conditionsSection(rev, palette())}` + (events ? `\n${eventsSection(events)}` : '');
}
