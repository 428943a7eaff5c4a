/** `ksrv rollback SERVICE [--to REVISION]`: all traffic back to an earlier ready revision, in one update. */
import { Command } from 'commander';
import { addConnectionOptions, withClient, type ConnectionFlags } from '../client/options.ts';
import { progressPrinter, waitForReady } from '../client/wait.ts';
import { palette } from '../printers/colour.ts';
import { planRollback, type RollbackPlan } from '../traffic/rollback.ts';
import { updateServiceWithRetry } from './service/update.ts';
import { addWaitOptions, stdout, type Out, type WaitFlags } from './service/wait-output.ts';

interface RollbackFlags extends ConnectionFlags, WaitFlags { to?: string }

export function rollbackCommand(out: Out = stdout): Command {
  const cmd = new Command('rollback')
    .description('route all traffic of a service to an earlier ready revision (default: the one before the revision serving now); tags are kept')
    .argument('<service>', 'service name')
    .option('--to <revision>', 'the revision to roll back to');
  addWaitOptions(cmd, 'rollback');
  addConnectionOptions(cmd);
  return cmd.action(async (name: string, flags: RollbackFlags) => {
    await withClient(flags, async (client) => {
      let plan: RollbackPlan | undefined;
      const { after } = await updateServiceWithRetry(client, name, async (svc) => {
        const { items } = await client.list('revisions', { labelSelector: `serving.knative.dev/service=${name}` });
        plan = planRollback(svc, items, flags.to);
        (svc.spec ??= {}).traffic = plan.traffic;
      });
      const { from, to } = plan!;
      const ns = client.namespace;
      if (!after) {
        out(`Service '${name}' in namespace '${ns}' already routes all traffic to revision '${to}'.\n`);
        return;
      }
      if (!flags.wait) {
        out(`Service '${name}' rolled back to revision '${to}' in namespace '${ns}'.\n`);
        return;
      }
      out(`Rolling back Service '${name}' in namespace '${ns}' from revision '${from}' to '${to}':\n\n`);
      const { object, elapsedMs } = await waitForReady(client, 'services', name, {
        generation: after.metadata.generation, timeoutSeconds: flags.waitTimeout, onMessage: progressPrinter(out),
      });
      out(`${(elapsedMs / 1000).toFixed(3).padStart(7)}s ${palette().green('Ready to serve.')}\n\n`);
      out(`Service '${name}' rolled back to revision '${to}' (100% of traffic), available at URL:\n${object.status?.url ?? ''}\n`);
    });
  });
}
