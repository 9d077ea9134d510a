// The webhook claims an event's trace_id and enqueues; the worker confirms the claim when it
// receives the event's last message (shared/webhook/dedupe.ts). Tencent waits for two calls, not
// three, and the dedupe still holds past the claim's lease once the worker has the message.
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { startHarness, type Harness } from '../../support/ingest-harness.ts';
import { keys } from '../../../shared/archive/table-design.ts';
import { EVENT_MARKER_ATTRIBUTE } from '../../../shared/ingest/queue.ts';
import { claimEvent, confirmEventMarker } from '../../../shared/webhook/dedupe.ts';
import { ACK_BODY } from '../../../functions/webhook/handler.ts';
import { meetingFromRecording, recordingCompletedEvent } from '../../../infra/local/simulator/webhook-events.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ aesMode: false });
});
afterAll(() => h.stop());

const marker = async (eventId: string) =>
  (await h.resources.clients.dynamo.send(new GetCommand({ TableName: h.resources.tableName, Key: keys.event(eventId), ConsistentRead: true }))).Item;

/** Every message on the queue, with its attributes, put back visible for the worker afterwards. */
async function peekQueue(expected: number): Promise<Message[]> {
  const { sqs } = h.resources.clients;
  const seen: Message[] = [];
  while (seen.length < expected) {
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: h.resources.ingestQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60, MessageAttributeNames: ['All'] }),
    );
    if (!received.Messages?.length) break;
    seen.push(...received.Messages);
  }
  for (let start = 0; start < seen.length; start += 10) {
    const entries = seen.slice(start, start + 10).map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: h.resources.ingestQueueUrl, Entries: entries }));
  }
  return seen;
}

/** The claim as if it had been taken `ms` ago: past its lease. */
async function ageClaim(eventId: string, ms: number): Promise<void> {
  await h.resources.clients.dynamo.send(
    new UpdateCommand({ TableName: h.resources.tableName, Key: keys.event(eventId), UpdateExpression: 'SET claimedAtMs = :at', ExpressionAttributeValues: { ':at': Date.now() - ms } }),
  );
}

it("names the marker on the event's last message only, and the worker confirms it on receipt", async () => {
  const files = Array.from({ length: 11 }, () => ({ sizeBytes: 64 * 1024 }));
  const recording = h.sim.model.createMeeting({ subject: 'eleven files', hostUserId: h.sim.credentials.operatorId, files });
  const traceId = randomUUID();
  const event = recordingCompletedEvent(meetingFromRecording(recording), recording.files.map((f) => f.recordFileId), { traceId });
  expect((await h.deliver(event)).body).toBe(ACK_BODY);
  expect(await marker(traceId)).toMatchObject({ status: 'pending' });

  // Two SendMessageBatch calls (10 + 1): the marker rides on the one sent last.
  const messages = await peekQueue(11);
  expect(messages).toHaveLength(11);
  const marked = messages.filter((m) => m.MessageAttributes?.[EVENT_MARKER_ATTRIBUTE]);
  expect(marked.map((m) => m.MessageAttributes![EVENT_MARKER_ATTRIBUTE]!.StringValue)).toEqual([traceId]);
  expect(JSON.parse(marked[0]!.Body!)).toMatchObject({ recordFileId: recording.files.at(-1)!.recordFileId });

  expect((await h.drain()).failed).toBe(0);
  expect(await marker(traceId)).toMatchObject({ status: 'enqueued', enqueuedAtMs: expect.any(Number) });

  // Tencent's retry long after the claim's lease: still a duplicate, nothing enqueued.
  await ageClaim(traceId, 10 * 60_000);
  expect((await h.deliver(event)).body).toBe(ACK_BODY);
  expect(await peekQueue(1)).toEqual([]);
});

it('a failed enqueue releases its claim even when the worker confirmed it from the last message meanwhile', async () => {
  const recording = h.sim.model.createMeeting({ subject: 'released', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 64 * 1024 }] });
  const traceId = randomUUID();
  const event = recordingCompletedEvent(meetingFromRecording(recording), recording.files.map((f) => f.recordFileId), { traceId });
  const { dynamo } = h.resources.clients;
  // The webhook's claim; its last message reached the worker, but an earlier entry of the batch failed for good.
  const claim = (await claimEvent(dynamo, h.resources.tableName, traceId))!;
  expect(await confirmEventMarker(dynamo, h.resources.tableName, traceId)).toBe(true);
  await claim.release();
  expect(await marker(traceId)).toBeUndefined();

  // So Tencent's retry is taken, not swallowed as a duplicate.
  expect((await h.deliver(event)).body).toBe(ACK_BODY);
  expect(await peekQueue(1)).toHaveLength(1);
  expect((await h.drain()).failed).toBe(0);
});

it('a late confirmation never brings back a released (or expired) claim', async () => {
  expect(await confirmEventMarker(h.resources.clients.dynamo, h.resources.tableName, 'never-claimed-trace')).toBe(false);
  expect(await marker('never-claimed-trace')).toBeUndefined();
});
