/** The `ksrv` command. */
import { Command, CommanderError } from 'commander';
import { upCommand } from './commands/up.ts';
import { logsCommand } from './commands/logs.ts';
import { imageCommand } from './commands/image.ts';

const program = new Command()
  .name('ksrv')
  .description('Knative Serving on one machine: the real Knative API, driven by kubectl')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

program.addCommand(upCommand());
program.addCommand(logsCommand());
program.addCommand(imageCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(`Error: ${(err as Error).message}`);
  process.exit(1);
}
