// Where Tencent's sources are silent (../shared/reference/open-points.md #1, #4, #6, #10), end to
// end on real components: the simulator plays the reading that a guess would lose, and the
// archive must still hold every artifact with exact bytes.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startHarness, type Harness } from '../../support/ingest-harness.ts';
import {
  meetingFromRecording,
  recordingCompletedEvent,
  smartFullSummaryEvent,
  smartTranscriptsEvent,
  type TencentWebhookEvent,
} from '../../../infra/local/simulator/webhook-events.ts';
import type { SimMeetingRecording } from '../../../infra/local/simulator/model.ts';
import { INGEST_METRIC_NAMES } from '../../../shared/ingest/ingest-metrics.ts';
import { runBackfillSweep } from '../../../shared/reconcile/backfill.ts';
import { parseTencentConfig } from '../../../shared/tencent/config.ts';
import { archiveNameOf } from '../../support/archive-names.ts';
import { copiedBytes, expectArchivedExactly } from '../../support/archive-assertions.ts';
import { RecordingMetrics } from '../../support/recording-metrics.ts';

const MiB = 1024 * 1024;
const DAY_MS = 86_400_000;

async function deadLetters(h: Harness): Promise<string[]> {
  const dead = await h.resources.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: h.resources.ingestDeadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return (dead.Messages ?? []).map((m) => m.Body ?? '');
}

/** recording.completed, smart.transcripts and smart.fullsummary for every file, as the profile shapes events. */
function lifecycleEvents(h: Harness, recording: SimMeetingRecording): TencentWebhookEvent[] {
  const meeting = meetingFromRecording(recording, undefined, h.sim.settings.readings);
  const ids = recording.files.map((f) => f.recordFileId);
  return [recordingCompletedEvent(meeting, ids), smartTranscriptsEvent(meeting, ids), smartFullSummaryEvent(meeting, ids)];
}

