/** `ksrv service update NAME`: kn's service update, with `--traffic/--tag/--untag`. */
import { Command } from 'commander';
import type { KObject } from '../../../apis/meta.ts';
import type { Service } from '../../../apis/serving/types.ts';
import { deepEqual } from '../../../lib/json.ts';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../../client/options.ts';
import { isConflict, type ServingClient } from '../../client/serving-client.ts';
import { checkReferencedRevisions, computeTraffic } from '../../traffic/compute.ts';
import { collectSlice, trafficFlagsChanged, type TrafficFlags } from '../../traffic/flags.ts';
import { addEditOptions, anyMutation, applyEditFlags, type EditFlags } from './edit-flags.ts';
import { addWaitOptions, stdout, waitAndShowUrl, type Out, type WaitFlags } from './wait-output.ts';

interface UpdateFlags extends EditFlags, WaitFlags, ConnectionFlags { traffic?: string[]; tag?: string[]; untag?: string[] }

const CONFLICT_RETRIES = 5;

export function addTrafficOptions(cmd: Command): Command {
  return cmd
    .option('--traffic <ref=percent>', "traffic split, REF being a revision, a tag or '@latest' (repeatable, comma-separated; percents sum to 100)", collectSlice)
    .option('--tag <revision=tag>', "tag a revision, or '@latest' for the latest ready revision (repeatable, comma-separated)", collectSlice)
    .option('--untag <tag>', 'remove a tag (repeatable, comma-separated)', collectSlice);
}

export function serviceUpdateCommand(out: Out = stdout): Command {
  const cmd = new Command('update').description('update a service').argument('<name>', 'service name');
  addEditOptions(cmd);
  addTrafficOptions(cmd);
  addWaitOptions(cmd, 'service update');
  addConnectionOptions(cmd);
  return cmd.action(async (name: string, flags: UpdateFlags) => {
    await withClient(flags, (client) => updateService(client, name, flags, out));
  });
}

export function trafficFlagsOf(flags: { traffic?: string[]; tag?: string[]; untag?: string[] }): TrafficFlags {
  return { traffic: flags.traffic ?? [], tags: flags.tag ?? [], untags: flags.untag ?? [] };
}

export async function serviceRevisionNames(client: ServingClient, service: string): Promise<string[]> {
  const { items } = await client.list('revisions', { labelSelector: `serving.knative.dev/service=${service}` });
  return items.map((r) => r.metadata.name!);
}

/**
 * Reads the Service, changes it with `mutate` and writes it back, again from a fresh read when the
 * write loses a race (409 Conflict). Returns the service before and after, or no `after` when
 * `mutate` changed nothing.
 */
export async function updateServiceWithRetry(client: ServingClient, name: string, mutate: (svc: Service) => Promise<void>): Promise<{ before: Service; after?: KObject }> {
  for (let attempt = 1; ; attempt++) {
    const before = await client.get('services', name) as Service;
    const svc = structuredClone(before);
    await mutate(svc);
    if (deepEqual(svc.spec, before.spec) && deepEqual(svc.metadata, before.metadata)) return { before };
    try {
      return { before, after: await client.update('services', svc) };
    } catch (e) {
      if (!isConflict(e) || attempt >= CONFLICT_RETRIES) throw e;
    }
  }
}

async function updateService(client: ServingClient, name: string, flags: UpdateFlags, out: Out): Promise<void> {
  const traffic = trafficFlagsOf(flags);
  const mutation = anyMutation(flags);
  if (!mutation && !trafficFlagsChanged(traffic)) throw new Error('flag(s) not set\nUsage: update NAME');
  const ns = client.namespace;

  const { before, after } = await updateServiceWithRetry(client, name, async (svc) => {
    applyEditFlags(svc, flags);
    if (!trafficFlagsChanged(traffic)) return;
    const revisions = await serviceRevisionNames(client, name);
    const spec = (svc.spec ??= {});
    spec.traffic = computeTraffic({
      serviceName: name, specTraffic: spec.traffic, statusTraffic: svc.status?.traffic as never,
      latestReadyRevisionName: svc.status?.latestReadyRevisionName as string | undefined,
      revisions, flags: traffic, mutation, creating: false,
    });
    checkReferencedRevisions(traffic, spec.traffic, revisions, mutation ? spec.template?.metadata?.name : undefined);
  });

  if (!after) {
    out(`Service '${name}' updated in namespace '${ns}'.\nNo new revision has been created.\n`);
    return;
  }
  if (!flags.wait) {
    out(`Service '${name}' updated in namespace '${ns}'.\n`);
    return;
  }
  out(`Updating Service '${name}' in namespace '${ns}':\n\n`);
  await waitAndShowUrl(client, name, after.metadata.generation, flags, 'updated', out, before.status?.latestReadyRevisionName as string | undefined);
}
