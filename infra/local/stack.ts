// The whole system on one machine: embedded emulators, the resources of the CDK stack, the real
// function handlers behind the local gateway, the queue poller and the reconcile schedule, and the
// Tencent Meeting simulator (or a real Tencent API). `npm start` (start.ts) and the end-to-end
// test both run it through startLocalStack.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createAwsClients, type AwsClients } from '../../shared/aws/clients.ts';
import { ENV } from '../../shared/config/environment.ts';
import { INGEST_MAX_RECEIVE_COUNT } from '../../shared/archive/table-design.ts';
import { WEBHOOK_PATH } from '../../shared/http/routes.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { TENCENT_SECRET_ARN_ENV, TENCENT_SECRET_KEYS, TENCENT_WEBHOOK_SECRET_ARN_ENV } from '../../shared/tencent/config-keys.ts';
import { loadTencentConfigFromEnv, requireWebhookSecrets, type TencentConfig } from '../../shared/tencent/config.ts';
import { webhookFromEnvironment } from '../../functions/webhook/handler.ts';
import { ingestFromEnvironment } from '../../functions/ingest/handler.ts';
import { queryFromEnvironment } from '../../functions/query/handler.ts';
import { buildConsoleAssets } from '../../console/build.ts';
import { reconcileFromEnvironment } from '../../functions/reconcile/handler.ts';
import { startEmulators, type Emulators } from './emulators.ts';
import { ensureLocalResources, LOCAL_RESOURCE_NAMES, type LocalResources } from './resources.ts';
import { startGateway, type Gateway } from './gateway.ts';
import { createHealthHandler } from './health.ts';
import { loadSecrets, saveSecrets } from './local-secrets.ts';
import { startQueuePoller, type QueuePoller } from './queue-poller.ts';
import { startSchedules, type ScheduledFunction, type Schedules } from './schedule.ts';
import { PortInUseError, silentLog, type LocalLog } from './lambda-context.ts';
import { createProgressReporter } from './progress.ts';
import { createConsoleFunctionLogger } from './function-logger.ts';
import { LOCAL_MAX_PART_BYTES } from './local-limits.ts';
import { startSimulator, type Simulator, type SimulatorCredentials } from './simulator/server.ts';
import { registerWebhook, runDemoMeeting, type DemoResult } from './demo.ts';
import type { LocalStackConfig } from './stack-config.ts';
import { claimLocalStackFile, LOCAL_STACK_FILE_NAME } from './stack-file.ts';
import { checkTencentCredentials } from './tencent-check.ts';

export interface LocalStackUrls {
  readonly gateway: string;
  /** The archive console (the page shell; it signs in with the API token). */
  readonly console: string;
  readonly webhook: string;
  readonly api: string;
  readonly healthz: string;
  readonly simulator?: string;
  readonly dynamodb: string;
  readonly aws: string;
}

export interface LocalStack {
  readonly urls: LocalStackUrls;
  readonly apiToken: string;
  /** True when ARCHIVE_API_TOKEN was not given and the token was generated (and persisted). */
  readonly apiTokenGenerated: boolean;
  readonly dataDir: string;
  readonly resources: LocalResources;
  readonly tencent: { readonly mode: 'simulator' | 'remote'; readonly apiBase: string; readonly operatorId: string };
  readonly simulator?: Simulator;
  /** Settles when the demo meeting is archived (or failed); undefined without a demo. */
  readonly demo?: Promise<DemoResult>;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly log?: LocalLog & { child?(component: string): LocalLog };
}

export { TencentCredentialsError } from './tencent-check.ts';

/** Where `npm start` appends archive events (ARCHIVE_EVENTS_FILE), under DATA_DIR. */
export const LOCAL_EVENTS_FILE_NAME = 'events.jsonl';


