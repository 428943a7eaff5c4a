/** `--wait/--no-wait/--wait-timeout` and kn's texts around waiting for a Service. */
import { Command, Option } from 'commander';
import type { ServingClient } from '../../client/serving-client.ts';
import { progressPrinter, waitForReady } from '../../client/wait.ts';
import { palette } from '../../printers/colour.ts';
import { parseNonNegativeInt } from './edit-flags.ts';

export interface WaitFlags { wait: boolean; waitTimeout: number }

export const DEFAULT_WAIT_TIMEOUT_SECONDS = 600;

export type Out = (text: string) => void;
export const stdout: Out = (text) => { process.stdout.write(text); };

export function addWaitOptions(cmd: Command, verb: string): Command {
  return cmd
    .option('--wait', `wait for '${verb}' to be ready`, true)
    .option('--no-wait', `do not wait for '${verb}' to be ready`)
    .addOption(new Option('--wait-timeout <seconds>', 'seconds to wait before giving up').argParser(parseNonNegativeInt).default(DEFAULT_WAIT_TIMEOUT_SECONDS));
}

/**
 * Waits for the Service's Ready condition at `generation`, printing kn's progress lines, then
 * the final URL. `previousRevision` is the latest ready revision before an update.
 */
export async function waitAndShowUrl(client: ServingClient, name: string, generation: number | undefined, flags: WaitFlags, verbDone: string, out: Out, previousRevision?: string): Promise<void> {
  const colour = palette();
  const { elapsedMs } = await waitForReady(client, 'services', name, {
    generation, timeoutSeconds: flags.waitTimeout, onMessage: progressPrinter(out),
  });
  out(`${(elapsedMs / 1000).toFixed(3).padStart(7)}s ${colour.green('Ready to serve.')}\n\n`);
  await showUrl(client, name, verbDone, out, previousRevision);
}

export async function showUrl(client: ServingClient, name: string, verbDone: string, out: Out, previousRevision?: string): Promise<void> {
  let service;
  try {
    service = await client.get('services', name);
  } catch (e) {
    throw new Error(`cannot fetch service '${name}' in namespace '${client.namespace}' for extracting the URL: ${(e as Error).message}`);
  }
  const url = service.status?.url ?? '';
  const latest = service.status?.latestReadyRevisionName ?? '';
  if (previousRevision && previousRevision === latest) {
    out(`Service '${name}' with latest revision '${latest}' (unchanged) is available at URL:\n${url}\n`);
  } else {
    out(`Service '${name}' ${verbDone} to latest revision '${latest}' is available at URL:\n${url}\n`);
  }
}
