// The whole system on one machine: embedded emulators, the resources of the CDK stack, the real
// function handlers behind the local gateway, the queue poller and the reconcile schedule, and the
// Tencent Meeting simulator (or a real Tencent API). `npm start` (start.ts) runs it through
// startLocalStack, which is the supervisor: it holds the data directory's lock, the simulator and
// the demo, and runs the emulators (S3 apart), the gateway and the ingest worker as processes of their own
// (emulators-cli.ts, functions-cli.ts; processes.ts), stopping them all when one ends.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ENV } from '../../shared/config/environment.ts';
import { INGEST_MAX_RECEIVE_COUNT } from '../../shared/archive/table-design.ts';
import { WEBHOOK_PATH } from '../../shared/http/routes.ts';
import { TENCENT_SECRET_ARN_ENV, TENCENT_SECRET_KEYS, TENCENT_WEBHOOK_SECRET_ARN_ENV } from '../../shared/tencent/config-keys.ts';
import { loadTencentConfigFromEnv, requireWebhookSecrets, type TencentConfig } from '../../shared/tencent/config.ts';
import { fileURLToPath } from 'node:url';
import type { EmulatorsInfo, EmulatorsPartSettings, S3EmulatorInfo } from './emulators-cli.ts';
import type { LocalResources } from './resources.ts';
import type { FunctionsInfo, FunctionsRole, FunctionsSettings } from './functions.ts';
import { loadSecrets, saveSecrets } from './local-secrets.ts';
import { PortInUseError, silentLog, type LocalLog } from './lambda-context.ts';
import { LOCAL_COPY_CONNECTIONS, LOCAL_MAX_PART_BYTES } from './local-limits.ts';
import { describeExit, startPart, type PartProcess } from './processes.ts';
import { startSimulator, type Simulator, type SimulatorCredentials } from './simulator/server.ts';
import { registerWebhook, runDemoMeeting, type DemoResult } from './demo.ts';
import type { LocalStackConfig } from './stack-config.ts';
import { claimLocalStackFile, LOCAL_STACK_FILE_NAME, type LocalStackProcesses } from './stack-file.ts';
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
  readonly s3: string;
  readonly sqs: string;
}

export interface LocalStack {
  readonly urls: LocalStackUrls;
  readonly apiToken: string;
  /** True when ARCHIVE_API_TOKEN was not given and the token was generated (and persisted). */
  readonly apiTokenGenerated: boolean;
  readonly dataDir: string;
  readonly resources: LocalResources;
  readonly tencent: { readonly mode: 'simulator' | 'remote'; readonly apiBase: string; readonly operatorId: string };
  /** The stack's processes: this one (the supervisor) and the parts it started. */
  readonly processes: LocalStackProcesses;
  readonly simulator?: Simulator;
  /** Settles when the demo meeting is archived (or failed); undefined without a demo. */
  readonly demo?: Promise<DemoResult>;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly log?: LocalLog & { child?(component: string): LocalLog };
  /** Called once when a part's process ends while the stack is not stopping; the caller stops the stack. */
  readonly onPartExit?: (message: string) => void;
}

