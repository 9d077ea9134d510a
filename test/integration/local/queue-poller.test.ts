// The queue poller against the real fauxqs queue (with its RedrivePolicy and DLQ from
// ensureLocalResources): Lambda's SQS semantics, message by message.
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestResources } from '../../support/aws.ts';
import { startQueuePoller, validBatchItemFailures, type InvocationOutcome, type QueuePoller, type SqsFunction } from '../../../infra/local/queue-poller.ts';
import { INGEST_MAX_RECEIVE_COUNT } from '../../../shared/archive/table-design.ts';

type Resources = Awaited<ReturnType<typeof createTestResources>>;

async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function queueDepth(resources: Resources, queueUrl = resources.ingestQueueUrl): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await resources.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

async function send(resources: Resources, ...bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await resources.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: resources.ingestQueueUrl,
        Entries: bodies.slice(i, i + 10).map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
  }
}

describe('queue poller (Lambda SQS event source semantics) on fauxqs', () => {
  let resources: Resources;
  let poller: QueuePoller | undefined;
  const settled: InvocationOutcome[] = [];

  beforeEach(async () => {
    resources = await createTestResources(undefined, { visibilityTimeoutSeconds: 1 });
    settled.length = 0;
  });

  afterEach(async () => {
    await poller?.stop({ graceMs: 1000 });
    poller = undefined;
  });

  function start(handler: SqsFunction, overrides: Partial<Parameters<typeof startQueuePoller>[0]> = {}): Promise<QueuePoller> {
    return startQueuePoller({
      sqs: resources.clients.sqs,
      queueUrl: resources.ingestQueueUrl,
      functionName: 'ingest',
      timeoutMs: 10_000,
      waitTimeSeconds: 1,
      handler,
      onSettled: (outcome) => settled.push(outcome),
      ...overrides,
    });
  }

  it('delivers Lambda-shaped records and deletes every message of a successful batch', async () => {
    const records: SQSRecord[] = [];
    await resources.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: resources.ingestQueueUrl,
        MessageBody: '{"kind":"a"}',
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'test' } },
      }),
    );
    await send(resources, 'b', 'c');
    poller = await start(async (event) => {
      records.push(...event.Records);
    });
    await waitFor(() => records.length >= 3, 'three records');
    await waitFor(() => settled.reduce((n, outcome) => n + outcome.deleted.length, 0) === 3, 'three deletions');
    await poller.stop();
    poller = undefined;

    const first = records.find((record) => record.body === '{"kind":"a"}')!;
    expect(first.eventSource).toBe('aws:sqs');
    expect(first.eventSourceARN).toMatch(/^arn:aws:sqs:[^:]+:\d+:test-[0-9a-f]+-ingest$/);
    expect(first.awsRegion).toBe('us-east-1');
    expect(first.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(first.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(first.messageAttributes.reason).toMatchObject({ dataType: 'String', stringValue: 'test' });
    expect(first.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(records.map((record) => record.body))).toEqual(new Set(['{"kind":"a"}', 'b', 'c']));
    expect(settled.every((outcome) => outcome.result === 'success')).toBe(true);
    expect(await queueDepth(resources)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('never hands the function more than batchSize records, and runs at most `concurrency` invocations at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const sizes: number[] = [];
    await send(resources, ...Array.from({ length: 14 }, (_, i) => `m${i}`));
    poller = await start(
      async (event) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        sizes.push(event.Records.length);
        await new Promise((resolve) => setTimeout(resolve, 50));
        running -= 1;
      },
      { batchSize: 3, concurrency: 2 },
    );
    await waitFor(() => settled.reduce((n, outcome) => n + outcome.deleted.length, 0) === 14, 'all 14 deleted');
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(maxRunning).toBeLessThanOrEqual(2);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(14);
  });

  it('partial batch failure: deletes the successes and redelivers only the failed messages after the visibility timeout', async () => {
    const seen: Array<{ body: string; receiveCount: string }> = [];
    await send(resources, 'ok-1', 'fail-once', 'ok-2');
    poller = await start(
      async (event) => {
        const failures: Array<{ itemIdentifier: string }> = [];
        for (const record of event.Records) {
          seen.push({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount });
          if (record.body === 'fail-once' && record.attributes.ApproximateReceiveCount === '1') failures.push({ itemIdentifier: record.messageId });
        }
        return { batchItemFailures: failures };
      },
      { batchSize: 10 },
    );
    await waitFor(() => seen.some((s) => s.body === 'fail-once' && s.receiveCount === '2'), 'the failed message to come back');
    await waitFor(() => settled.reduce((n, outcome) => n + outcome.deleted.length, 0) === 3, 'all deleted eventually');
    expect(seen.filter((s) => s.body === 'ok-1')).toEqual([{ body: 'ok-1', receiveCount: '1' }]);
    expect(seen.filter((s) => s.body === 'ok-2')).toEqual([{ body: 'ok-2', receiveCount: '1' }]);
    expect(seen.filter((s) => s.body === 'fail-once').map((s) => s.receiveCount)).toEqual(['1', '2']);
    expect(settled.some((outcome) => outcome.result === 'partial' && outcome.retried.length === 1 && outcome.deleted.length === 2)).toBe(true);
  });

  it('a thrown error fails the whole batch: nothing is deleted and every message comes back', async () => {
    const counts = new Map<string, string[]>();
    let invocations = 0;
    await send(resources, 'x', 'y');
    poller = await start(
      async (event) => {
        invocations += 1;
        for (const record of event.Records) counts.set(record.body, [...(counts.get(record.body) ?? []), record.attributes.ApproximateReceiveCount]);
        if (event.Records.some((record) => record.attributes.ApproximateReceiveCount === '1')) throw new Error('downstream unavailable');
      },
      { batchSize: 10, concurrency: 1 },
    );
    await waitFor(() => settled.reduce((n, outcome) => n + outcome.deleted.length, 0) === 2, 'both deleted after the retry');
    expect(counts.get('x')).toEqual(['1', '2']);
    expect(counts.get('y')).toEqual(['1', '2']);
    const failed = settled.find((outcome) => outcome.result === 'error')!;
    expect(failed.deleted).toEqual([]);
    expect(failed.error).toContain('downstream unavailable');
    expect(invocations).toBeGreaterThanOrEqual(2);
  });

  it('a batchItemFailures entry naming no message of the batch fails the whole batch, as in Lambda', async () => {
    expect(validBatchItemFailures({ batchItemFailures: [{ itemIdentifier: 'nope' }] }, ['a'])).toBeNull();
    expect(validBatchItemFailures({ batchItemFailures: [{ itemIdentifier: '' }] }, ['a'])).toBeNull();
    expect(validBatchItemFailures({ batchItemFailures: [] }, ['a'])).toEqual([]);
    expect(validBatchItemFailures(undefined, ['a'])).toEqual([]);

    let attempts = 0;
    await send(resources, 'm');
    poller = await start(async () => {
      attempts += 1;
      return attempts === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] } : undefined;
    });
    await waitFor(() => settled.some((outcome) => outcome.result === 'success'), 'the retry to succeed');
    expect(settled[0]).toMatchObject({ result: 'invalid-response', deleted: [] });
  });

  it(`moves a message that keeps failing to the DLQ after ${INGEST_MAX_RECEIVE_COUNT} receives (fauxqs RedrivePolicy)`, async () => {
    const receiveCounts: string[] = [];
    await send(resources, 'poison');
    poller = await start(async (event) => ({
      batchItemFailures: event.Records.map((record) => {
        receiveCounts.push(record.attributes.ApproximateReceiveCount);
        return { itemIdentifier: record.messageId };
      }),
    }));
    const dead = await waitFor(async () => {
      const response = await resources.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: resources.ingestDeadLetterQueueUrl, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
      );
      return response.Messages?.[0];
    }, 'the message in the DLQ');
    expect(dead.Body).toBe('poison');
    expect(receiveCounts).toEqual(Array.from({ length: INGEST_MAX_RECEIVE_COUNT }, (_, i) => String(i + 1)));
    expect(await queueDepth(resources)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('gives each invocation a Lambda context with a deadline, and treats running past it as a failed batch', async () => {
    const contexts: Array<{ functionName: string; remaining: number; requestId: string }> = [];
    let release: (() => void) | undefined;
    await send(resources, 'slow');
    poller = await start(
      async (event: SQSEvent, context) => {
        contexts.push({ functionName: context.functionName, remaining: context.getRemainingTimeInMillis(), requestId: context.awsRequestId });
        if (event.Records[0]!.attributes.ApproximateReceiveCount === '1') {
          // Outlives the 300 ms timeout; only the second delivery finishes in time.
          await new Promise<void>((resolve) => (release = resolve));
        }
      },
      { timeoutMs: 300, functionName: 'ingest-local' },
    );
    await waitFor(() => settled.some((outcome) => outcome.result === 'success'), 'the redelivery to succeed');
    release?.();
    expect(settled[0]).toMatchObject({ result: 'timeout', deleted: [], error: 'Task timed out after 0.30 seconds' });
    expect(contexts).toHaveLength(2);
    for (const context of contexts) {
      expect(context.functionName).toBe('ingest-local');
      expect(context.remaining).toBeGreaterThan(0);
      expect(context.remaining).toBeLessThanOrEqual(300);
    }
    expect(contexts[0]!.requestId).not.toBe(contexts[1]!.requestId);
  });

  it('stops after the current long poll of an empty queue', async () => {
    poller = await start(async () => undefined, { waitTimeSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await poller.stop();
    poller = undefined;
  });

  it('on stop, lets an in-flight batch finish within the grace period and settles it', async () => {
    let release: (() => void) | undefined;
    await send(resources, 'in-flight');
    poller = await start(() => new Promise<void>((resolve) => (release = resolve)));
    await waitFor(() => release, 'the invocation to start');
    const stopped = poller.stop({ graceMs: 30_000 });
    release!();
    await stopped;
    poller = undefined;
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ result: 'success', deleted: [expect.any(String)] });
    expect(await queueDepth(resources)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('on stop, abandons a batch that outlives the grace period: nothing deleted, messages handed straight back', async () => {
    let release: (() => void) | undefined;
    await send(resources, 'abandoned');
    // A long visibility timeout proves the message comes back because stop() released it.
    poller = await start(() => new Promise<void>((resolve) => (release = resolve)), { visibilityTimeoutSeconds: 120 });
    await waitFor(() => release, 'the invocation to start');
    await poller.stop({ graceMs: 50 });
    poller = undefined;
    release!();
    const again = await resources.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resources.ingestQueueUrl, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['All'] }),
    );
    expect(again.Messages?.[0]?.Body).toBe('abandoned');
    // Received once by the abandoned invocation; a poll still open during stop may have caught
    // and handed it back once more.
    expect(Number(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(2);
    expect(settled).toHaveLength(0);
  });
});

/** fauxqs with its SQLite store, in a child process (fauxqs is ESM-only; jest's resolver cannot load it). */
async function startPersistentFauxqs(dataDir: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const script = `import { startFauxqs } from 'fauxqs'; const f = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false, dataDir: process.argv[1] }); console.log(f.port);`;
  const child = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', script, dataDir], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { endpoint: `http://127.0.0.1:${Number(line.toString().trim())}`, child };
}

describe('queue poller on fauxqs with persistence, as npm start runs it', () => {
  it('hands an abandoned batch back without losing it (fauxqs drops a message whose visibility is set to 0)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'poller-persist-'));
    const fauxqs = await startPersistentFauxqs(join(dataDir, 'fauxqs'));
    const sqs = new SQSClient({ endpoint: fauxqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'ingest' }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'abandoned' }));
      let release: (() => void) | undefined;
      const poller = await startQueuePoller({
        sqs,
        queueUrl: QueueUrl!,
        functionName: 'ingest',
        timeoutMs: 10_000,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 120,
        handler: () => new Promise<void>((resolve) => (release = resolve)),
      });
      await waitFor(() => release, 'the invocation to start');
      await poller.stop({ graceMs: 50 });
      release!();
      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
      expect(again.Messages?.map((m) => m.Body)).toEqual(['abandoned']);
    } finally {
      sqs.destroy();
      fauxqs.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
