// The local stand-in for Lambda's SQS event source mapping: long-polls the queue, invokes the
// function with batches (an SQSEvent and a Lambda-like context with a real deadline), and settles
// the batch the way Lambda does with ReportBatchItemFailures:
//   - success: every message is deleted, except those listed in `batchItemFailures`;
//   - a thrown error, a timeout, or a malformed `batchItemFailures`: nothing is deleted;
//   - messages not deleted reappear after the visibility timeout, and the queue's RedrivePolicy
//     (fauxqs implements it) moves them to the DLQ after maxReceiveCount receives.
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createLambdaContext, silentLog, type LocalLog } from './lambda-context.ts';

export type SqsFunction = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined | null | void>;

export interface QueuePollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly handler: SqsFunction;
  readonly functionName: string;
  /** The function's timeout; the context's deadline. */
  readonly timeoutMs: number;
  /** Messages per invocation (Lambda's BatchSize, at most 10 per receive). Default 5. */
  readonly batchSize?: number;
  /** Invocations in parallel (Lambda's MaximumConcurrency). Default 2. */
  readonly concurrency?: number;
  /**
   * Long-poll wait. Lambda polls with 20 s; the local default is 2 s because stop() lets a poll
   * finish rather than abort it: fauxqs still hands messages to a poll whose client went away and
   * hides them for a whole visibility timeout.
   */
  readonly waitTimeSeconds?: number;
  /** Per-receive visibility override; the queue's own setting when absent (as with Lambda). */
  readonly visibilityTimeoutSeconds?: number;
  readonly region?: string;
  readonly log?: LocalLog;
  /** Called after every invocation has been settled (deletes done). */
  readonly onSettled?: (outcome: InvocationOutcome) => void;
}

export interface InvocationOutcome {
  readonly awsRequestId: string;
  readonly messageIds: readonly string[];
  /** Deleted from the queue. */
  readonly deleted: readonly string[];
  /** Left on the queue: they reappear after the visibility timeout. */
  readonly retried: readonly string[];
  readonly result: 'success' | 'partial' | 'error' | 'timeout' | 'invalid-response';
  readonly error?: string;
  readonly durationMs: number;
}

export interface StopOptions {
  /** How long in-flight invocations may run before they are abandoned. Default 30 s. */
  readonly graceMs?: number;
}

export interface QueuePoller {
  /** Resolves when polling has stopped and in-flight invocations finished or were abandoned. */
  stop(options?: StopOptions): Promise<void>;
  /** Invocations running now. */
  readonly inFlight: number;
}

interface Invocation {
  readonly messages: readonly Message[];
  readonly done: Promise<void>;
}

export async function startQueuePoller(options: QueuePollerOptions): Promise<QueuePoller> {
  const batchSize = Math.min(10, Math.max(1, options.batchSize ?? 5));
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const waitTimeSeconds = Math.min(20, Math.max(0, options.waitTimeSeconds ?? 2));
  const log = options.log ?? silentLog;
  const region = options.region ?? (await options.sqs.config.region());
  const attributes = await options.sqs.send(new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attributes.Attributes?.QueueArn ?? options.queueUrl;

  let stopping = false;
  let abandoned = false;
  const receiving = new Set<Promise<unknown>>();
  const inFlight = new Set<Invocation>();

  const receive = async (): Promise<Message[]> => {
    const pending = options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: waitTimeSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...(options.visibilityTimeoutSeconds !== undefined ? { VisibilityTimeout: options.visibilityTimeoutSeconds } : {}),
        }),
      );
    receiving.add(pending);
    try {
      return (await pending).Messages ?? [];
    } finally {
      receiving.delete(pending);
    }
  };

  const worker = async (): Promise<void> => {
    let failures = 0;
    while (!stopping) {
      let messages: Message[];
      try {
        messages = await receive();
        failures = 0;
      } catch (error) {
        if (stopping) return;
        failures += 1;
        log.warn(`${options.functionName}: receive from the queue failed; retrying`, { error: String(error) });
        await sleep(Math.min(5000, 200 * 2 ** failures));
        continue;
      }
      if (messages.length === 0) continue;
      if (stopping) {
        // Received while shutting down: hand them straight back instead of hiding them for a
        // whole visibility timeout.
        await release(options.sqs, options.queueUrl, messages).catch(() => undefined);
        return;
      }
      const invocation: Invocation = { messages, done: invokeAndSettle(messages) };
      inFlight.add(invocation);
      try {
        await invocation.done;
      } finally {
        inFlight.delete(invocation);
      }
    }
  };

  const invokeAndSettle = async (messages: readonly Message[]): Promise<void> => {
    const started = Date.now();
    const { context } = createLambdaContext({ functionName: options.functionName, timeoutMs: options.timeoutMs, region });
    const event: SQSEvent = { Records: messages.map((message) => toSqsRecord(message, queueArn, region)) };
    const messageIds = event.Records.map((record) => record.messageId);
    const outcome = await runWithDeadline(options.handler, event, context, options.timeoutMs);
    // stop() gave up on this invocation and handed its messages back: settling now would delete
    // messages another consumer may already hold.
    if (abandoned) return;
    const retriedIds = new Set<string>();
    let result: InvocationOutcome['result'];
    let error: string | undefined;
    if (outcome.kind === 'returned') {
      const failures = validBatchItemFailures(outcome.value, messageIds);
      if (failures === null) {
        result = 'invalid-response';
        error = 'batchItemFailures named a message that is not in the batch (or had no itemIdentifier): the whole batch is retried';
        for (const id of messageIds) retriedIds.add(id);
      } else {
        for (const id of failures) retriedIds.add(id);
        result = failures.length === 0 ? 'success' : 'partial';
      }
    } else {
      result = outcome.kind;
      error = outcome.kind === 'timeout' ? `Task timed out after ${(options.timeoutMs / 1000).toFixed(2)} seconds` : outcome.error;
      for (const id of messageIds) retriedIds.add(id);
    }
    const toDelete = messages.filter((message) => !retriedIds.has(message.MessageId!));
    const deleted = await deleteMessages(options.sqs, options.queueUrl, toDelete, log, options.functionName);
    const settled: InvocationOutcome = {
      awsRequestId: context.awsRequestId,
      messageIds,
      deleted,
      retried: [...retriedIds],
      result,
      ...(error !== undefined ? { error } : {}),
      durationMs: Date.now() - started,
    };
    const summary = { requestId: context.awsRequestId, messages: messageIds.length, deleted: deleted.length, retried: retriedIds.size, ms: settled.durationMs };
    if (result === 'success') log.info(`${options.functionName}: batch done`, summary);
    else log.warn(`${options.functionName}: batch ${result}${error ? ` (${error})` : ''}; failed messages return after the visibility timeout`, summary);
    options.onSettled?.(settled);
  };

  const workers = Array.from({ length: concurrency }, () => worker());
  const allWorkers = Promise.allSettled(workers);

  return {
    get inFlight() {
      return inFlight.size;
    },
    async stop(stopOptions: StopOptions = {}) {
      stopping = true;
      const graceMs = stopOptions.graceMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'abandon'>((resolve) => {
        timer = setTimeout(() => resolve('abandon'), graceMs);
      });
      const finished = await Promise.race([allWorkers.then(() => 'done' as const), graceOver]);
      clearTimeout(timer);
      if (finished === 'abandon' && inFlight.size > 0) {
        // Like a Lambda killed mid-invocation: nothing of the batch is deleted. Handing the messages
        // back now (rather than after the visibility timeout) lets the next start resume at once;
        // the ingest path is idempotent and resumes from its checkpoints.
        abandoned = true;
        const messages = [...inFlight].flatMap((invocation) => invocation.messages);
        log.warn(`${options.functionName}: abandoning ${inFlight.size} in-flight invocation(s); their ${messages.length} message(s) go back to the queue`);
        await release(options.sqs, options.queueUrl, messages).catch(() => undefined);
        // Polls still open may catch what was just released; they hand it back too (see worker).
        await Promise.allSettled([...receiving]);
      }
    },
  };
}