describe('open points Tencent leaves open', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('#1: archives a recurring meeting whose events carry the series end months ahead: video, transcripts and minutes, nothing in the DLQ', async () => {
    h = await startHarness({ simulator: { readings: { seriesTimesInEvents: true } } });
    const recording = h.sim.model.createMeeting({
      subject: 'weekly sync',
      hostUserId: h.sim.credentials.operatorId,
      startTimeMs: Date.now() - 2 * DAY_MS,
      recurring: true,
      files: [{ sizeBytes: MiB, transcripts: [{ fileType: 'txt' }], aiTranscripts: [{ fileType: 'txt' }], aiMinutes: [{ fileType: 'docx' }] }],
    });
    const events = lifecycleEvents(h, recording);
    // LULAB's real payloads: meeting_type 1, end_time the end of the whole series.
    const info = events[1]!.payload[0]!.meeting_info as { meeting_type: number; end_time: number; sub_meeting_id?: string };
    expect(info.meeting_type).toBe(1);
    expect(info.end_time * 1000).toBeGreaterThan(Date.now() + 60 * DAY_MS);
    expect(info.sub_meeting_id).toBeDefined();
    for (const event of events) await h.deliver(event);
    expect((await h.drain()).failed).toBe(0);
    expect(await deadLetters(h)).toEqual([]);
    await expectArchivedExactly(h, recording);
  });

  it('#1: widens the search back from operate_time, in ≤ 31-day windows, when the recording is weeks older than its event', async () => {
    const metrics = new RecordingMetrics({ namespace: 'Test', serviceName: 'ingest' });
    h = await startHarness({ metrics, simulator: { readings: { seriesTimesInEvents: true } } });
    // Minutes regenerated for an occurrence 45 days ago: no window around the event's times holds it.
    const recording = h.sim.model.createMeeting({
      subject: 'old occurrence',
      hostUserId: h.sim.credentials.operatorId,
      startTimeMs: Date.now() - 45 * DAY_MS,
      recurring: true,
      files: [{ sizeBytes: MiB, aiMinutes: [{ fileType: 'pdf' }] }],
    });
    await h.deliver(lifecycleEvents(h, recording)[0]!);
    expect((await h.drain()).failed).toBe(0);
    expect(await deadLetters(h)).toEqual([]);
    await expectArchivedExactly(h, recording);
    expect(metrics.total(INGEST_METRIC_NAMES.searchWindowsWidened)).toBe(1);
    // Every /v1/records call stayed within Tencent's 31-day limit.
    const windows = h.sim.counters.log
      .filter((e) => e.endpoint === 'records')
      .map((e) => new URL(e.target, 'http://sim').searchParams)
      .map((q) => Number(q.get('end_time')) - Number(q.get('start_time')));
    expect(windows.length).toBeGreaterThan(1);
    expect(Math.max(...windows)).toBeLessThanOrEqual(31 * 86_400);
  });

  it('#1: another occurrence still recording does not stop the search for a recurring meeting’s older occurrence: the file is archived, not deferred', async () => {
    h = await startHarness({ simulator: { readings: { seriesTimesInEvents: true } } });
    const older = h.sim.model.createMeeting({
      subject: 'weekly sync',
      hostUserId: h.sim.credentials.operatorId,
      startTimeMs: Date.now() - 45 * DAY_MS,
      recurring: true,
      files: [{ sizeBytes: MiB, aiMinutes: [{ fileType: 'pdf' }] }],
    });
    // Today's occurrence of the same series is being recorded: the nearest window lists it, unfinished.
    h.sim.model.createMeeting({ subject: 'weekly sync', meetingId: older.meetingId, hostUserId: h.sim.credentials.operatorId, recurring: true, state: 1 });
    await h.deliver(lifecycleEvents(h, older)[0]!);
    // Few enough rounds that a message deferred as "not ready" (once a second here) is still waiting.
    expect((await h.drain({ maxInvocations: 6 })).failed).toBe(0);
    await expectArchivedExactly(h, older);
    expect(await deadLetters(h)).toEqual([]);
  });

  it('#1: the sweep repairs a file whose announced transcripts a failed message never copied, though its video is archived', async () => {
    h = await startHarness();
    const recording = h.sim.model.createMeeting({ subject: 'late transcripts', hostUserId: h.sim.credentials.operatorId, startTimeMs: Date.now() - 3_600_000, files: [{ sizeBytes: MiB }] });
    const fileId = recording.files[0]!.recordFileId;
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    expect((await h.drain()).failed).toBe(0);
    // Tencent transcribes later and says so; the message about it fails for good.
    h.sim.model.addTextArtifacts(fileId, { transcripts: [{ fileType: 'txt' }], aiTranscripts: [{ fileType: 'txt' }] });
    h.sim.faults.serverErrors('fileAddress', 100, { status: 400, errorCode: 500125 });
    await h.deliver(smartTranscriptsEvent(meetingFromRecording(recording), [fileId]));
    await h.drain();
    expect(await deadLetters(h)).toHaveLength(1);
    h.sim.faults.reset();

    const nowSec = Math.floor(Date.now() / 1000);
    const swept = await runBackfillSweep(
      {
        dynamo: h.resources.clients.dynamo,
        sqs: h.resources.clients.sqs,
        tableName: h.resources.tableName,
        queueUrl: h.resources.ingestQueueUrl,
        tencent: parseTencentConfig(h.sim.env()),
      },
      { range: { startSec: nowSec - 86_400, endSec: nowSec + 3600, fromLabel: 'a', toLabel: 'b' }, dryRun: false, restart: false, owner: 'test' },
    );
    expect(swept.run.filesEnqueued).toBe(1);
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
  });

  it('#6: keeps every transcript and minute under its own name when lists reorder on every call and grow between calls', async () => {
    h = await startHarness({ simulator: { readings: { reorderArtifacts: true } } });
    const recording = h.sim.model.createMeeting({
      subject: 'reordered',
      hostUserId: h.sim.credentials.operatorId,
      files: [
        {
          sizeBytes: MiB,
          transcripts: [{ fileType: 'txt', sizeBytes: 5000 }, { fileType: 'txt', sizeBytes: 6000 }, { fileType: 'pdf' }],
          aiTranscripts: [{ fileType: 'txt' }],
          aiMinutes: [{ fileType: 'docx' }, { fileType: 'pdf' }],
        },
      ],
    });
    const [completed, ...smart] = lifecycleEvents(h, recording);
    await h.deliver(completed!);
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
    const copied = copiedBytes(h);
    // The announcements come after: the lists answer in yet another order; nothing is copied twice.
    for (const event of smart) await h.deliver(event);
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
    expect(copiedBytes(h)).toBe(copied);
    const names = Object.keys((await h.index.getRecordFile(recording.files[0]!.recordFileId))!.artifacts).sort();
    expect(names).toEqual(recording.files[0]!.artifacts.map(archiveNameOf).sort());
  });

  it('#6: adopts transcripts an earlier version archived under position names instead of copying them again, and loses none it cannot pair', async () => {
    h = await startHarness();
    const recording = h.sim.model.createMeeting({
      subject: 'legacy names',
      hostUserId: h.sim.credentials.operatorId,
      files: [{ sizeBytes: MiB, transcripts: [{ fileType: 'txt', sizeBytes: 5000 }, { fileType: 'txt', sizeBytes: 6100 }], aiMinutes: [{ fileType: 'docx' }, { fileType: 'docx' }] }],
    });
    const simFile = recording.files[0]!;
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [simFile.recordFileId]));
    expect((await h.drain()).failed).toBe(0);
    // The index as the earlier version left it: `<kind>-<position>-<type>`, in the simulator's order.
    const before = (await h.index.getRecordFile(simFile.recordFileId))!;
    for (const artifact of simFile.artifacts.filter((a) => a.kind !== 'video')) {
      await h.index.renameArtifact(simFile.meetingRecordId, simFile.recordFileId, archiveNameOf(artifact), artifact.name);
    }
    const legacy = (await h.index.getRecordFile(simFile.recordFileId))!;
    expect(Object.keys(legacy.artifacts).sort()).toEqual(['ai_minutes-0-docx', 'ai_minutes-1-docx', 'transcript-0-txt', 'transcript-1-txt', 'video']);
    const copied = copiedBytes(h);

    for (const event of lifecycleEvents(h, recording).slice(1)) await h.deliver(event);
    expect((await h.drain()).failed).toBe(0);
    const after = (await h.index.getRecordFile(simFile.recordFileId))!;
    // The transcripts' sizes tell them apart: adopted under their stable names, same objects, no copy.
    for (const artifact of simFile.artifacts.filter((a) => a.kind === 'transcript')) {
      expect(after.artifacts[archiveNameOf(artifact)]).toMatchObject({ status: 'archived', key: before.artifacts[archiveNameOf(artifact)]!.key, bytes: artifact.size });
      expect(after.artifacts[artifact.name]).toBeUndefined();
    }
    // The two minutes have the same size: both position-named copies stay, and both are copied under stable names.
    for (const artifact of simFile.artifacts.filter((a) => a.kind === 'ai_minutes')) {
      expect(after.artifacts[artifact.name]).toMatchObject({ status: 'archived' });
      expect(after.artifacts[archiveNameOf(artifact)]).toMatchObject({ status: 'archived', bytes: artifact.size });
    }
    expect(copiedBytes(h) - copied).toBe(2 * 2048);
  });

  it('#6: a link is not paired with a position-named transcript when another link of the same kind, type and size could be the one it held', async () => {
    h = await startHarness();
    const recording = h.sim.model.createMeeting({
      subject: 'legacy rivals',
      hostUserId: h.sim.credentials.operatorId,
      files: [{ sizeBytes: MiB, transcripts: [{ fileType: 'txt', sizeBytes: 5000 }] }],
    });
    const simFile = recording.files[0]!;
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [simFile.recordFileId]));
    expect((await h.drain()).failed).toBe(0);
    const [first] = simFile.artifacts.filter((a) => a.kind === 'transcript');
    await h.index.renameArtifact(simFile.meetingRecordId, simFile.recordFileId, archiveNameOf(first!), first!.name);
    // Tencent now lists a second transcript of exactly the same size: which one the old copy holds is unknowable.
    h.sim.model.addTextArtifacts(simFile.recordFileId, { transcripts: [{ fileType: 'txt', sizeBytes: 5000 }] });
    await h.deliver(lifecycleEvents(h, recording)[1]!); // smart.transcripts
    expect((await h.drain()).failed).toBe(0);
    const after = (await h.index.getRecordFile(simFile.recordFileId))!;
    expect(after.artifacts[first!.name]).toMatchObject({ status: 'archived' });
    for (const artifact of h.sim.model.getFile(simFile.recordFileId)!.artifacts.filter((a) => a.kind === 'transcript')) {
      expect(after.artifacts[archiveNameOf(artifact)]).toMatchObject({ status: 'archived', bytes: 5000 });
    }
  });

  it.each([
    ['recordings', 'video', { recordingLinkTtlMs: 700 }, { sizeBytes: 40 * MiB }],
    ['AI transcripts', 'ai_transcript', { transcriptLinkTtlMs: 700 }, { sizeBytes: MiB, aiTranscripts: [{ fileType: 'txt' as const, sizeBytes: 40 * MiB }] }],
  ])('#10: refreshes an expired link of %s mid-copy (6-hour and 5-minute links)', async (_, artifact, readings, spec) => {
    // At 8 MiB/s, once 10 MiB of the artifact are in S3 its 0.7 s link has expired. A host checks a
    // link when a request starts, and the copy reads the artifact over one long GET: the stream is
    // dropped there, so the copy must ask again with the expired link and fetch a fresh one. 40 MiB:
    // the host is then still writing, far past what the copy's buffers and socket buffers can hold.
    let cut: number | undefined;
    h = await startHarness({
      simulator: { readings },
      copy: { concurrency: 1, partSizeBytes: 5 * MiB },
      onProgress: (progress) => {
        if (cut === undefined && progress.artifact.startsWith(artifact) && progress.bytesDone >= 10 * MiB) cut = h!.sim.downloads.faults.resetOpenStreams();
      },
    });
    const recording = h.sim.model.createMeeting({ subject: 'short links', hostUserId: h.sim.credentials.operatorId, files: [spec] });
    h.sim.downloads.faults.throttle({ bytesPerSecond: 8 * MiB });
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [recording.files[0]!.recordFileId]));
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
    expect(cut).toBe(1);
    expect(h.sim.downloads.stats.expired).toBeGreaterThan(0);
  });
});
