// Webhook acknowledgement: signed AES deliveries over real HTTP (the local gateway) into the real
// handler, DynamoDB Local (dedupe) and fauxqs (SQS), with every DynamoDB and SQS command counted
// by an SDK middleware on the real clients (test/support/aws-calls.ts).
//
// The first row is the figure that matters in AWS: Lambda gives each concurrent delivery its own
// execution environment, which handles one delivery at a time, so "one delivery at a time" is what
// Tencent sees there, and its commands per delivery are what it costs. Concurrency inside one Node
// process (every delivery, the gateway and the load client on one event loop, in front of one
// emulator) is the `npm start` shape and comes second. Baselines measured in the same run: the same
// gateway with a handler that answers at once, and the emulators alone doing what a delivery asks
// of them (a conditional PutItem and a SendMessageBatch), one at a time. The dedupe marker's
// confirmation is the ingest worker's, on receipt (shared/webhook/dedupe.ts), and not on the path
// Tencent waits for; it is listed beside the webhook's own calls. The emulators run in
// a process of their own (bench/support/emulator-process.ts): in AWS the handler's event loop does
// not also run SQS.
//
//   npm run bench:webhook   (BENCH_EVENTS=2000 BENCH_SERIAL_EVENTS=1000 BENCH_CONCURRENCY=20 BENCH_WARMUP_EVENTS=2000 by default)
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { startEmulatorProcess } from './support/emulator-process.ts';
import { ensureLocalResources } from '../infra/local/resources.ts';
import { startGateway, type HttpFunction } from '../infra/local/gateway.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import { createWebhookHandler } from '../functions/webhook/handler.ts';
import { encodeWebhookData, webhookSignature } from '../shared/webhook/codec.ts';
import { recordingCompletedEvent } from '../infra/local/simulator/webhook-events.ts';
import { countDynamoCalls, countSqsCalls } from '../test/support/aws-calls.ts';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const events = Number(process.env.BENCH_EVENTS ?? 2000);
const serialEvents = Number(process.env.BENCH_SERIAL_EVENTS ?? Math.min(events, 1000));
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 20);
// DynamoDB Local's JIT needs a few thousand calls to settle (its PutItem p50 falls from ~7 to ~3 ms
// over the first 3,000): a DynamoDB in AWS is always warm, so every row is measured after that.
const warmUpEvents = Number(process.env.BENCH_WARMUP_EVENTS ?? 2000);
const token = 'bVPU6F8Htxl5XkAbp3jGV2xWp';
const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

interface Delivery {
  readonly body: string;
  readonly headers: Record<string, string>;
}

