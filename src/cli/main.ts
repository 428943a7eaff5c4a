/** The `ksrv` command. */
import { Command, CommanderError } from 'commander';
import { upCommand } from './commands/up.ts';
import { logsCommand } from './commands/logs.ts';
import { imageCommand } from './commands/image.ts';
import { serviceCommand } from './commands/service/service.ts';
import { revisionCommand } from './commands/revision/revision.ts';
import { routeCommand } from './commands/route/route.ts';
import { rollbackCommand } from './commands/rollback.ts';

const program = new Command()
  .name('ksrv')
  .description('Knative Serving on one machine: the real Knative API, driven by kubectl')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

program.addCommand(upCommand());
program.addCommand(logsCommand());
program.addCommand(imageCommand());
program.addCommand(serviceCommand());
program.addCommand(revisionCommand());
program.addCommand(routeCommand());
program.addCommand(rollbackCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(`Error: ${(err as Error).message}`);
  process.exit(1);
}
