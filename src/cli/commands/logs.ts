/** `ksrv logs REVISION`: prints the output of a revision's instances from DATA_DIR/logs. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { revisionLogPath } from '../../runtime/process/log-files.ts';
import { followLog, readLogLines } from '../../runtime/process/log-reader.ts';

interface LogsFlags { namespace: string; follow?: boolean; tail?: number; dataDir: string }

function parseTail(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1) throw new InvalidArgumentError('must be a whole number (-1 for all lines)');
  return n;
}

export function logsCommand(): Command {
  return new Command('logs')
    .description('print the output (stdout/stderr) of the instances of a revision; lines read "<time> <instance> <stream> <text>"')
    .argument('<revision>', 'revision name')
    .option('-n, --namespace <namespace>', 'namespace of the revision', 'default')
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option('--tail <lines>', 'print only the last N lines (-1: all)', parseTail)
    .option('--data-dir <dir>', 'ksrv data directory', join(homedir(), '.ksrv'))
    .action(async (revision: string, flags: LogsFlags) => { await logs(revision, flags); });
}

async function logs(revision: string, flags: LogsFlags): Promise<void> {
  const path = revisionLogPath(resolve(flags.dataDir), flags.namespace, revision);
  if (!existsSync(path) && !existsSync(`${path}.1`) && !flags.follow) {
    throw new Error(`no logs for revision "${revision}" in namespace "${flags.namespace}" (looked in ${path})`);
  }
  const tail = flags.tail === undefined || flags.tail < 0 ? undefined : flags.tail;
  const lines = readLogLines(path, tail);
  if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
  if (!flags.follow) return;
  await new Promise<void>((done) => {
    const stop = followLog(path, (text) => process.stdout.write(text));
    const finish = () => { stop(); done(); };
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
  });
}