let built = 0;
/** Pre-builds every delivery (one recording.completed, one file) so the client's own crypto is not measured. */
function buildDeliveries(count: number): Delivery[] {
  return Array.from({ length: count }, () => {
    const i = built++;
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

/** Per-delivery command counts, min–max over the deliveries (one at a time only: concurrent ones interleave). */
class PerDelivery {
  readonly #samples: Record<string, number[]> = {};
  add(sample: Record<string, number>): void {
    for (const [k, v] of Object.entries(sample)) (this.#samples[k] ??= []).push(v);
  }
  range(name: string): string {
    const values = this.#samples[name] ?? [0];
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    return lo === hi ? String(lo) : `${lo}–${hi}`;
  }
  percentile(name: string, p: number): number {
    const values = [...(this.#samples[name] ?? [0])].sort((a, b) => a - b);
    return values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)]!;
  }
  max(name: string): number {
    return Math.max(...(this.#samples[name] ?? [0]));
  }
}

const emulators = await startEmulatorProcess();
try {
  const clients = createAwsClients({ dynamodbEndpoint: emulators.dynamodbEndpoint, awsEndpoint: emulators.awsEndpoint, forcePathStyle: true, region: 'us-east-1' });
  const resources = await ensureLocalResources(clients, { table: 'bench-webhook', bucket: 'bench-webhook', ingestQueue: 'bench-webhook', ingestDeadLetterQueue: 'bench-webhook-dlq' });
  const dynamoCalls = countDynamoCalls(clients.dynamo);
  const sqsCalls = countSqsCalls(clients.sqs);
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
  const webhookUrl = `${gateway.url}/webhooks/tencent-meeting`;

  /** Posts `deliveries`, `parallel` at a time; one at a time, it also records each delivery's commands. */
  async function run(url: string, deliveries: readonly Delivery[], parallel: number, perDelivery?: PerDelivery): Promise<Figures> {
    const agent = new Agent({ keepAlive: true, maxSockets: parallel });
    try {
      return await measure(deliveries.length, parallel, async (i) => {
        dynamoCalls.reset();
        sqsCalls.reset();
        const started = performance.now();
        const { status, body } = await post(agent, url, deliveries[i]!);
        const elapsed = performance.now() - started;
        if (status !== 200 || body !== 'successfully received callback') throw new Error(`unexpected answer ${status}: ${body}`);
        perDelivery?.add({
          dynamoWrites: dynamoCalls.calls.itemWrites,
          dynamoReads: dynamoCalls.calls.itemsRead,
          dynamoRequests: dynamoCalls.calls.requests,
          sqsSends: sqsCalls.calls.requests,
          messages: sqsCalls.calls.messagesSent,
          waitedMs: dynamoCalls.calls.waitedMs + sqsCalls.calls.waitedMs,
          outsideMs: elapsed - dynamoCalls.calls.waitedMs - sqsCalls.calls.waitedMs,
        });
      });
    } finally {
      agent.destroy();
    }
  }

  try {
    await run(webhookUrl, buildDeliveries(100), concurrency);
    await run(webhookUrl, buildDeliveries(warmUpEvents), 1);

    // Lambda-shaped: one at a time, first.
    const serialBaseline = await run(`${gateway.url}/baseline`, buildDeliveries(serialEvents), 1);
    const fresh = buildDeliveries(serialEvents);
    const serialCounts = new PerDelivery();
    const serial = await run(webhookUrl, fresh, 1, serialCounts);
    // Tencent's retries of events already enqueued: deduped, nothing sent.
    const duplicateCounts = new PerDelivery();
    const duplicates = await run(webhookUrl, fresh.slice(0, Math.min(300, fresh.length)), 1, duplicateCounts);
    // What a delivery asks of the emulators, alone: claim, send.
    const emulatorsAlone = await measure(serialEvents, 1, async (i) => {
      const key = { pk: `BENCH#${i}`, sk: 'BENCH' };
      await clients.dynamo.send(new PutCommand({ TableName: resources.tableName, Item: { ...key, status: 'pending' }, ConditionExpression: 'attribute_not_exists(pk)' }));
      await clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: resources.ingestQueueUrl, Entries: [{ Id: '0', MessageBody: JSON.stringify({ kind: 'bench', i }) }] }));
    });

    // Secondary: concurrency in one process.
    const baseline = await run(`${gateway.url}/baseline`, buildDeliveries(events), concurrency);
    dynamoCalls.reset();
    sqsCalls.reset();
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    const concurrentDeliveries = buildDeliveries(events);
    let totalWrites = 0;
    let totalSends = 0;
    const concurrent = await measure(concurrentDeliveries.length, concurrency, async (i) => {
      const { status, body } = await post(agent, webhookUrl, concurrentDeliveries[i]!);
      if (status !== 200 || body !== 'successfully received callback') throw new Error(`unexpected answer ${status}: ${body}`);
    });
    agent.destroy();
    totalWrites = dynamoCalls.calls.itemWrites;
    totalSends = sqsCalls.calls.requests;
    const concurrentDynamo = await measure(events, concurrency, async (i) => {
      await clients.dynamo.send(new PutCommand({ TableName: resources.tableName, Item: { pk: `BENCH#C${i}`, sk: 'BENCH' }, ConditionExpression: 'attribute_not_exists(pk)' }));
    });

    const row = (name: string, r: Figures, counts: string) =>
      `| ${name} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} | ${counts} |`;
    const perDeliveryCounts = (c: PerDelivery) =>
      `${c.range('dynamoWrites')} / ${c.range('dynamoReads')} / ${c.range('sqsSends')} (${c.range('messages')} msg)`;
    console.log(`\nWebhook acknowledgement: signed AES recording.completed deliveries (one file each) over HTTP, loopback, DynamoDB Local + fauxqs, after ${warmUpEvents} warm-up deliveries one at a time\n`);
    console.log('**One delivery at a time (what each Lambda execution environment does)**\n');
    console.log('| path | per s | p50 ms | p99 ms | max ms | DynamoDB item writes / items read / SQS sends per delivery |');
    console.log('|---|---|---|---|---|---|');
    console.log(row(`**webhook: verify + AES decrypt + dedupe + enqueue, ${serialEvents} new events**`, serial, `**${perDeliveryCounts(serialCounts)}** (+1 write by the worker on receipt)`));
    console.log(row(`webhook: Tencent's retry of an enqueued event (duplicate), ${Math.min(300, fresh.length)}`, duplicates, perDeliveryCounts(duplicateCounts)));
    console.log(row('baseline: gateway + immediate 200', serialBaseline, '–'));
    console.log(row('baseline: emulators alone, conditional PutItem + SendMessageBatch', emulatorsAlone, '1 / 0 / 1'));
    console.log('\n**Concurrency inside one process (the `npm start` shape; secondary)**\n');
    console.log('| path | per s | p50 ms | p99 ms | max ms | DynamoDB item writes / SQS sends per delivery (mean) |');
    console.log('|---|---|---|---|---|---|');
    console.log(row(`webhook, concurrency ${concurrency}, ${events} events`, concurrent, `${(totalWrites / events).toFixed(2)} / ${(totalSends / events).toFixed(2)}`));
    console.log(row(`baseline: gateway + immediate 200, concurrency ${concurrency}`, baseline, '–'));
    console.log(row(`baseline: DynamoDB Local alone, conditional PutItem, concurrency ${concurrency}`, concurrentDynamo, '1 / 0'));
    // The worker's confirmation of the marker counts against the event's writes, though not its latency.
    const eventWrites = serialCounts.max('dynamoWrites') + 1;
    const met = serial.p99 <= 20 && eventWrites <= 2 && serialCounts.max('sqsSends') <= 1;
    console.log(
      `\nOne at a time: webhook p99 ${serial.p99.toFixed(1)} ms (target ≤ 20 ms), at most ${eventWrites} DynamoDB writes per event ` +
        `(${serialCounts.max('dynamoWrites')} by the webhook, 1 by the worker; ≤ 2) and ` +
        `${serialCounts.max('sqsSends')} SQS send (≤ 1) per delivery: ${met ? 'met' : '**not met**'}; ` +
        `p99 ${(serial.p99 / emulatorsAlone.p99).toFixed(2)} × the emulators' own p99 for the same two calls, ` +
        `${(serial.p50 - serialBaseline.p50).toFixed(1)} ms p50 over the bare gateway; of a delivery's time, ` +
        `${serialCounts.percentile('waitedMs', 0.5).toFixed(1)} ms p50 / ${serialCounts.percentile('waitedMs', 0.99).toFixed(1)} ms p99 is waiting on DynamoDB Local and fauxqs, ` +
        `${serialCounts.percentile('outsideMs', 0.5).toFixed(1)} ms p50 / ${serialCounts.percentile('outsideMs', 0.99).toFixed(1)} ms p99 everything else (HTTP, verify, decrypt, validate, log). ` +
        `Concurrency ${concurrency}: ${(concurrent.perSecond / baseline.perSecond).toFixed(2)} × the bare gateway's deliveries/s, ` +
        `${(concurrent.perSecond / concurrentDynamo.perSecond).toFixed(2)} × the emulator's ceiling for one conditional write per delivery. ` +
        `Peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (bench process: gateway + handler + client).`,
    );
  } finally {
    await gateway.stop();
  }
} finally {
  await emulators.stop();
}
