// The pipeline's core end-to-end case under every simulator profile (infra/local/simulator/
// profiles.ts): each profile is one reading of what Tencent's sources leave open, and the archive
// must hold every file with exact bytes under all of them, not only under the reading it expects.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startHarness, type Harness } from '../../support/ingest-harness.ts';
import { expectArchivedExactly } from '../../support/archive-assertions.ts';
import { PROFILE_NAMES, PROFILES } from '../../../infra/local/simulator/profiles.ts';
import {
  meetingFromRecording,
  recordingCompletedEvent,
  recordingStatusEvent,
  smartFullSummaryEvent,
  smartTranscriptsEvent,
} from '../../../infra/local/simulator/webhook-events.ts';
import type { SimFileSpec, SimMeetingRecording } from '../../../infra/local/simulator/model.ts';

const MiB = 1024 * 1024;
const DAY_MS = 86_400_000;

const FILES: SimFileSpec[] = [
  {
    sizeBytes: 6 * MiB + 333,
    audioBytes: 700_000,
    transcripts: [{ fileType: 'txt', sizeBytes: 5000 }, { fileType: 'pdf' }],
    aiTranscripts: [{ fileType: 'txt' }],
    aiMinutes: [{ fileType: 'docx' }, { fileType: 'pdf' }],
  },
  { sizeBytes: 300_000, transcripts: [{ fileType: 'txt' }] },
];

describe.each(PROFILE_NAMES)('ingest pipeline under the %s profile', (profile) => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('archives a one-off meeting and an occurrence of a recurring one with every artifact, exact bytes, nothing in the DLQ', async () => {
    h = await startHarness({ simulator: { profile }, copy: { partSizeBytes: 5 * MiB } });
    const host = h.sim.credentials.operatorId;
    const recordings: SimMeetingRecording[] = [
      h.sim.model.createMeeting({ subject: `one-off ${profile}`, hostUserId: host, startTimeMs: Date.now() - 3 * 3_600_000, files: FILES }),
      h.sim.model.createMeeting({ subject: `weekly ${profile} 周会`, hostUserId: host, startTimeMs: Date.now() - 2 * DAY_MS, recurring: true, files: FILES }),
    ];
    for (const recording of recordings) {
      const meeting = meetingFromRecording(recording, undefined, h.sim.settings.readings);
      const ids = recording.files.map((f) => f.recordFileId);
      const having = (kind: string) => recording.files.filter((f) => f.artifacts.some((a) => a.kind === kind)).map((f) => f.recordFileId);
      // Tencent's order is not guaranteed: the announcement of transcripts comes first here.
      await h.deliver(smartTranscriptsEvent(meeting, having('transcript')));
      await h.deliver(recordingStatusEvent('recording.stopped', meeting));
      await h.deliver(recordingCompletedEvent(meeting, ids));
      await h.deliver(smartFullSummaryEvent(meeting, having('ai_minutes')));
    }
    expect((await h.drain({ maxInvocations: 100 })).failed).toBe(0);
    const dead = await h.resources.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: h.resources.ingestDeadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(dead.Messages ?? []).toEqual([]);
    for (const recording of recordings) {
      await expectArchivedExactly(h, recording);
      expect(await h.index.getMeetingRecording(recording.meetingRecordId)).toMatchObject({ recordingStatus: 'completed', subject: recording.subject });
      const video = (await h.index.getRecordFile(recording.files[0]!.recordFileId))!.artifacts.video!;
      // What the source served, whatever record_size the profile lists.
      expect(video).toMatchObject({ bytes: recording.files[0]!.recordSize, expectedBytes: recording.files[0]!.recordSize + PROFILES[profile].recordSizeSkewBytes });
    }
  });
});
