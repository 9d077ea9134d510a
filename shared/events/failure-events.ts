// `Recording Archive Failed` for a message that gave up: the worker sent it to the DLQ itself (it
// cannot succeed on retry), or its last receive failed and SQS moves it there. No record changes
// state at that moment, so the event is recorded once per SQS message id (ArchiveEventOutbox#recordOnce):
// a duplicate delivery of the same message publishes nothing more. It is recorded before the
// message leaves, so a process that dies in between delivers the message again and records it then.
import type { ArchiveIndex } from '../archive/archive-index.ts';
import type { IngestMessage } from '../ingest/messages.ts';
import { DETAIL_SCHEMA_VERSION, DETAIL_TYPES, type FailureKind } from './archive-events.ts';
import type { ArchiveEventOutbox } from './outbox.ts';
import { stableEventId, withoutLinks } from './publisher.ts';
import { toDetail } from './transitions.ts';

export interface GaveUp {
  /** Undefined when the body was not a valid message: nothing says which recording it was about. */
  readonly message: IngestMessage | undefined;
  readonly messageId: string;
  readonly receiveCount: number;
  readonly reason: string;
  readonly kind: Exclude<FailureKind, 'source-deleted'>;
}

export interface FailureEventsDeps {
  readonly index: Pick<ArchiveIndex, 'getRecordFileWithMeeting'>;
  readonly outbox: Pick<ArchiveEventOutbox, 'recordOnce'>;
  readonly now?: () => number;
}

export class ArchiveFailureEvents {
  readonly #deps: FailureEventsDeps;

  constructor(deps: FailureEventsDeps) {
    this.#deps = deps;
  }

  /** Records the event for a message about archiving a recording; other messages (deletions, status) publish none. */
  async gaveUp(gave: GaveUp): Promise<void> {
    const ids = idsOf(gave.message);
    if (!ids) return;
    const known = ids.recordFileId ? await this.#deps.index.getRecordFileWithMeeting(ids.recordFileId) : undefined;
    const artifacts = Object.values(known?.file.artifacts ?? {}).sort((a, b) => a.artifact.localeCompare(b.artifact));
    const bucket = artifacts.find((a) => a.bucket)?.bucket;
    const meetingId = known?.file.meetingId ?? ids.meetingId;
    const meetingRecordId = known?.file.meetingRecordId ?? ids.meetingRecordId;
    await this.#deps.outbox.recordOnce({
      detailType: DETAIL_TYPES.failed,
      detail: {
        event_id: stableEventId(DETAIL_TYPES.failed, 'message', gave.messageId),
        schema_version: DETAIL_SCHEMA_VERSION,
        occurred_at: new Date((this.#deps.now ?? Date.now)()).toISOString(),
        ...(meetingId ? { meeting_id: meetingId } : {}),
        ...(meetingRecordId ? { meeting_record_id: meetingRecordId } : {}),
        ...(ids.recordFileId ? { record_file_id: ids.recordFileId } : {}),
        ...(known?.meeting.meetingCode ? { meeting_code: known.meeting.meetingCode } : {}),
        ...(known ? { subject: known.meeting.subject } : {}),
        ...(bucket ? { bucket } : {}),
        ...(known && known.file.recordSize > 0 ? { record_size: known.file.recordSize } : {}),
        artifacts: artifacts.map(toDetail),
        failure: { kind: gave.kind, reason: withoutLinks(gave.reason).slice(0, 1000), message_id: gave.messageId, receive_count: Math.max(1, gave.receiveCount) },
      },
    });
  }
}

function idsOf(message: IngestMessage | undefined): { meetingId?: string; meetingRecordId?: string; recordFileId?: string } | undefined {
  switch (message?.kind) {
    case 'archive-file':
      return { meetingId: message.meetingId, ...(message.meetingRecordId ? { meetingRecordId: message.meetingRecordId } : {}), recordFileId: message.recordFileId };
    case 'resolve-file':
      return { recordFileId: message.recordFileId };
    case 'archive-meeting':
      return { meetingId: message.meetingId };
    default:
      return undefined;
  }
}
