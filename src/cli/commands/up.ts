/** `ksrv up`: runs the whole platform in the foreground until Ctrl-C. */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import pino from 'pino';
import { parseHostPort } from '../../platform/addresses.ts';
import { startPlatform } from '../../platform/platform.ts';

interface UpFlags {
  dataDir: string;
  apiAddress: string;
  gatewayAddress: string;
  dashboardAddress: string;
  dashboard: boolean;
  domain: string;
  store: 'sqlite' | 'memory';
  runtime: 'process' | 'simulated';
  logLevel: string;
  tagHeaderRouting: boolean;
}

export function upCommand(): Command {
  return new Command('up')
    .description('run ksrv (API server, store, controllers) in the foreground; Ctrl-C stops it')
    .option('--data-dir <dir>', 'where ksrv keeps its state, credentials and kubeconfig', join(homedir(), '.ksrv'))
    .option('--api-address <host:port>', 'address of the Kubernetes-compatible API (HTTPS)', '127.0.0.1:6443')
    .option('--gateway-address <host:port>', 'address of the HTTP gateway that serves the revisions', '127.0.0.1:8080')
    .option('--dashboard-address <host:port>', 'address of the web dashboard', '127.0.0.1:8090')
    .option('--no-dashboard', 'do not serve the web dashboard')
    .option('--domain <domain>', 'domain of route URLs: http://{route}.{namespace}.{domain}', 'example.com')
    .addOption(new Option('--store <kind>', 'object store backend').choices(['sqlite', 'memory']).default('sqlite'))
    .addOption(new Option('--runtime <kind>', 'how revisions run: sandboxed processes from OCI images, or simulated (always ready; for tests)').choices(['process', 'simulated']).default('process'))
    .option('--no-tag-header-routing', 'ignore the Knative-Serving-Tag request header (on by default)')
    .addOption(new Option('--log-level <level>', 'log level of DATA_DIR/ksrv.log').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
    .action(async (flags: UpFlags) => { await up(flags); });
}

async function up(flags: UpFlags): Promise<void> {
  const api = parseHostPort(flags.apiAddress, '--api-address');
  const gateway = parseHostPort(flags.gatewayAddress, '--gateway-address');
  const dashboard = flags.dashboard ? parseHostPort(flags.dashboardAddress, '--dashboard-address') : undefined;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(flags.domain)) {
    throw new Error(`--domain: "${flags.domain}" is not a valid DNS domain`);
  }
  const dataDir = resolve(flags.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dataDir, 'ksrv.log');
  const logger = pino({ level: flags.logLevel }, pino.destination({ dest: logFile, sync: false, mkdir: true }));

  const started = Date.now();
  const platform = await startPlatform({ dataDir, api, gateway, domain: flags.domain, store: flags.store, runtime: flags.runtime, tagHeaderRouting: flags.tagHeaderRouting, dashboard, logger });
  const ownLog = logger.child({ component: 'ksrv' });
  ownLog.info({ api: platform.apiUrl, gateway: platform.gatewayUrl, dataDir }, 'ksrv started');

  process.stdout.write([
    `ksrv is up (${Date.now() - started} ms)`,
    `  API server:  ${platform.apiUrl}`,
    `  gateway:     ${platform.gatewayUrl} (metrics: ${platform.gatewayUrl}/metrics)`,
    ...(platform.dashboardUrl ? [`  dashboard:   ${platform.dashboardUrl}`] : []),
    `  config:      ${platform.configPath}`,
    `  data dir:    ${dataDir} (store: ${flags.store}, runtime: ${flags.runtime})`,
    `  domain:      ${flags.domain}`,
    `  logs:        ${logFile}`,
    '',
    'Point kubectl at it:',
    `  export KUBECONFIG=${platform.kubeconfigPath}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'));

  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stdout.write(`\nreceived ${signal} again, exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      process.stdout.write(`\nstopping ksrv (${signal})...\n`);
      platform.stop().then(() => {
        ownLog.info('ksrv stopped');
        logger.flush();
        process.stdout.write('ksrv stopped\n');
        resolveStop();
      }, (err) => {
        process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
        process.exitCode = 1;
        resolveStop();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
