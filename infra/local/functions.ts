// The functions' side of the local stack, in the process(es) `npm start` forks for them
// (functions-cli.ts): the `gateway` role serves the webhook, the archive API and /healthz on PORT;
// the `worker` role runs the queue poller feeding the ingest function and the reconcile schedule.
// By default each role has a process of its own, so a copy (its checksums, part buffers and
// sockets) never delays a webhook's answer; INGEST_OWN_PROCESS=false runs both in one.
// The functions are built as the Lambda entries build them, by the same `…FromEnvironment`.
import { createAwsClients, endpointsFromEnvironment, type AwsClients } from '../../shared/aws/clients.ts';
import { ENV } from '../../shared/config/environment.ts';
import { WEBHOOK_PATH } from '../../shared/http/routes.ts';
import { webhookFromEnvironment } from '../../functions/webhook/handler.ts';
import { ingestFromEnvironment } from '../../functions/ingest/handler.ts';
import { queryFromEnvironment } from '../../functions/query/handler.ts';
import { reconcileFromEnvironment } from '../../functions/reconcile/handler.ts';
import { buildConsoleAssets } from '../../console/build.ts';
import { ensureLocalResources, LOCAL_RESOURCE_NAMES, type LocalResources } from './resources.ts';
import { startGateway } from './gateway.ts';
import { createHealthHandler } from './health.ts';
import { startQueuePoller } from './queue-poller.ts';
import { startSchedules, type ScheduledFunction } from './schedule.ts';
import type { LocalLog } from './lambda-context.ts';
import { createProgressReporter } from './progress.ts';
import { createConsoleFunctionLogger } from './function-logger.ts';
import type { LocalStackConfig } from './stack-config.ts';
import { isProcessAlive } from './stack-file.ts';
import type { RunningPart } from './processes.ts';

export type FunctionsRole = 'gateway' | 'worker';

export interface FunctionsSettings {
  readonly roles: readonly FunctionsRole[];
  readonly config: Pick<LocalStackConfig, 'host' | 'port' | 'ingest' | 'reconcileIntervalMinutes'>;
  /** The functions' environment but for the resources' names, which this process adds; the emulators' endpoints are in it (AWS_ENDPOINT_URL_*). */
  readonly functionEnv: Readonly<Record<string, string>>;
  readonly tencent: { readonly mode: 'simulator' | 'remote'; readonly apiBase: string };
  /** The worker's process when it runs apart from the gateway: /healthz reports whether it lives. */
  readonly workerPid?: number;
}

export interface FunctionsInfo {
  readonly gatewayUrl?: string;
  readonly resources: LocalResources;
}

export async function startFunctions(settings: FunctionsSettings, log: LocalLog & { child(component: string): LocalLog }): Promise<RunningPart<FunctionsInfo>> {
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    // Reverse start order: the front door closes first, the clients last.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => log.warn('stopping failed', { error: String(error) }));
  };
  try {
    const { config } = settings;
    const clients = createAwsClients({ ...endpointsFromEnvironment(settings.functionEnv), forcePathStyle: true, region: 'us-east-1' });
    cleanups.push(async () => destroyClients(clients));
    const resources = await ensureLocalResources(clients, LOCAL_RESOURCE_NAMES);
    const functionEnv: Record<string, string> = {
      ...settings.functionEnv,
      [ENV.tableName]: resources.tableName,
      [ENV.bucketName]: resources.bucketName,
      [ENV.ingestQueueUrl]: resources.ingestQueueUrl,
      [ENV.ingestDeadLetterQueueUrl]: resources.ingestDeadLetterQueueUrl,
    };
    // The functions' entries read as console lines here; in AWS they are JSON.
    const eventsLog = log.child('events');
    const platform = (name: string) => ({
      clients,
      logger: createConsoleFunctionLogger(name, log.child(name)),
      printEvent: (line: string) => eventsLog.info(line),
    });

    let inFlight: (() => number) | undefined;
    if (settings.roles.includes('worker')) {
      const ingestLog = log.child('ingest');
      const progress = createProgressReporter(ingestLog);
      const ingest = await ingestFromEnvironment(functionEnv, {
        ...platform('ingest'),
        onProgress: (p) => progress.onProgress({ copy: `${p.recordFileId}/${p.artifact}`, bytesDone: p.bytesDone, totalBytes: p.totalBytes }),
        // A copy lease lasts a little longer than the function timeout, as in AWS.
        leaseMs: (config.ingest.timeoutSeconds + 60) * 1000,
      });
      const poller = await startQueuePoller({
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
      inFlight = () => poller.inFlight;
      cleanups.push(() => poller.stop({ graceMs: 10_000 }));

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
      const schedules = startSchedules(scheduled, log.child('schedule'));
      cleanups.push(() => schedules.stop());
    }

    let gatewayUrl: string | undefined;
    if (settings.roles.includes('gateway')) {
      const webhook = await webhookFromEnvironment(functionEnv, platform('webhook'));
      // The token is enforced in one place, the query handler (as ARCHIVE_API_TOKEN is in AWS); the
      // gateway only routes.
      // The console is bundled at start (never committed): the same bytes the Lambda package carries.
      const query = queryFromEnvironment(functionEnv, platform('archive-query'), await buildConsoleAssets());
      const workerPid = settings.workerPid;
      const ingestWorker = inFlight
        ? () => ({ status: 'ok' as const, invocationsInFlight: inFlight() })
        : () => (workerPid !== undefined && isProcessAlive(workerPid) ? { status: 'ok' as const, pid: workerPid } : { status: 'down' as const, pid: workerPid });
      const healthz = createHealthHandler({ clients, resources, ingestWorker, tencent: settings.tencent });
      const gateway = await startGateway({
        port: config.port,
        host: config.host,
        portVariable: 'PORT',
        log: log.child('gateway'),
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
      gatewayUrl = gateway.url;
      cleanups.push(() => gateway.stop());
    }
    return { info: { ...(gatewayUrl ? { gatewayUrl } : {}), resources }, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function destroyClients(clients: AwsClients): void {
  clients.dynamo.destroy();
  clients.s3.destroy();
  clients.sqs.destroy();
}
