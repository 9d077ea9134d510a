// The whole ingest path on real components, for integration tests: the Tencent Meeting simulator
// over real HTTP, the webhook and ingest handlers, DynamoDB Local and fauxqs over real sockets.
// Only the Lambda runtime is played by the test: `drain()` feeds queue batches to the ingest
// handler the way the event source mapping does (partial batch failures stay on the queue).
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSBatchResponse } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../infra/local/simulator/server.ts';
import { createLambdaContext } from '../../infra/local/lambda-context.ts';
import { toSqsRecord } from '../../infra/local/queue-poller.ts';
import { createWebhookHandler } from '../../functions/webhook/handler.ts';
import { createIngestHandler } from '../../functions/ingest/handler.ts';
import { confirmEventMarker } from '../../shared/webhook/dedupe.ts';
import { ArchiveIndex } from '../../shared/archive/archive-index.ts';
import { TencentMeetingClient } from '../../shared/tencent/client.ts';
import { loadTencentConfigFromEnv } from '../../shared/tencent/config.ts';
import type { CopyProgress, CopySettings } from '../../shared/copy/artifact-copier.ts';
import { archiveIndexOf, buildIngestService } from '../../shared/ingest/wiring.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveEventOutbox } from '../../shared/events/outbox.ts';
import { ArchiveFailureEvents } from '../../shared/events/failure-events.ts';
import { FileEventPublisher } from '../../shared/events/file-publisher.ts';
import type { ArchiveEventPublisher } from '../../shared/events/publisher.ts';
import type { DownloadPolicy } from '../../shared/copy/download-policy.ts';
import { ingestMetricsOf } from '../../shared/ingest/ingest-metrics.ts';
import type { DeletionPolicy } from '../../shared/config/environment.ts';
import { webhookSignature, encodeWebhookData } from '../../shared/webhook/codec.ts';
import type { AwsClients } from '../../shared/aws/clients.ts';
import { createTestResources, destroyClients } from './aws.ts';
import { profileFromEnvironment } from './simulator.ts';

export interface HarnessOptions {
  readonly simulator?: SimulatorOptions;
  readonly aesMode?: boolean;
  readonly deletionPolicy?: DeletionPolicy;
  readonly copy?: CopySettings;
  /** What download links may point at; default the local stack's (http to loopback allowed). */
  readonly downloadPolicy?: DownloadPolicy;
  /** Called as each part of a copy is uploaded (S3 answered it), as the local console's progress is. */
  readonly onProgress?: (progress: CopyProgress) => void;
  /** The ingest function's timeout as the Lambda context reports it. */
  readonly ingestTimeoutMs?: number;
  readonly deadlineMarginMs?: number;
  /** Logger of the webhook and ingest handlers (e.g. the product's createLogger, captured by a test); default silent. */
  readonly logger?: Logger;
  /**
   * The AWS clients the functions (webhook, ingest) use, built from the harness's direct clients:
   * e.g. clients routed through a proxy that plays an unavailable DynamoDB or S3. The harness itself
   * (queue polling in `drain`, resource creation, `index`) keeps the direct clients, as Lambda's
   * event source mapping does not depend on the function's dependencies. The caller destroys them.
   */
  readonly functionClients?: (direct: AwsClients) => AwsClients;
  /** Metrics of the ingest function (service and batch handler), e.g. a recording fake; default the product's. */
  readonly metrics?: Metrics;
  /** Copy lease duration of the ingest service (default 60 s). */
  readonly leaseMs?: number;
  /** The ingest queue's visibility timeout (default 1 s). */
  readonly visibilityTimeoutSeconds?: number;
  /** Bounds on a copy's continuations (the product's defaults when absent). */
  readonly continuationLimits?: HarnessContinuationLimits;
  /** Where archive events go; default a JSON-lines file in a temporary directory (`eventsFile`), as under npm start. */
  readonly eventPublisher?: ArchiveEventPublisher;
}

type HarnessContinuationLimits = NonNullable<Parameters<typeof buildIngestService>[0]['continuationLimits']>;

export interface DeliverOptions {
  /** Encode this delivery in the other mode than the harness's subscription (a subscription switched over). */
  readonly mode?: 'aes' | 'plain';
}

