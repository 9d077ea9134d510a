// Tencent's records (a meeting recording and its files from GET /v1/records, a recording's
// settings) in the shape the archive index upserts them.
import type { SharingSettings } from '../archive/model.ts';
import type { RecordFile, RecordMeeting, RecordSettings } from '../tencent/schemas.ts';
import type { RecordingStatusMessage } from './messages.ts';

export function toMeetingUpsert(meeting: RecordMeeting) {
  return {
    meetingRecordId: meeting.meeting_record_id,
    meetingId: meeting.meeting_id,
    meetingCode: meeting.meeting_code ?? '',
    subject: meeting.subject ?? '',
    hostUserId: meeting.host_user_id ?? meeting.userid ?? '',
    mediaStartTimeMs: meeting.media_start_time,
    state: meeting.state,
    ...(meeting.record_type !== undefined ? { recordType: meeting.record_type } : {}),
    ...(meeting.media_set_type !== undefined ? { mediaSetType: meeting.media_set_type } : {}),
  };
}

function sharingOf(file: RecordFile): SharingSettings {
  return {
    sharingState: file.sharing_state ?? 0,
    ...(file.required_same_corp !== undefined ? { requiredSameCorp: file.required_same_corp } : {}),
    ...(file.required_participant !== undefined ? { requiredParticipant: file.required_participant } : {}),
    ...(file.sharing_expire !== undefined ? { sharingExpire: file.sharing_expire } : {}),
    ...(file.allow_download !== undefined ? { allowDownload: file.allow_download } : {}),
    hasPassword: Boolean(file.password),
  };
}

export function sharingFromSettings(file: RecordFile, settings: RecordSettings): SharingSettings {
  // Tencent may omit sharing_config entirely; every field is optional either way.
  const config: Partial<Record<'enable_sharing' | 'allow_download' | 'enable_password' | 'enable_sharing_expire', boolean | undefined>> &
    Partial<Record<'share_scope' | 'sharing_expire', number | undefined>> = settings.sharing_config;
  const base = sharingOf(file);
  return {
    ...base,
    ...(config.enable_sharing !== undefined ? { sharingState: config.enable_sharing ? 1 : 0 } : {}),
    ...(config.share_scope !== undefined ? { requiredSameCorp: config.share_scope === 1 } : {}),
    ...(config.enable_sharing_expire !== undefined ? { sharingExpire: config.enable_sharing_expire ? (config.sharing_expire ?? 0) : 0 } : {}),
    ...(config.allow_download !== undefined ? { allowDownload: config.allow_download } : {}),
    ...(config.enable_password !== undefined ? { hasPassword: config.enable_password } : {}),
  };
}

export function toFileUpsert(meeting: RecordMeeting, file: RecordFile) {
  return {
    meetingRecordId: meeting.meeting_record_id,
    recordFileId: file.record_file_id,
    meetingId: meeting.meeting_id,
    recordStartTimeMs: file.record_start_time,
    recordEndTimeMs: file.record_end_time,
    recordSize: file.record_size,
    sharing: sharingOf(file),
  };
}

/** A lifecycle event's status (recording started, stopped, …) as the index records it. */
export function toStatusUpsert(message: RecordingStatusMessage) {
  return {
    meetingId: message.meetingId,
    ...(message.meetingCode ? { meetingCode: message.meetingCode } : {}),
    ...(message.subject ? { subject: message.subject } : {}),
    ...(message.creatorUserId ? { hostUserId: message.creatorUserId } : {}),
    startTimeMs: message.meetingStartSec !== undefined ? message.meetingStartSec * 1000 : message.operateTimeMs,
    status: message.status,
    statusAtMs: message.operateTimeMs,
  };
}
