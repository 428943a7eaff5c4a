/** `ksrv revision`: kn's revision verbs. */
import { Command } from 'commander';
import { revisionDeleteCommand } from './delete.ts';
import { revisionDescribeCommand } from './describe.ts';
import { revisionListCommand } from './list.ts';

export function revisionCommand(): Command {
  return new Command('revision')
    .alias('revisions')
    .description('manage Knative revisions (kn-style)')
    .addCommand(revisionListCommand())
    .addCommand(revisionDescribeCommand())
    .addCommand(revisionDeleteCommand());
}