export interface DrainResult {
  readonly invocations: number;
  readonly processed: number;
  readonly failed: number;
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export async function startHarness(options: HarnessOptions = {}) {
  const resources = await createTestResources(undefined, { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 1 });
  const clients = options.functionClients ? options.functionClients(resources.clients) : resources.clients;
  const sim: Simulator = await startSimulator({ ...profileFromEnvironment(), ...options.simulator });
  const env = sim.env();
  const config = loadTencentConfigFromEnv(env);
  const tencent = new TencentMeetingClient(config, { retry: { baseDelayMs: 20, maxDelayMs: 200, rateLimitDelayMs: 200, maxRetryAfterMs: 500 } });
  const logger = options.logger ?? new Logger({ serviceName: 'test', logLevel: (process.env.TEST_LOG_LEVEL as 'SILENT' | undefined) ?? 'SILENT' });
  const encodingAesKey = options.aesMode === false ? undefined : sim.credentials.encodingAesKey;
  const webhookWith = (aesKey: string | undefined) =>
    createWebhookHandler({
      dynamo: clients.dynamo,
      sqs: clients.sqs,
      tableName: resources.tableName,
      queueUrl: resources.ingestQueueUrl,
      token: sim.credentials.webhookToken,
      ...(aesKey ? { encodingAesKey: aesKey } : {}),
      logger,
    } as Parameters<typeof createWebhookHandler>[0]);
  const webhook = webhookWith(encodingAesKey);
  // A subscription is in one mode at a time; this one plays the subscription switched over.
  let otherWebhook: typeof webhook | undefined;
  const eventsFile = join(mkdtempSync(join(tmpdir(), 'archive-events-')), 'events.jsonl');
  const outbox = new ArchiveEventOutbox({
    dynamo: clients.dynamo,
    tableName: resources.tableName,
    publisher: options.eventPublisher ?? new FileEventPublisher({ path: eventsFile, print: () => undefined }),
    logger,
  });
  const service = buildIngestService({
    outbox,
    clients,
    tableName: resources.tableName,
    bucketName: resources.bucketName,
    queueUrl: resources.ingestQueueUrl,
    tencent,
    deletionPolicy: options.deletionPolicy ?? 'retain',
    copy: { maxPartSizeBytes: 10 * 1024 * 1024, ...options.copy },
    // The simulator serves http on 127.0.0.1, as under npm start.
    downloadPolicy: options.downloadPolicy ?? { allowInsecureLoopback: true, hostAllowlist: [] },
    logger,
    ...(options.metrics ? { metrics: ingestMetricsOf(options.metrics) } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    leaseMs: options.leaseMs ?? 60_000,
    deferSeconds: { fileBusy: 1, notListed: 1, notReady: 1, stsToken: 1 },
    ...(options.continuationLimits ? { continuationLimits: options.continuationLimits } : {}),
  });
  const ingest = createIngestHandler({
    service,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    deadlineMarginMs: options.deadlineMarginMs ?? 0,
    deadLetter: { sqs: clients.sqs, queueUrl: resources.ingestDeadLetterQueueUrl },
    failures: new ArchiveFailureEvents({ index: archiveIndexOf({ clients, tableName: resources.tableName, outbox }), outbox }),
    confirmEventMarker: (eventId) => confirmEventMarker(clients.dynamo, resources.tableName, eventId),
  });
  const index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
  const queueArn = (
    await resources.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: resources.ingestQueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;

  let nonce = 1000;
  /** Delivers one event as Tencent would: signed POST {"data": …}, AES or plain. */
  async function deliver(event: unknown, deliverOptions: DeliverOptions = {}): Promise<APIGatewayProxyStructuredResultV2> {
    const harnessMode = encodingAesKey ? 'aes' : 'plain';
    const mode = deliverOptions.mode ?? harnessMode;
    const aesKey = mode === 'aes' ? sim.credentials.encodingAesKey : undefined;
    const handler = mode === harnessMode ? webhook : (otherWebhook ??= webhookWith(aesKey));
    const data = encodeWebhookData(JSON.stringify(event), aesKey);
    const timestamp = String(Date.now());
    const n = String(nonce++);
    const signature = webhookSignature(sim.credentials.webhookToken, timestamp, n, data);
    const apiEvent = {
      version: '2.0',
      routeKey: 'POST /webhooks/tencent-meeting',
      rawPath: '/webhooks/tencent-meeting',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', timestamp, nonce: n, signature },
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: { method: 'POST', path: '/webhooks/tencent-meeting', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
        requestId: `r-${n}`,
        routeKey: 'POST /webhooks/tencent-meeting',
        stage: '$default',
        time: new Date().toISOString(),
        timeEpoch: Date.now(),
      },
      body: JSON.stringify({ data }),
      isBase64Encoded: false,
    } as APIGatewayProxyEventV2;
    const { context } = createLambdaContext({ functionName: 'webhook', timeoutMs: 10_000 });
    return (await handler(apiEvent, context)) as APIGatewayProxyStructuredResultV2;
  }

  /** Runs ingest invocations until the queue is empty (or `maxInvocations`), like the event source mapping. */
  async function drain({ maxInvocations = 50, batchSize = 5, timeoutMs = options.ingestTimeoutMs ?? 120_000 } = {}): Promise<DrainResult> {
    let invocations = 0;
    let processed = 0;
    let failed = 0;
    while (invocations < maxInvocations) {
      const received = await resources.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: resources.ingestQueueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) {
        const attributes = await resources.clients.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: resources.ingestQueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        );
        const a = attributes.Attributes ?? {};
        const left = Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
        if (left === 0) break;
        continue;
      }
      invocations += 1;
      const { context } = createLambdaContext({ functionName: 'ingest', timeoutMs });
      const event = { Records: messages.map((m) => toSqsRecord(m, queueArn, 'us-east-1')) };
      const response: SQSBatchResponse = await ingest(event, context);
      const failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const done = messages.filter((m) => !failedIds.has(m.MessageId!));
      processed += done.length;
      failed += failedIds.size;
      if (done.length > 0) {
        await resources.clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: resources.ingestQueueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    }
    return { invocations, processed, failed };
  }

  async function stop(): Promise<void> {
    await sim.stop();
    destroyClients(resources.clients);
  }

  return { sim, resources, tencent, index, webhook, ingest, service, logger, queueArn, deliver, drain, stop, encodingAesKey, outbox, eventsFile };
}
