// In-memory model of the Tencent Meeting side: users, meeting recordings, record files and their
// downloadable artifacts. The REST server answers from it, the webhook sender announces its
// changes, and tests regenerate every artifact's bytes from its `seed` (see seeded-bytes.ts), so a
// file of many GiB exists only as (seed, size) and is never held in memory.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ArtifactKind } from '../../../shared/archive/model.ts';

/** Tencent's recording state: 1 recording, 2 transcoding, 3 done (record_files listed only at 3). */
export type SimRecordingState = 1 | 2 | 3;

export interface SimUser {
  readonly userid: string;
  readonly openId: string;
  readonly name: string;
  /** Super admin / recording admin: may see every recording of the corp. */
  readonly admin: boolean;
}

/** One downloadable thing of a record file: the video, its audio track, a transcript, AI minutes. */
export interface SimArtifact {
  /** Globally unique: `${recordFileId}/${name}`. The download service registers it under this key. */
  readonly key: string;
  /** Stable within the file, same naming as the archive's ArtifactRecord.artifact:
   *  `video`, `audio`, `transcript-0-txt`, `ai_transcript-0-txt`, `ai_minutes-0-docx`. */
  readonly name: string;
  readonly kind: ArtifactKind;
  /** Tencent's file type: mp4, m4a, txt, pdf, docx. */
  readonly fileType: string;
  readonly contentType: string;
  readonly fileName: string;
  readonly size: number;
  /** Seed for seededChunk/seededStream: the artifact's bytes are seededStream(seed, 0, size). */
  readonly seed: string;
  /** When set, the artifact's bytes are these instead (a readable transcript); size is their length. */
  readonly content?: Uint8Array;
}

export interface SimSharing {
  sharingState: 0 | 1;
  sharingUrl?: string;
  requiredSameCorp: boolean;
  requiredParticipant: boolean;
  password?: string;
  /** ms; 0 = never expires. */
  sharingExpire: number;
  allowDownload: boolean;
}

export interface SimRecordFile {
  readonly recordFileId: string;
  readonly meetingRecordId: string;
  readonly meetingId: string;
  readonly recordStartTimeMs: number;
  readonly recordEndTimeMs: number;
  /** record_size: the video's size in bytes. */
  readonly recordSize: number;
  /** Always has `video`; then optional audio, transcripts, AI transcripts, AI minutes. */
  readonly artifacts: readonly SimArtifact[];
}

export interface SimMeetingRecording {
  readonly meetingRecordId: string;
  readonly meetingId: string;
  readonly meetingCode: string;
  subject: string;
  readonly hostUserId: string;
  readonly mediaStartTimeMs: number;
  state: SimRecordingState;
  /** 0 cloud recording, 2 uploaded (SDK-GO). */
  readonly recordType: number;
  readonly mediaSetType: number;
  /** Files of one meeting share one sharing link and settings (Tencent's documented behaviour). */
  sharing: SimSharing;
  files: SimRecordFile[];
}

export interface SimTranscriptSpec {
  readonly fileType: 'txt' | 'pdf' | 'docx';
  readonly sizeBytes?: number;
  /** The transcript's text (UTF-8), served as its bytes; sizeBytes is then ignored. */
  readonly text?: string;
}

export interface SimFileSpec {
  /** Video (record_size) in bytes. Any size: bytes are generated, never stored. */
  readonly sizeBytes: number;
  readonly durationMs?: number;
  /** Size of the m4a audio track; omitted = no audio artifact. */
  readonly audioBytes?: number;
  /** meeting_summary transcripts. */
  readonly transcripts?: readonly SimTranscriptSpec[];
  readonly aiTranscripts?: readonly SimTranscriptSpec[];
  readonly aiMinutes?: readonly SimTranscriptSpec[];
}

export interface CreateMeetingInput {
  readonly subject: string;
  readonly hostUserId: string;
  /** Reuse an existing meeting (a second recording of the same meeting); otherwise a new one. */
  readonly meetingId?: string;
  readonly meetingCode?: string;
  readonly startTimeMs?: number;
  readonly files?: readonly SimFileSpec[];
  /** Defaults to 3 (done). */
  readonly state?: SimRecordingState;
  readonly recordType?: number;
  readonly sharing?: Partial<SimSharing>;
}

export type SimModelChange =
  | { readonly type: 'recording.created'; readonly recording: SimMeetingRecording }
  | { readonly type: 'recording.state'; readonly recording: SimMeetingRecording; readonly previous: SimRecordingState }
  | { readonly type: 'recording.updated'; readonly recording: SimMeetingRecording; readonly field: 'subject' | 'sharing' | 'files' }
  | { readonly type: 'file.deleted'; readonly recording: SimMeetingRecording; readonly file: SimRecordFile; readonly operatorId?: string }
  | {
      readonly type: 'recording.deleted';
      readonly recording: SimMeetingRecording;
      readonly files: readonly SimRecordFile[];
      /** Who deleted it (the REST DELETE's operator); undefined when a test deleted it directly. */
      readonly operatorId?: string;
    };

