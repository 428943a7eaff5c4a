/** `ksrv route`: kn's route verbs. */
import { Command } from 'commander';
import { routeDescribeCommand } from './describe.ts';
import { routeListCommand } from './list.ts';

export function routeCommand(): Command {
  return new Command('route')
    .alias('routes')
    .description('inspect Knative routes (kn-style)')
    .addCommand(routeListCommand())
    .addCommand(routeDescribeCommand());
}
