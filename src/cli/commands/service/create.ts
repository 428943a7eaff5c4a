/** `ksrv service create NAME --image IMAGE`: kn's service create. */
import { Command } from 'commander';
import type { Service } from '../../../apis/serving/types.ts';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../../client/options.ts';
import { isNotFound, SERVING_API_VERSION, type ServingClient } from '../../client/serving-client.ts';
import { computeTraffic } from '../../traffic/compute.ts';
import { collectSlice, emptyTrafficFlags } from '../../traffic/flags.ts';
import { addEditOptions, applyEditFlags, type EditFlags } from './edit-flags.ts';
import { addWaitOptions, stdout, waitAndShowUrl, type Out, type WaitFlags } from './wait-output.ts';

interface CreateFlags extends EditFlags, WaitFlags, ConnectionFlags { tag?: string[]; force?: boolean }

export function serviceCreateCommand(out: Out = stdout): Command {
  const cmd = new Command('create')
    .description('create a service')
    .argument('<name>', 'service name')
    .option('--tag <revision=tag>', "tag for the revision (only '@latest=TAG' or 'TAG' makes sense here; repeatable, comma-separated)", collectSlice)
    .option('--force', 'replace the service if it already exists');
  addEditOptions(cmd);
  addWaitOptions(cmd, 'service create');
  addConnectionOptions(cmd);
  return cmd.action(async (name: string, flags: CreateFlags) => {
    await withClient(flags, (client) => createService(client, name, flags, out));
  });
}

async function createService(client: ServingClient, name: string, flags: CreateFlags, out: Out): Promise<void> {
  if (!flags.image) throw new Error("'service create' requires the image name to run provided with the --image option");
  const ns = client.namespace;
  const service: Service = {
    apiVersion: SERVING_API_VERSION,
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { template: { metadata: {}, spec: { containers: [{}] } } },
  };
  applyEditFlags(service, flags);
  if (flags.tag?.length) {
    service.spec!.traffic = computeTraffic({
      serviceName: name, specTraffic: [], statusTraffic: [], latestReadyRevisionName: undefined, revisions: [],
      flags: { ...emptyTrafficFlags(), tags: flags.tag }, mutation: true, creating: true,
    });
  }

  let existing;
  try {
    existing = await client.get('services', name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  let written;
  let doing = 'Creating';
  let done = 'created';
  if (existing) {
    if (!flags.force) {
      throw new Error(`cannot create service '${name}' in namespace '${ns}' because the service already exists and no --force option was given`);
    }
    // kn keeps only the creator/updater annotations of the replaced service.
    const keep = Object.fromEntries(Object.entries(existing.metadata.annotations ?? {})
      .filter(([k]) => k === 'serving.knative.dev/creator' || k === 'serving.knative.dev/lastModifier'));
    service.metadata.annotations = { ...keep, ...(service.metadata.annotations ?? {}) };
    service.metadata.resourceVersion = existing.metadata.resourceVersion;
    written = await client.update('services', service);
    doing = 'Replacing';
    done = 'replaced';
  } else {
    written = await client.create('services', service);
  }

  if (!flags.wait) {
    out(`Service '${name}' ${done} in namespace '${ns}'.\n`);
    return;
  }
  out(`${doing} service '${name}' in namespace '${ns}':\n\n`);
  await waitAndShowUrl(client, name, written.metadata.generation, flags, done, out);
}
