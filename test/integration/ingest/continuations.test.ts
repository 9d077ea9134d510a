// A copy that pauses at the deadline continues in a new message, but not forever: a copy that makes
// no progress, or that needs more continuations than one file may take, ends in the DLQ with a
// reason an operator can read, the artifact marked failed with it, and a metric counted. Real
// pipeline: simulator (throttled downloads) → webhook → SQS (fauxqs) → ingest → S3 + DynamoDB Local.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startHarness, type Harness } from '../../support/ingest-harness.ts';
import { meetingFromRecording, recordingCompletedEvent } from '../../../infra/local/simulator/webhook-events.ts';
import { INGEST_METRIC_NAMES } from '../../../shared/ingest/ingest-metrics.ts';
import { RecordingMetrics } from '../../support/recording-metrics.ts';

const MiB = 1024 * 1024;

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function deadLetters(harness: Harness): Promise<string[]> {
  const dead = await harness.resources.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: harness.resources.ingestDeadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
  );
  return (dead.Messages ?? []).map((m) => m.MessageAttributes?.failure?.StringValue ?? '');
}

it('sends a copy that makes no progress across continuations to the DLQ with the reason, instead of looping', async () => {
  const metrics = new RecordingMetrics({ namespace: 'Test', serviceName: 'ingest' });
  // A 2 s "Lambda": the hard stop comes long before one 5 MiB part can arrive at 64 KB/s.
  h = await startHarness({ metrics, ingestTimeoutMs: 2000, copy: { concurrency: 1, partSizeBytes: 5 * MiB }, continuationLimits: { maxStalled: 3 } });
  const recording = h.sim.model.createMeeting({ subject: 'stalled', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 12 * MiB }] });
  const fileId = recording.files[0]!.recordFileId;
  h.sim.downloads.faults.throttle({ bytesPerSecond: 64 * 1024 });
  await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));

  const drained = await h.drain({ maxInvocations: 12 });
  // The queue ran dry on its own: the copy was given up, not cut off by the test.
  expect(drained.invocations).toBeLessThan(12);
  const reasons = await deadLetters(h);
  expect(reasons).toHaveLength(1);
  expect(reasons[0]).toMatch(/^ContinuationLimitError: copy made no progress in 3 consecutive invocations/);
  const video = (await h.index.getRecordFile(fileId))!.artifacts.video!;
  expect(video.status).toBe('failed');
  expect(video.lastError).toContain('the source is too slow to finish a part before the deadline');
  expect(metrics.total(INGEST_METRIC_NAMES.copiesStalled)).toBe(1);
  // Two stalled ones, and any whose deadline came before its copy could start (a loaded machine):
  // those count toward the total only, as the source was not given its chance.
  expect(metrics.total(INGEST_METRIC_NAMES.continuations)).toBeGreaterThanOrEqual(2);
});

it('sends a copy that needs more continuations than the limit to the DLQ, though each one made progress', async () => {
  const metrics = new RecordingMetrics({ namespace: 'Test', serviceName: 'ingest' });
  h = await startHarness({ metrics, ingestTimeoutMs: 2000, copy: { concurrency: 1, partSizeBytes: 5 * MiB }, continuationLimits: { maxTotal: 2 } });
  const recording = h.sim.model.createMeeting({ subject: 'endless', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 80 * MiB }] });
  const fileId = recording.files[0]!.recordFileId;
  // About two parts an invocation: the 16 parts need far more than 3 invocations.
  h.sim.downloads.faults.throttle({ bytesPerSecond: 8 * MiB });
  await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));

  const drained = await h.drain({ maxInvocations: 12 });
  expect(drained.invocations).toBeLessThan(12);
  const reasons = await deadLetters(h);
  expect(reasons).toEqual(['ContinuationLimitError: copy not finished after 2 continuations']);
  const video = (await h.index.getRecordFile(fileId))!.artifacts.video!;
  expect(video).toMatchObject({ status: 'failed', lastError: 'copy not finished after 2 continuations' });
  expect(metrics.total(INGEST_METRIC_NAMES.continuationLimitsReached)).toBe(1);
  expect(metrics.total(INGEST_METRIC_NAMES.continuations)).toBe(2);
});