const EMULATORS_SCRIPT = fileURLToPath(new URL('./emulators-cli.ts', import.meta.url));
const FUNCTIONS_SCRIPT = fileURLToPath(new URL('./functions-cli.ts', import.meta.url));

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
    await assertPortFree(config.host, config.s3Port, 'S3_EMULATOR_PORT');
    await assertPortFree(config.host, config.sqsPort, 'SQS_EMULATOR_PORT');

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

    // Each part in a process of its own (processes.ts): the emulators (S3's fauxqs apart from the
    // one serving SQS, so a webhook's send never waits on S3 hashing and concatenating parts), then
    // the worker (the queue poller and the ingest function, the reconcile schedule), then the
    // gateway, whose port opens last. The two emulator processes start side by side.
    const starting = [
      startPart<EmulatorsPartSettings, EmulatorsInfo>('emulators', EMULATORS_SCRIPT, {
        serve: 'dynamodb+sqs',
        options: { ...(config.dynamodbPort ? { dynamodbPort: config.dynamodbPort } : {}), ...(config.sqsPort ? { fauxqsPort: config.sqsPort } : {}), dataDir: config.dataDir },
      }),
      startPart<EmulatorsPartSettings, S3EmulatorInfo>('S3 emulator', EMULATORS_SCRIPT, {
        serve: 's3',
        options: { ...(config.s3Port ? { port: config.s3Port } : {}), dataDir: config.dataDir },
      }, { background: true }),
    ] as const;
    const settled = await Promise.allSettled(starting);
    // Whichever started is stopped with the stack, also when the other failed to; both at once, so
    // the whole stop stays inside start.ts's 30 s (one after the other, at 10 s each, plus the
    // functions' 15 s, a loaded machine ran past it and exited without releasing the lock).
    const startedEmulators = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    cleanups.push({
      name: startedEmulators.map((part) => part.name).join(' and '),
      run: async () => {
        const stopped = await Promise.allSettled(startedEmulators.map((part) => part.stop(10_000)));
        const failure = stopped.find((result) => result.status === 'rejected');
        if (failure) throw failure.reason;
      },
    });
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const emulators = await starting[0];
    const s3Emulator = await starting[1];
    if (emulators.info.dynamodbPid) emulators.adopt(emulators.info.dynamodbPid);
    const parts: PartProcess<unknown>[] = [emulators, s3Emulator];

    // The functions are built as the Lambda entries build them, from one environment: the user's
    // documented settings, the API token and the Tencent credentials (their processes add the local
    // resources' names). The local stack adds only what is not a setting: emulator-bound clients,
    // loggers, local limits.
    const apiToken = config.apiToken ?? secrets.archiveApiToken;
    const functionEnv: Record<string, string> = {
      // fauxqs refuses request bodies over 11 MiB: parts stay below that unless the user sets a size.
      [ENV.copyMaxPartSizeBytes]: String(LOCAL_MAX_PART_BYTES),
      [ENV.copyConnections]: String(LOCAL_COPY_CONNECTIONS),
      // The simulator's download links are http://127.0.0.1 (DOWNLOAD_ALLOW_INSECURE_LOOPBACK=false
      // turns this off, e.g. to try the AWS policy against a real Tencent API).
      [ENV.downloadAllowInsecureLoopback]: 'true',
      // No EventBridge locally: archive events are appended here (tail -f it), unless the user names another file.
      [ENV.archiveEventsFile]: join(config.dataDir, LOCAL_EVENTS_FILE_NAME),
      ...config.functionSettings,
      ...tencentEnv,
      [ENV.archiveApiToken]: apiToken,
      // The local queue's redrive count (resources.ts), as the CDK stack sets the deployed queue's.
      [ENV.ingestMaxReceiveCount]: String(INGEST_MAX_RECEIVE_COUNT),
      // The SDK's per-service endpoints, as a Lambda pointed elsewhere would have them.
      [ENV.dynamodbEndpoint]: emulators.info.dynamodbEndpoint,
      [ENV.s3Endpoint]: s3Emulator.info.s3Endpoint,
      [ENV.sqsEndpoint]: emulators.info.sqsEndpoint,
    };
    const tencent = {
      mode: simulator ? ('simulator' as const) : ('remote' as const),
      apiBase: tencentConfig.apiBase,
      operatorId: tencentConfig.operatorId,
    };
    const functionSettings = (roles: FunctionsRole[], workerPid?: number): FunctionsSettings => ({
      roles,
      config: { host: config.host, port: config.port, ingest: config.ingest, reconcileIntervalMinutes: config.reconcileIntervalMinutes },
      functionEnv,
      tencent,
      ...(workerPid ? { workerPid } : {}),
    });
    let worker: PartProcess<FunctionsInfo> | undefined;
    if (config.ingestOwnProcess) {
      const started = await startPart<FunctionsSettings, FunctionsInfo>('ingest worker', FUNCTIONS_SCRIPT, functionSettings(['worker']), { background: true });
      worker = started;
      parts.push(started);
      cleanups.push({ name: 'ingest worker', run: () => started.stop(15_000) });
    }
    const functions = await startPart<FunctionsSettings, FunctionsInfo>(
      worker ? 'gateway' : 'functions',
      FUNCTIONS_SCRIPT,
      functionSettings(worker ? ['gateway'] : ['gateway', 'worker'], worker?.pid),
    );
    parts.push(functions);
    // The gateway and the worker stop side by side (the worker lets invocations in flight finish,
    // up to 10 s); the emulators they both use stop after them.
    const stopWorker = worker ? cleanups.pop()! : undefined;
    cleanups.push({ name: functions.name, run: async () => void (await Promise.all([functions.stop(worker ? 5_000 : 15_000), stopWorker?.run()])) });
    const { resources } = functions.info;
    const gatewayUrl = functions.info.gatewayUrl!;

    // One part that ends on its own (a crash, or someone killing its pid) ends the stack: half a
    // stack would accept webhooks nobody archives, or archive into emulators that are gone.
    let stopping = false;
    cleanups.push({ name: 'watch', run: async () => void (stopping = true) });
    for (const part of parts) {
      void part.exited.then((exit) => {
        if (stopping) return;
        stopping = true;
        options.onPartExit?.(`the ${part.name} process (pid ${part.pid}) ended on its own (${describeExit(exit)})`);
      });
    }

    const urls: LocalStackUrls = {
      gateway: gatewayUrl,
      console: `${gatewayUrl}/`,
      webhook: `${gatewayUrl}${WEBHOOK_PATH}`,
      api: `${gatewayUrl}/v1`,
      healthz: `${gatewayUrl}/healthz`,
      ...(simulator ? { simulator: simulator.url } : {}),
      dynamodb: emulators.info.dynamodbEndpoint,
      s3: s3Emulator.info.s3Endpoint,
      sqs: emulators.info.sqsEndpoint,
    };
    const processes: LocalStackProcesses = {
      stack: process.pid,
      emulators: emulators.pid,
      s3Emulator: s3Emulator.pid,
      ...(emulators.info.dynamodbPid ? { dynamodb: emulators.info.dynamodbPid } : {}),
      functions: functions.pid,
      ...(worker ? { ingestWorker: worker.pid } : {}),
    };

    // Tools that target the running stack (npm run backfill) find its endpoints and the simulator's
    // credentials here; the file goes away with the stack.
    stackFile.update({
      urls: { gateway: urls.gateway, webhook: urls.webhook, api: urls.api, ...(urls.simulator ? { simulator: urls.simulator } : {}) },
      dynamodbEndpoint: emulators.info.dynamodbEndpoint,
      s3Endpoint: s3Emulator.info.s3Endpoint,
      sqsEndpoint: emulators.info.sqsEndpoint,
      region: 'us-east-1',
      processes,
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
      processes,
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