type RunOutcome = { kind: 'returned'; value: SQSBatchResponse | undefined | null | void } | { kind: 'error'; error: string } | { kind: 'timeout' };

async function runWithDeadline(handler: SqsFunction, event: SQSEvent, context: Context, timeoutMs: number): Promise<RunOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<RunOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  // Lambda would freeze a timed-out invocation; locally it keeps running unobserved, so its late
  // rejection must not become an unhandled one. It stays the only writer of the files it copies:
  // the ingest service renews its copy leases for as long as it runs (shared/ingest/lease-keeper.ts).
  const run = Promise.resolve()
    .then(() => handler(event, context))
    .then(
      (value): RunOutcome => ({ kind: 'returned', value }),
      (error: unknown): RunOutcome => ({ kind: 'error', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The failed message ids, or null when Lambda would reject the response and retry the batch. */
export function validBatchItemFailures(response: SQSBatchResponse | undefined | null | void, messageIds: readonly string[]): string[] | null {
  if (response === undefined || response === null || typeof response !== 'object') return [];
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return null;
  const known = new Set(messageIds);
  const ids: string[] = [];
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !known.has(id)) return null;
    ids.push(id);
  }
  return ids;
}

export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
    };
  }
  const record: SQSRecord = {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
      SentTimestamp: system.SentTimestamp ?? String(Date.now()),
      SenderId: system.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(system.MessageGroupId !== undefined ? { MessageGroupId: system.MessageGroupId } : {}),
      ...(system.MessageDeduplicationId !== undefined ? { MessageDeduplicationId: system.MessageDeduplicationId } : {}),
      ...(system.SequenceNumber !== undefined ? { SequenceNumber: system.SequenceNumber } : {}),
      ...(system.AWSTraceHeader !== undefined ? { AWSTraceHeader: system.AWSTraceHeader } : {}),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

async function deleteMessages(sqs: SQSClient, queueUrl: string, messages: readonly Message[], log: LocalLog, functionName: string): Promise<string[]> {
  const deleted: string[] = [];
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    try {
      const response = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
      for (const ok of response.Successful ?? []) deleted.push(chunk[Number(ok.Id)]!.MessageId!);
      for (const failed of response.Failed ?? []) {
        log.warn(`${functionName}: could not delete a processed message; it will be delivered again`, { messageId: chunk[Number(failed.Id)]?.MessageId, code: failed.Code });
      }
    } catch (error) {
      log.warn(`${functionName}: could not delete processed messages; they will be delivered again`, { error: String(error) });
    }
  }
  return deleted;
}

/**
 * Hands messages back: visible again in 1 s. Not 0: fauxqs with its SQLite store (as `npm start`
 * runs it) answers ReceiptHandleIsInvalid to a visibility of 0 and loses the message.
 */
async function release(sqs: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 1 })),
      }),
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