export interface SimulatorModelOptions {
  /** Makes ids and artifact seeds reproducible. */
  readonly seed?: string;
  readonly now?: () => number;
}

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  txt: 'text/plain; charset=utf-8',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

function contentTypeOf(fileType: string): string {
  return CONTENT_TYPES[fileType] ?? 'application/octet-stream';
}

export class SimulatorModel extends EventEmitter<{ change: [SimModelChange] }> {
  readonly seed: string;
  readonly now: () => number;
  readonly users = new Map<string, SimUser>();
  readonly recordings = new Map<string, SimMeetingRecording>();
  /** Tombstones: the REST API answers 4051 / 9003 for these instead of "unknown". */
  readonly deletedFiles = new Map<string, SimRecordFile>();
  readonly deletedRecordings = new Map<string, SimMeetingRecording>();
  private readonly filesById = new Map<string, SimRecordFile>();
  private readonly usedIds = new Set<string>();
  private counter = 0;

  constructor(options: SimulatorModelOptions = {}) {
    super();
    this.seed = options.seed ?? 'tencent-meeting-simulator';
    this.now = options.now ?? Date.now;
  }

  /** A 19-digit decimal id (always > 2^53, as Tencent's are), deterministic from seed and counter. */
  nextId(kind: string): string {
    for (;;) {
      this.counter += 1;
      const digest = createHash('sha256').update(`${this.seed}:${kind}:${this.counter}`).digest();
      const n = 1_000_000_000_000_000_000n + (digest.readBigUInt64BE(0) % 9_000_000_000_000_000_000n);
      const id = n.toString();
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }

  private nextDigits(kind: string, digits: number): string {
    const digest = createHash('sha256').update(`${this.seed}:${kind}:${++this.counter}`).digest();
    const n = 10n ** BigInt(digits - 1) + (digest.readBigUInt64BE(0) % (9n * 10n ** BigInt(digits - 1)));
    return n.toString();
  }

  addUser(input: { userid: string; name?: string; openId?: string; admin?: boolean }): SimUser {
    const user: SimUser = {
      userid: input.userid,
      name: input.name ?? input.userid,
      openId: input.openId ?? `open-${createHash('sha256').update(`${this.seed}:${input.userid}`).digest('hex').slice(0, 24)}`,
      admin: input.admin ?? false,
    };
    this.users.set(user.userid, user);
    return user;
  }

  getUser(userid: string): SimUser | undefined {
    return this.users.get(userid);
  }

  findUserByOpenId(openId: string): SimUser | undefined {
    for (const user of this.users.values()) if (user.openId === openId) return user;
    return undefined;
  }

  createMeeting(input: CreateMeetingInput): SimMeetingRecording {
    if (!this.users.has(input.hostUserId)) this.addUser({ userid: input.hostUserId });
    const existing = input.meetingId ? this.findByMeetingId(input.meetingId)[0] : undefined;
    const meetingId = input.meetingId ?? this.nextId('meeting');
    const meetingCode = input.meetingCode ?? existing?.meetingCode ?? this.nextDigits('code', 9);
    const meetingRecordId = this.nextId('meeting-record');
    const mediaStartTimeMs = input.startTimeMs ?? this.now();
    const sharingUrl = `https://meeting.tencent.com/crm/${meetingRecordId}`;
    const recording: SimMeetingRecording = {
      meetingRecordId,
      meetingId,
      meetingCode,
      subject: input.subject,
      hostUserId: input.hostUserId,
      mediaStartTimeMs,
      state: input.state ?? 3,
      recordType: input.recordType ?? 0,
      mediaSetType: 0,
      sharing: {
        sharingState: 1,
        sharingUrl,
        requiredSameCorp: false,
        requiredParticipant: false,
        password: this.nextDigits('password', 8),
        sharingExpire: 0,
        allowDownload: true,
        ...input.sharing,
      },
      files: [],
    };
    this.recordings.set(meetingRecordId, recording);
    let startMs = mediaStartTimeMs + 1_000;
    for (const spec of input.files ?? []) {
      const file = this.buildFile(recording, spec, startMs);
      startMs = file.recordEndTimeMs + 5_000;
    }
    this.emit('change', { type: 'recording.created', recording });
    return recording;
  }

  /** Adds one more file (e.g. a recording resumed after a stop) to an existing recording. */
  addFile(meetingRecordId: string, spec: SimFileSpec): SimRecordFile {
    const recording = this.requireRecording(meetingRecordId);
    const last = recording.files.at(-1);
    const file = this.buildFile(recording, spec, last ? last.recordEndTimeMs + 5_000 : recording.mediaStartTimeMs + 1_000);
    this.emit('change', { type: 'recording.updated', recording, field: 'files' });
    return file;
  }

  private buildFile(recording: SimMeetingRecording, spec: SimFileSpec, startMs: number): SimRecordFile {
    const recordFileId = this.nextId('record-file');
    const artifacts: SimArtifact[] = [];
    const add = (name: string, kind: ArtifactKind, fileType: string, size: number, content?: Uint8Array): void => {
      artifacts.push({
        ...(content ? { content } : {}),
        key: `${recordFileId}/${name}`,
        name,
        kind,
        fileType,
        contentType: contentTypeOf(fileType),
        fileName: `${recording.meetingCode}-${recordFileId}-${name}.${fileType}`,
        size,
        seed: `${this.seed}:${recordFileId}:${name}`,
      });
    };
    add('video', 'video', 'mp4', spec.sizeBytes);
    if (spec.audioBytes !== undefined) add('audio', 'audio', 'm4a', spec.audioBytes);
    const lists: Array<[readonly SimTranscriptSpec[] | undefined, ArtifactKind, number]> = [
      [spec.transcripts, 'transcript', 4096],
      [spec.aiTranscripts, 'ai_transcript', 4096],
      [spec.aiMinutes, 'ai_minutes', 2048],
    ];
    for (const [list, kind, defaultSize] of lists) {
      (list ?? []).forEach((t, i) => {
        const content = t.text === undefined ? undefined : Buffer.from(t.text, 'utf8');
        add(`${kind}-${i}-${t.fileType}`, kind, t.fileType, content ? content.length : (t.sizeBytes ?? defaultSize), content);
      });
    }
    const file: SimRecordFile = {
      recordFileId,
      meetingRecordId: recording.meetingRecordId,
      meetingId: recording.meetingId,
      recordStartTimeMs: startMs,
      recordEndTimeMs: startMs + (spec.durationMs ?? 30 * 60_000),
      recordSize: spec.sizeBytes,
      artifacts,
    };
    recording.files.push(file);
    this.filesById.set(recordFileId, file);
    return file;
  }

  setState(meetingRecordId: string, state: SimRecordingState): SimMeetingRecording {
    const recording = this.requireRecording(meetingRecordId);
    const previous = recording.state;
    recording.state = state;
    this.emit('change', { type: 'recording.state', recording, previous });
    return recording;
  }

  updateSubject(meetingRecordId: string, subject: string): SimMeetingRecording {
    const recording = this.requireRecording(meetingRecordId);
    recording.subject = subject;
    this.emit('change', { type: 'recording.updated', recording, field: 'subject' });
    return recording;
  }

  setSharing(meetingRecordId: string, sharing: Partial<SimSharing>): SimMeetingRecording {
    const recording = this.requireRecording(meetingRecordId);
    recording.sharing = { ...recording.sharing, ...sharing };
    this.emit('change', { type: 'recording.updated', recording, field: 'sharing' });
    return recording;
  }

  /** Deletes one file; returns undefined when it does not exist (or is already deleted). */
  deleteFile(recordFileId: string, by: { operatorId?: string } = {}): SimRecordFile | undefined {
    const file = this.filesById.get(recordFileId);
    if (!file) return undefined;
    const recording = this.requireRecording(file.meetingRecordId);
    recording.files = recording.files.filter((f) => f.recordFileId !== recordFileId);
    this.filesById.delete(recordFileId);
    this.deletedFiles.set(recordFileId, file);
    this.emit('change', { type: 'file.deleted', recording, file, ...(by.operatorId ? { operatorId: by.operatorId } : {}) });
    return file;
  }

  /** Deletes a whole meeting recording with all its files. */
  deleteRecording(meetingRecordId: string, by: { operatorId?: string } = {}): SimMeetingRecording | undefined {
    const recording = this.recordings.get(meetingRecordId);
    if (!recording) return undefined;
    const files = [...recording.files];
    for (const file of files) {
      this.filesById.delete(file.recordFileId);
      this.deletedFiles.set(file.recordFileId, file);
    }
    this.recordings.delete(meetingRecordId);
    this.deletedRecordings.set(meetingRecordId, recording);
    this.emit('change', { type: 'recording.deleted', recording, files, ...(by.operatorId ? { operatorId: by.operatorId } : {}) });
    return recording;
  }

  getRecording(meetingRecordId: string): SimMeetingRecording | undefined {
    return this.recordings.get(meetingRecordId);
  }

  requireRecording(meetingRecordId: string): SimMeetingRecording {
    const recording = this.recordings.get(meetingRecordId);
    if (!recording) throw new Error(`no meeting recording ${meetingRecordId}`);
    return recording;
  }

  getFile(recordFileId: string): SimRecordFile | undefined {
    return this.filesById.get(recordFileId);
  }

  getArtifact(artifactKey: string): SimArtifact | undefined {
    const [recordFileId] = artifactKey.split('/');
    return this.filesById.get(recordFileId ?? '')?.artifacts.find((a) => a.key === artifactKey);
  }

  findByMeetingId(meetingId: string): SimMeetingRecording[] {
    return this.list().filter((r) => r.meetingId === meetingId);
  }

  findByMeetingCode(meetingCode: string): SimMeetingRecording[] {
    return this.list().filter((r) => r.meetingCode === meetingCode);
  }

  /** All live recordings, newest first (the order the list APIs page through). */
  list(): SimMeetingRecording[] {
    return [...this.recordings.values()].sort(
      (a, b) => b.mediaStartTimeMs - a.mediaStartTimeMs || a.meetingRecordId.localeCompare(b.meetingRecordId),
    );
  }
}
