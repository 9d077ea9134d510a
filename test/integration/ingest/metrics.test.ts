// The ingest function's metrics, as CloudWatch would receive them: a recording Metrics (the
// Powertools class, so the handler flushes it per invocation as in AWS) given to the ingest
// service and its batch handler, on the real pipeline (simulator → webhook → SQS → ingest → S3).
import { startHarness, type Harness } from '../../support/ingest-harness.ts';
import { meetingFromRecording, recordingCompletedEvent } from '../../../infra/local/simulator/webhook-events.ts';
import { INGEST_METRIC_NAMES } from '../../../shared/ingest/ingest-metrics.ts';
import { RecordingMetrics } from '../../support/recording-metrics.ts';

const MiB = 1024 * 1024;

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

it('publishes files and bytes archived, copy seconds, deferrals, retries and integrity failures', async () => {
  const metrics = new RecordingMetrics({ namespace: 'Test', serviceName: 'ingest' });
  h = await startHarness({ metrics });
  const operator = h.sim.credentials.operatorId;
  // Still transcoding: deferred once, then archived.
  const deferred = h.sim.model.createMeeting({ subject: 'deferred', hostUserId: operator, files: [{ sizeBytes: 2 * MiB, audioBytes: MiB }], state: 2 });
  await h.deliver(recordingCompletedEvent(meetingFromRecording(deferred), [deferred.files[0]!.recordFileId]));
  expect(await h.drain({ maxInvocations: 1 })).toMatchObject({ processed: 1, failed: 0 });
  expect(metrics.total(INGEST_METRIC_NAMES.deferrals)).toBe(1);
  h.sim.model.setState(deferred.meetingRecordId, 3);
  expect((await h.drain()).failed).toBe(0);
  expect(metrics.total(INGEST_METRIC_NAMES.filesArchived)).toBe(1);
  expect(metrics.total(INGEST_METRIC_NAMES.bytesArchived)).toBe(3 * MiB);
  const copies = metrics.recorded.filter((m) => m.name === INGEST_METRIC_NAMES.copySeconds);
  expect(copies.length).toBe(2); // video and audio
  expect(copies.every((m) => m.unit === 'Seconds' && m.value >= 0)).toBe(true);
  expect(metrics.total(INGEST_METRIC_NAMES.retries)).toBe(0);
  expect(metrics.total(INGEST_METRIC_NAMES.integrityFailures)).toBe(0);

  // Tencent declares one byte more than its download serves: counted, and archived as served.
  const mismatch = h.sim.model.createMeeting({ subject: 'mismatch', hostUserId: operator, files: [{ sizeBytes: MiB }] });
  (mismatch.files[0] as { recordSize: number }).recordSize = MiB + 1;
  await h.deliver(recordingCompletedEvent(meetingFromRecording(mismatch), [mismatch.files[0]!.recordFileId]));
  expect((await h.drain({ maxInvocations: 1 })).failed).toBe(0);
  expect(metrics.total(INGEST_METRIC_NAMES.recordSizeMismatches)).toBe(1);
  expect(metrics.total(INGEST_METRIC_NAMES.filesArchived)).toBe(2);

  // A download that keeps ending short: an integrity failure, handed back to the queue.
  const short = h.sim.model.createMeeting({ subject: 'short', hostUserId: operator, files: [{ sizeBytes: MiB }] });
  h.sim.downloads.faults.truncateAfterBytes(1000, { times: 1000 });
  await h.deliver(recordingCompletedEvent(meetingFromRecording(short), [short.files[0]!.recordFileId]));
  expect((await h.drain({ maxInvocations: 1 })).failed).toBe(1);
  expect(metrics.total(INGEST_METRIC_NAMES.integrityFailures)).toBe(1);
  expect(metrics.total(INGEST_METRIC_NAMES.retries)).toBe(1);
  expect(metrics.total(INGEST_METRIC_NAMES.filesArchived)).toBe(2);
  // Every invocation published something (Powertools warns on an empty flush).
  expect(metrics.total(INGEST_METRIC_NAMES.messagesReceived)).toBeGreaterThanOrEqual(4);
});
