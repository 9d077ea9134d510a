// `npm start`: the whole archive on this machine until Ctrl-C / SIGTERM. See stack.ts for what runs
// and stack-config.ts for the settings.
import { relative, sep } from 'node:path';
import { ConfigError, loadLocalStackConfig, parseArgs, USAGE } from './stack-config.ts';
import { createConsoleLog } from './console-log.ts';
import type { LocalStack } from './stack.ts';

// Set before any handler builds its Powertools logger/metrics: the console gets one readable line
// per request, batch and copy from the stack; the functions' JSON logs show warnings and errors
// (LOG_LEVEL=INFO shows them all), and CloudWatch metric blobs would only be noise here.
process.env.LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// fauxqs persists through node:sqlite, which Node 22 flags as experimental on every start.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) return;
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

const log = createConsoleLog();
const fail = (message: string, code = 1): never => {
  process.stderr.write(`\n✗ ${message}\n\n`);
  process.exit(code);
};

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
} catch (error) {
  fail((error as Error).message, 2);
}
if (args!.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

let config: ReturnType<typeof loadLocalStackConfig>;
try {
  config = loadLocalStackConfig(process.env, process.argv.slice(2));
} catch (error) {
  if (error instanceof ConfigError) fail(error.message, 2);
  throw error;
}

const shownDataDir = (() => {
  const rel = relative(process.cwd(), config!.dataDir);
  return rel && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : config!.dataDir;
})();

let stack: LocalStack | undefined;
let stopping: Promise<void> | undefined;
let signals = 0;
let firstSignalAt = 0;
// A signal to the whole group reaches this process twice: once from the terminal or `kill -- -pgid`,
// and once more from npm, which forwards SIGINT/SIGTERM to its script. Both are one request to stop.
const DUPLICATE_SIGNAL_MS = 2000;

const shutdown = (reason: string, exitCode = 0): void => {
  const now = Date.now();
  if (signals > 0 && now - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
  signals += 1;
  if (signals === 1) firstSignalAt = now;
  if (signals > 1) {
    // The 'exit' listeners still run: the emulators' Java child is killed on the way out.
    process.stderr.write('Second signal: exiting without waiting.\n');
    process.exit(130);
  }
  if (!stack) return; // still starting: stopped as soon as the start finishes (see below)
  log.info(`${reason}: stopping…`);
  stopping ??= (async () => {
    const timer = setTimeout(() => {
      process.stderr.write('Shutdown took longer than 30 s; exiting.\n');
      process.exit(1);
    }, 30_000);
    timer.unref();
    await stack!.stop();
    clearTimeout(timer);
    log.info('stopped');
    process.exit(exitCode);
  })();
};
process.on('SIGINT', () => shutdown('Ctrl-C'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGHUP', () => shutdown('terminal closed (SIGHUP)'));
process.on('uncaughtException', (error) => {
  log.error('unexpected error', { error: error.stack ?? String(error) });
  signals = 0;
  shutdown('unexpected error', 1);
});
// Whoever started us (npm, a shell, a process manager) may die without passing a signal on, e.g.
// `kill -9` on npm or a shell that ignores SIGINT while it waits: this process is then re-parented
// and would hold every port with nobody left to stop it.
// Once: a second call more than 2 s later would count as a second Ctrl-C and exit without waiting
// (leaving local-stack.json behind), which is what a stop slower than 2 s on a loaded machine did.
const parentPid = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid === parentPid) return;
  clearInterval(parentWatch);
  shutdown(`parent process ${parentPid} exited`);
}, 500).unref();

log.info(
  `starting tencent-meeting-archive (data in ${shownDataDir}${config!.fresh ? ', wiped first' : ''}; ` +
    `${config!.simulator ? 'Tencent Meeting simulator' : `Tencent Meeting API ${config!.tencentEnv.TENCENT_MEETING_API_BASE}`})`,
);

try {
  // Imported here so `--help` and configuration errors answer without loading the emulators.
  const { startLocalStack } = await import('./stack.ts');
  stack = await startLocalStack(config!, {
    log,
    onPartExit: (message) => {
      log.error(`${message}: stopping the whole stack`);
      signals = 0;
      shutdown('a part of the stack ended', 1);
    },
  });
} catch (error) {
  const name = (error as Error | undefined)?.name;
  if (['JavaMissingError', 'PortInUseError', 'TencentCredentialsError', 'StackAlreadyRunningError'].includes(name ?? '')) fail((error as Error).message);
  if (name === 'ValidationError') fail(`${(error as Error).message}\nSet them in the environment, or unset TENCENT_MEETING_API_BASE to use the simulator.`);
  fail(`could not start: ${(error as Error)?.stack ?? String(error)}`);
}

const started = stack!;
const exportLine = `export ARCHIVE_API_URL='${started.urls.api}' ARCHIVE_API_TOKEN='${started.apiToken}'`;
const curl = `curl -s -H "Authorization: Bearer $ARCHIVE_API_TOKEN" "$ARCHIVE_API_URL/corp/records?start_time=$(( $(date +%s) - 86400 ))&end_time=$(date +%s)"`;
// Tencent only delivers to a URL it can reach, and only once it is saved in the event subscription.
const remoteWebhookNote = started.simulator
  ? []
  : [
      'Before Tencent can deliver events:',
      `  1. expose ${started.urls.gateway} to the internet (a tunnel of your choice) and`,
      `  2. register <public URL>/webhooks/tencent-meeting in Tencent Meeting's developer console (event subscription),`,
      '     with the same Token and EncodingAESKey as TENCENT_MEETING_WEBHOOK_TOKEN / TENCENT_MEETING_ENCODING_AES_KEY;',
      '     saving runs the GET check against this stack.',
      '',
    ];
const tokenNote = started.apiTokenGenerated ? `  (generated, kept in ${shownDataDir}/local-secrets.json; ARCHIVE_API_TOKEN sets your own)` : '';
const tencentLine = started.simulator
  ? `simulator at ${started.simulator.url} (generated credentials; the demo meeting is on its way)`
  : `${started.tencent.apiBase} (operator ${started.tencent.operatorId})`;
process.stdout.write(
  [
    '',
    'tencent-meeting-archive is running',
    '',
    `  Console:       ${started.urls.console}  (sign in with the API token below)`,
    `  Webhook URL:   ${started.urls.webhook}`,
    `  Archive API:   ${started.urls.api}`,
    `  API token:     ${started.apiToken}${tokenNote}`,
    `  OpenAPI:       ${started.urls.gateway}/openapi.json`,
    `  Health:        ${started.urls.healthz}`,
    `  Tencent:       ${tencentLine}`,
    `  Data:          ${config!.dataDir}  (DynamoDB Local, S3 objects, queues; \`npm start -- --fresh\` wipes it)`,
    `  Emulators:     DynamoDB ${started.urls.dynamodb}, S3 ${started.urls.s3}, SQS ${started.urls.sqs}`,
    `  Processes:     ${processLine(started)}`,
    '',
    ...remoteWebhookNote,
    'List the last 24 hours of the archive (paste both lines into a shell):',
    `  ${exportLine}`,
    `  ${curl}`,
    '',
    'Ready. Ctrl-C stops everything.',
    '',
  ].join('\n'),
);
// A signal that arrived while starting is honoured now.
if (signals > 0) {
  signals = 0;
  shutdown('signal during start');
}

function processLine(running: LocalStack): string {
  const p = running.processes;
  return [
    `stack ${p.stack}`,
    `emulators ${p.emulators}${p.dynamodb ? ` (DynamoDB Local ${p.dynamodb})` : ''}`,
    `S3 emulator ${p.s3Emulator}`,
    p.ingestWorker ? `gateway ${p.functions}` : `gateway + ingest worker ${p.functions}`,
    ...(p.ingestWorker ? [`ingest worker ${p.ingestWorker}`] : []),
  ].join(', ');
}
