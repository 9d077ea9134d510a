// A simulator recording written into the archive index the way the ingest worker first indexes it:
// its meeting record and each file's record, no artifact yet (tests then set the artifact state
// they need).
import type { ArchiveIndex } from '../../shared/archive/archive-index.ts';
import type { SimMeetingRecording } from '../../infra/local/simulator/model.ts';

export async function indexRecording(index: ArchiveIndex, recording: SimMeetingRecording): Promise<void> {
  await index.upsertMeetingRecording({
    meetingRecordId: recording.meetingRecordId,
    meetingId: recording.meetingId,
    meetingCode: recording.meetingCode,
    subject: recording.subject,
    hostUserId: recording.hostUserId,
    mediaStartTimeMs: recording.mediaStartTimeMs,
    state: 3,
  });
  for (const file of recording.files) {
    await index.upsertRecordFile({
      meetingRecordId: recording.meetingRecordId,
      recordFileId: file.recordFileId,
      meetingId: recording.meetingId,
      recordStartTimeMs: file.recordStartTimeMs,
      recordEndTimeMs: file.recordEndTimeMs,
      recordSize: file.recordSize,
      sharing: { sharingState: 0 },
    });
  }
}
