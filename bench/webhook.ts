// Webhook acknowledgement: signed AES deliveries at concurrency 20 over real HTTP (the local
// gateway) into the real handler, DynamoDB Local (dedupe) and fauxqs (SQS). The baseline is the
// same gateway with a handler that answers at once, measured in the same run, so the figures show
// what verifying, decrypting, deduping and enqueuing cost on top of HTTP itself. DynamoDB Local's
// own write ceiling is measured too: on this emulator it, not the handler, bounds the latency.
//
//   npm run bench:webhook            (BENCH_EVENTS=2000 BENCH_CONCURRENCY=20 by default)
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startEmulators } from '../infra/local/emulators.ts';
import { ensureLocalResources } from '../infra/local/resources.ts';
import { startGateway, type HttpFunction } from '../infra/local/gateway.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import { createWebhookHandler } from '../functions/webhook/handler.ts';
import { encodeWebhookData, webhookSignature } from '../shared/webhook/codec.ts';
import { recordingCompletedEvent } from '../infra/local/simulator/webhook-events.ts';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const events = Number(process.env.BENCH_EVENTS ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 20);
const token = 'bVPU6F8Htxl5XkAbp3jGV2xWp';
const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

interface Delivery {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** Pre-builds every delivery so the client's own crypto is not part of the measurement. */
function buildDeliveries(count: number): Delivery[] {
  return Array.from({ length: count }, (_, i) => {
    const event = recordingCompletedEvent(
      { meetingId: String(7_000_000_000_000_000_000n + BigInt(i)), meetingCode: String(100_000_000 + i), subject: `bench ${i}`, creatorUserId: 'bench', startTimeSec: 1_700_000_000, endTimeSec: 1_700_003_600 },
      [String(8_000_000_000_000_000_000n + BigInt(i))],
      { traceId: randomUUID() },
    );
    const data = encodeWebhookData(JSON.stringify(event), encodingAesKey);
    const timestamp = String(Date.now());
    const nonce = String(10_000_000 + i);
    return {
      body: JSON.stringify({ data }),
      headers: { 'content-type': 'application/json', timestamp, nonce, signature: webhookSignature(token, timestamp, nonce, data) },
    };
  });
}

interface Figures {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Runs `operation` `count` times, `parallel` at a time, and summarises the latencies. */
async function measure(count: number, parallel: number, operation: (i: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      await operation(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)]!;
  return { perSecond: count / seconds, p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1)! };
}

async function run(url: string, deliveries: readonly Delivery[], parallel = concurrency): Promise<Figures> {
  const agent = new Agent({ keepAlive: true, maxSockets: parallel });
  try {
    return await measure(deliveries.length, parallel, async (i) => {
      const { status, body } = await post(agent, url, deliveries[i]!);
      if (status !== 200 || body !== 'successfully received callback') throw new Error(`unexpected answer ${status}: ${body}`);
    });
  } finally {
    agent.destroy();
  }
}

function post(agent: Agent, url: string, delivery: Delivery): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: delivery.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(delivery.body);
  });
}

const emulators = await startEmulators();
try {
  const clients = createAwsClients({ dynamodbEndpoint: emulators.dynamodbEndpoint, awsEndpoint: emulators.awsEndpoint, forcePathStyle: true, region: 'us-east-1' });
  const resources = await ensureLocalResources(clients, { table: 'bench-webhook', bucket: 'bench-webhook', ingestQueue: 'bench-webhook', ingestDeadLetterQueue: 'bench-webhook-dlq' });
  const webhook = createWebhookHandler({
    dynamo: clients.dynamo,
    sqs: clients.sqs,
    tableName: resources.tableName,
    queueUrl: resources.ingestQueueUrl,
    token,
    encodingAesKey,
    logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
  }) as HttpFunction;
  const acknowledgeAtOnce: HttpFunction = async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'successfully received callback' });
  const gateway = await startGateway({
    port: 0,
    routes: [
      { methods: ['POST'], path: '/webhooks/tencent-meeting', functionName: 'webhook', handler: webhook },
      { methods: ['POST'], path: '/baseline', functionName: 'baseline', handler: acknowledgeAtOnce },
    ],
  });
  try {
    const warmUp = buildDeliveries(100);
    await run(`${gateway.url}/webhooks/tencent-meeting`, warmUp);
    const baseline = await run(`${gateway.url}/baseline`, buildDeliveries(events));
    const real = await run(`${gateway.url}/webhooks/tencent-meeting`, buildDeliveries(events));
    const serial = await run(`${gateway.url}/webhooks/tencent-meeting`, buildDeliveries(Math.min(events, 300)), 1);
    // The emulator's own ceiling, same run, same concurrency: a delivery costs two conditional
    // writes (claim the trace_id, then confirm it after SQS accepted the messages).
    const dynamo = await measure(events, concurrency, async (i) => {
      await clients.dynamo.send(
        new PutCommand({ TableName: resources.tableName, Item: { pk: `BENCH#${i}`, sk: 'BENCH' }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    });
    const rows = [
      [`baseline: gateway + immediate 200 (concurrency ${concurrency})`, baseline],
      [`webhook: verify + AES decrypt + dedupe + enqueue (concurrency ${concurrency})`, real],
      ['webhook, one delivery at a time (concurrency 1)', serial],
      [`DynamoDB Local alone: conditional PutItem (concurrency ${concurrency})`, dynamo],
    ] as const;
    console.log(`\nWebhook acknowledgement, ${events} signed AES deliveries, loopback, DynamoDB Local + fauxqs\n`);
    console.log('| path | per s | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|');
    for (const [name, r] of rows) console.log(`| ${name} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`);
    console.log(
      `\nwebhook events/s = ${(real.perSecond / baseline.perSecond).toFixed(2)} × the bare gateway, ` +
        `${(real.perSecond / (dynamo.perSecond / 2)).toFixed(2)} × the emulator's ceiling for two writes per event; ` +
        `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (bench process: gateway + handler + client)`,
    );
  } finally {
    await gateway.stop();
  }
} finally {
  await emulators.stop();
}

