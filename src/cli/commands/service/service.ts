/** `ksrv service` (alias `ksvc`): kn's service verbs. */
import { Command } from 'commander';
import { serviceCreateCommand } from './create.ts';
import { serviceDeleteCommand } from './delete.ts';
import { serviceDescribeCommand } from './describe.ts';
import { serviceListCommand } from './list.ts';
import { serviceUpdateCommand } from './update.ts';

export function serviceCommand(): Command {
  return new Command('service')
    .alias('ksvc')
    .description('manage Knative services (kn-style)')
    .addCommand(serviceCreateCommand())
    .addCommand(serviceUpdateCommand())
    .addCommand(serviceDescribeCommand())
    .addCommand(serviceListCommand())
    .addCommand(serviceDeleteCommand());
}