export async function startLocalStack(config: LocalStackConfig, options: StartOptions = {}): Promise<LocalStack> {
  const log = options.log ?? silentLog;
  const child = (component: string): LocalLog => options.log?.child?.(component) ?? log;
  const cleanups: Array<{ name: string; run: () => Promise<void> }> = [];
  const stopAll = async (): Promise<void> => {
    // Reverse start order: the front door closes first, the emulators (and the Java child) last.
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup.run();
      } catch (error) {
        log.warn(`stopping ${cleanup.name} failed`, { error: String(error) });
      }
    }
  };

  try {
    // The lock comes before --fresh: wiping a directory another stack runs on would pull its data
    // from under it.
    mkdirSync(config.dataDir, { recursive: true });
    const stackFile = claimLocalStackFile(config.dataDir);
    cleanups.push({ name: LOCAL_STACK_FILE_NAME, run: async () => stackFile.release() });
    if (config.fresh) wipeExcept(config.dataDir, LOCAL_STACK_FILE_NAME);
    const secrets = loadSecrets(config.dataDir);

    // Every port is checked before anything starts, so the error names the variable instead of
    // surfacing as an emulator that "exited early".
    await assertPortFree(config.host, config.port, 'PORT');
    if (config.simulator) await assertPortFree(config.host, config.simulator.port, 'SIMULATOR_PORT');
    await assertPortFree(config.host, config.dynamodbPort, 'DYNAMODB_PORT');
    await assertPortFree(config.host, config.awsPort, 'AWS_EMULATOR_PORT');

    // Tencent first: bad credentials fail before the emulators spend seconds starting.
    let simulator: Simulator | undefined;
    let tencentEnv: Readonly<Record<string, string>>;
    if (config.simulator) {
      const overrides = simulatorOverrides(config.tencentEnv);
      const { seed, ...saved } = secrets.simulator ?? {};
      simulator = await startSimulator({
        port: config.simulator.port,
        host: config.host,
        ...(seed ? { seed } : {}),
        credentials: { ...saved, ...overrides },
      });
      const started = simulator;
      cleanups.push({ name: 'simulator', run: () => started.stop() });
      secrets.simulator = { ...simulator.credentials, seed: simulator.model.seed };
      tencentEnv = { ...simulator.env(), ...without(config.tencentEnv, 'TENCENT_MEETING_API_BASE') };
    } else {
      tencentEnv = config.tencentEnv;
    }
    // The functions read their credentials from this environment: locally never a Secrets Manager secret.
    tencentEnv = without(without(tencentEnv, TENCENT_SECRET_ARN_ENV), TENCENT_WEBHOOK_SECRET_ARN_ENV);
    const tencentConfig: TencentConfig = loadTencentConfigFromEnv(tencentEnv);
    if (!simulator) log.info(await checkTencentCredentials(tencentConfig));
    requireWebhookSecrets(tencentConfig);
    saveSecrets(config.dataDir, secrets);

    const emulators: Emulators = await startEmulators({
      ...(config.dynamodbPort ? { dynamodbPort: config.dynamodbPort } : {}),
      ...(config.awsPort ? { awsPort: config.awsPort } : {}),
      dataDir: config.dataDir,
    });
    cleanups.push({ name: 'emulators', run: () => emulators.stop() });
    const clients = createAwsClients({ dynamodbEndpoint: emulators.dynamodbEndpoint, awsEndpoint: emulators.awsEndpoint, forcePathStyle: true, region: 'us-east-1' });
    cleanups.push({ name: 'AWS clients', run: async () => destroyClients(clients) });
    const resources = await ensureLocalResources(clients, LOCAL_RESOURCE_NAMES);

    // The functions are built as the Lambda entries build them, from one environment: the user's
    // documented settings, the local resources' names, the API token and the Tencent credentials.
    // The local stack adds only what is not a setting: emulator-bound clients, loggers, local limits.
    const apiToken = config.apiToken ?? secrets.archiveApiToken;
    const functionEnv: Record<string, string> = {
      // fauxqs refuses request bodies over 11 MiB: parts stay below that unless the user sets a size.
      [ENV.copyMaxPartSizeBytes]: String(LOCAL_MAX_PART_BYTES),
      // The simulator's download links are http://127.0.0.1 (DOWNLOAD_ALLOW_INSECURE_LOOPBACK=false
      // turns this off, e.g. to try the AWS policy against a real Tencent API).
      [ENV.downloadAllowInsecureLoopback]: 'true',
      // No EventBridge locally: archive events are appended here (tail -f it), unless the user names another file.
      [ENV.archiveEventsFile]: join(config.dataDir, LOCAL_EVENTS_FILE_NAME),
      ...config.functionSettings,
      ...tencentEnv,
      [ENV.tableName]: resources.tableName,
      [ENV.bucketName]: resources.bucketName,
      [ENV.ingestQueueUrl]: resources.ingestQueueUrl,
      [ENV.ingestDeadLetterQueueUrl]: resources.ingestDeadLetterQueueUrl,
      [ENV.archiveApiToken]: apiToken,
      // The local queue's redrive count (resources.ts), as the CDK stack sets the deployed queue's.
      [ENV.ingestMaxReceiveCount]: String(INGEST_MAX_RECEIVE_COUNT),
    };
    // On the console (npm start) the functions' entries read as console lines; without one, JSON as in AWS.
    const eventsLog = child('events');
    const platform = (name: string) => ({
      clients,
      logger: options.log ? createConsoleFunctionLogger(name, child(name)) : createLogger(name),
      printEvent: (line: string) => eventsLog.info(line),
    });

    const ingestLog = child('ingest');
    const progress = createProgressReporter(ingestLog);
    const ingest = await ingestFromEnvironment(functionEnv, {
      ...platform('ingest'),
      onProgress: (p) => progress.onProgress({ copy: `${p.recordFileId}/${p.artifact}`, bytesDone: p.bytesDone, totalBytes: p.totalBytes }),
      // A copy lease lasts a little longer than the function timeout, as in AWS.
      leaseMs: (config.ingest.timeoutSeconds + 60) * 1000,
    });
    const poller: QueuePoller = await startQueuePoller({
      sqs: clients.sqs,
      queueUrl: resources.ingestQueueUrl,
      functionName: 'ingest',
      handler: ingest,
      timeoutMs: config.ingest.timeoutSeconds * 1000,
      batchSize: config.ingest.batchSize,
      concurrency: config.ingest.concurrency,
      visibilityTimeoutSeconds: config.ingest.visibilityTimeoutSeconds,
      log: ingestLog,
    });
    cleanups.push({ name: 'ingest poller', run: () => poller.stop({ graceMs: 10_000 }) });

    const scheduled: ScheduledFunction[] = [];
    if (config.reconcileIntervalMinutes > 0) {
      scheduled.push({
        functionName: 'reconcile',
        everyMs: config.reconcileIntervalMinutes * 60_000,
        firstRunAfterMs: 30_000,
        timeoutMs: 15 * 60_000,
        handler: await reconcileFromEnvironment(functionEnv, platform('reconcile')),
      });
    }
    const schedules: Schedules = startSchedules(scheduled, child('schedule'));
    cleanups.push({ name: 'schedules', run: () => schedules.stop() });

    const webhook = await webhookFromEnvironment(functionEnv, platform('webhook'));
    // The token is enforced in one place, the query handler (as ARCHIVE_API_TOKEN is in AWS); the
    // gateway only routes.
    // The console is bundled at start (never committed): the same bytes the Lambda package carries.
    const query = queryFromEnvironment(functionEnv, platform('archive-query'), await buildConsoleAssets());
    const tencent = {
      mode: simulator ? ('simulator' as const) : ('remote' as const),
      apiBase: tencentConfig.apiBase,
      operatorId: tencentConfig.operatorId,
    };
    const healthz = createHealthHandler({ clients, resources, poller, tencent });
    const gateway: Gateway = await startGateway({
      port: config.port,
      host: config.host,
      portVariable: 'PORT',
      log: child('gateway'),
      routes: [
        { methods: ['GET', 'POST'], path: WEBHOOK_PATH, functionName: 'webhook', handler: webhook, timeoutMs: 10_000 },
        // As the stack's ANY route: other methods reach the function, which answers 405 with Allow.
        { methods: 'ANY', path: WEBHOOK_PATH, functionName: 'webhook', handler: webhook, timeoutMs: 10_000 },
        { methods: 'ANY', path: '/v1/{proxy+}', functionName: 'query', handler: query, timeoutMs: 20_000 },
        { methods: ['GET'], path: '/openapi.json', functionName: 'query', handler: query, timeoutMs: 20_000 },
        // The console's shell and assets, as the stack's GET / and GET /console/{proxy+} routes.
        { methods: ['GET'], path: '/', functionName: 'query', handler: query, timeoutMs: 20_000 },
        { methods: ['GET'], path: '/console/{proxy+}', functionName: 'query', handler: query, timeoutMs: 20_000 },
        { methods: ['GET'], path: '/healthz', functionName: 'healthz', handler: healthz },
      ],
    });
    cleanups.push({ name: 'gateway', run: () => gateway.stop() });

    const urls: LocalStackUrls = {
      gateway: gateway.url,
      console: `${gateway.url}/`,
      webhook: `${gateway.url}${WEBHOOK_PATH}`,
      api: `${gateway.url}/v1`,
      healthz: `${gateway.url}/healthz`,
      ...(simulator ? { simulator: simulator.url } : {}),
      dynamodb: emulators.dynamodbEndpoint,
      aws: emulators.awsEndpoint,
    };

    // Tools that target the running stack (npm run backfill) find its endpoints and the simulator's
    // credentials here; the file goes away with the stack.
    stackFile.update({
      urls: { gateway: urls.gateway, webhook: urls.webhook, api: urls.api, ...(urls.simulator ? { simulator: urls.simulator } : {}) },
      dynamodbEndpoint: emulators.dynamodbEndpoint,
      awsEndpoint: emulators.awsEndpoint,
      region: 'us-east-1',
      tableName: resources.tableName,
      ingestQueueUrl: resources.ingestQueueUrl,
      ...(simulator ? { tencentEnv: simulator.env() } : {}),
    });

    let demo: Promise<DemoResult> | undefined;
    const demoAbort = new AbortController();
    if (simulator) {
      const demoLog = child('demo');
      const sim = simulator;
      cleanups.push({ name: 'demo', run: async () => demoAbort.abort() });
      // Tencent verifies a URL (the GET with check_str) when it is saved in the subscription; the
      // simulator does the same, once, before it sends any event.
      await registerWebhook({ simulator: sim, webhookUrl: urls.webhook, log: demoLog });
      if (config.demo) {
        // On the next tick, so the ready banner is printed before the demo's first lines.
        demo = new Promise((resolve) => setTimeout(resolve, 0)).then(() =>
          runDemoMeeting({ simulator: sim, webhookUrl: urls.webhook, apiUrl: urls.api, apiToken, log: demoLog, signal: demoAbort.signal }),
        );
        demo.catch(() => undefined);
      }
    }

    return {
      urls,
      apiToken,
      apiTokenGenerated: config.apiToken === undefined,
      dataDir: config.dataDir,
      resources,
      tencent,
      ...(simulator ? { simulator } : {}),
      ...(demo ? { demo } : {}),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** TENCENT_MEETING_* credentials set in the environment become the simulator's (TENCENT_MEETING_APP_ID → appId). */
function simulatorOverrides(env: Readonly<Record<string, string>>): Partial<Omit<SimulatorCredentials, 'sdkId'>> & { sdkId?: string } {
  const out: Record<string, string> = {};
  for (const variable of TENCENT_SECRET_KEYS) {
    const key = variable
      .slice('TENCENT_MEETING_'.length)
      .toLowerCase()
      .replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    // The operator's id type is how the archive names the operator, not a credential the simulator checks.
    if (key !== 'operatorIdType' && env[variable]) out[key] = env[variable];
  }
  return out;
}

/** --fresh: everything in the data directory goes, but the lock this stack just took. */
function wipeExcept(dataDir: string, keep: string): void {
  for (const entry of readdirSync(dataDir)) if (entry !== keep) rmSync(join(dataDir, entry), { recursive: true, force: true });
}

function without(env: Readonly<Record<string, string>>, key: string): Record<string, string> {
  const { [key]: _dropped, ...rest } = env;
  return rest;
}

export async function assertPortFree(host: string, port: number, variable: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? new PortInUseError(port, variable, { cause: error }) : error);
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

function destroyClients(clients: AwsClients): void {
  clients.dynamo.destroy();
  clients.s3.destroy();
  clients.sqs.destroy();
}
