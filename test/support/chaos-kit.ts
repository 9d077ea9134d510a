// Pieces a chaos run needs beside the ingest harness: seeded randomness (the plan is reproducible
// from the printed seed), queue depths and table scans for "nothing left behind", and a Lambda-like
// worker loop that receives batches and runs the ingest handler on them.
import { createHash } from 'node:crypto';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import type { Harness } from './ingest-harness.ts';
import { createLambdaContext } from '../../infra/local/lambda-context.ts';
import { toSqsRecord } from '../../infra/local/queue-poller.ts';
import type { IngestHandler } from '../../functions/ingest/handler.ts';

export interface SeededRandom {
  readonly next: () => number;
  chance(p: number): boolean;
  between(min: number, max: number): number;
  logUniform(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: T[]): T[];
}

/** mulberry32 seeded from a string. */
export function seededRandom(seed: string): SeededRandom {
  let a = createHash('sha256').update(seed).digest().readUInt32BE(0);
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const between = (min: number, max: number) => Math.floor(min + next() * (max - min + 1));
  return {
    next,
    chance: (p) => next() < p,
    between,
    logUniform: (min, max) => Math.round(Math.exp(Math.log(min) + next() * (Math.log(max) - Math.log(min)))),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
  };
}

/** Visible + in flight + delayed messages of a queue. */
export async function queueDepth(harness: Harness, url: string): Promise<number> {
  const { Attributes: a = {} } = await harness.resources.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
}

/** Every table item whose pk starts with `prefix` (consistent scan; fine for a test's table). */
export async function scanPrefix(harness: Harness, prefix: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await harness.resources.clients.dynamo.send(
      new ScanCommand({
        TableName: harness.resources.tableName,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': prefix },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * One Lambda-like invocation: receives up to `batchSize` messages, runs the handler with a context
 * of `timeoutMs` (the handler hands over before it), deletes what succeeded. False when the queue
 * had nothing to give.
 */
export async function invokeIngestOnce(
  harness: Harness,
  handler: IngestHandler,
  options: { batchSize: number; timeoutMs: number; busy?: { count: number } },
): Promise<boolean> {
  const { sqs } = harness.resources.clients;
  const queueUrl = harness.resources.ingestQueueUrl;
  const received = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.batchSize,
      WaitTimeSeconds: 1,
      VisibilityTimeout: Math.ceil(options.timeoutMs / 1000) + 1,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const messages = received.Messages ?? [];
  if (messages.length === 0) return false;
  if (options.busy) options.busy.count += 1;
  try {
    await handleBatch(harness, handler, messages, options.timeoutMs);
  } finally {
    if (options.busy) options.busy.count -= 1;
  }
  return true;
}

async function handleBatch(harness: Harness, handler: IngestHandler, messages: Message[], timeoutMs: number): Promise<void> {
  const { sqs } = harness.resources.clients;
  const queueUrl = harness.resources.ingestQueueUrl;
  const { context } = createLambdaContext({ functionName: 'ingest', timeoutMs });
  const response: SQSBatchResponse = await handler({ Records: messages.map((m) => toSqsRecord(m, harness.queueArn, 'us-east-1')) }, context);
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = messages.filter((m) => !failed.has(m.MessageId!));
  if (done.length > 0) {
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
}
