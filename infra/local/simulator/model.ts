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
  /** 0 one-off, 1 recurring (events then carry sub_meeting_id and, under some readings, the series' times). */
  readonly meetingType: number;
  /** A recurring meeting's occurrence. */
  readonly subMeetingId?: string;
  /** A recurring meeting's whole series, ms: what its events' start_time / end_time carry (#1). */
  readonly series?: { readonly startMs: number; readonly endMs: number };
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
  /** Real bytes for the video (a playable MP4); sizeBytes is then ignored. */
  readonly videoContent?: Uint8Array;
  /** Real bytes for the audio track; audioBytes is then ignored. */
  readonly audioContent?: Uint8Array;
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
  /** One occurrence of a recurring meeting (meeting_type 1); series defaults: 30 days before to 120 days after. */
  readonly recurring?: boolean | { readonly seriesStartMs?: number; readonly seriesEndMs?: number };
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
  /** When each file / recording was deleted (model clock), for lists that lag a deletion. */
  private readonly deletedAtMs = new Map<string, number>();
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
    const recurring = input.recurring ? (input.recurring === true ? {} : input.recurring) : undefined;
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
      meetingType: recurring ? 1 : 0,
      ...(recurring
        ? {
            subMeetingId: this.nextDigits('sub-meeting', 10),
            series: {
              startMs: recurring.seriesStartMs ?? mediaStartTimeMs - 30 * 86_400_000,
              endMs: recurring.seriesEndMs ?? mediaStartTimeMs + 120 * 86_400_000,
            },
          }
        : {}),
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

  private artifact(meetingCode: string, recordFileId: string, name: string, kind: ArtifactKind, fileType: string, size: number, content?: Uint8Array): SimArtifact {
    return {
      ...(content ? { content } : {}),
      key: `${recordFileId}/${name}`,
      name,
      kind,
      fileType,
      contentType: contentTypeOf(fileType),
      fileName: `${meetingCode}-${recordFileId}-${name}.${fileType}`,
      size,
      seed: `${this.seed}:${recordFileId}:${name}`,
    };
  }

  /** Transcripts and minutes after the ones a file already has (names count on per kind). */
  private textArtifacts(meetingCode: string, recordFileId: string, spec: Pick<SimFileSpec, 'transcripts' | 'aiTranscripts' | 'aiMinutes'>, existing: readonly SimArtifact[]): SimArtifact[] {
    const out: SimArtifact[] = [];
    const lists: Array<[readonly SimTranscriptSpec[] | undefined, ArtifactKind, number]> = [
      [spec.transcripts, 'transcript', 4096],
      [spec.aiTranscripts, 'ai_transcript', 4096],
      [spec.aiMinutes, 'ai_minutes', 2048],
    ];
    for (const [list, kind, defaultSize] of lists) {
      const before = existing.filter((a) => a.kind === kind).length;
      (list ?? []).forEach((t, i) => {
        const content = t.text === undefined ? undefined : Buffer.from(t.text, 'utf8');
        out.push(this.artifact(meetingCode, recordFileId, `${kind}-${before + i}-${t.fileType}`, kind, t.fileType, content ? content.length : (t.sizeBytes ?? defaultSize), content));
      });
    }
    return out;
  }

  /** Tencent produces AI transcripts and minutes after the recording: they join the file later. */
  addTextArtifacts(recordFileId: string, spec: Pick<SimFileSpec, 'transcripts' | 'aiTranscripts' | 'aiMinutes'>): SimRecordFile {
    const file = this.filesById.get(recordFileId);
    if (!file) throw new Error(`no record file ${recordFileId}`);
    const recording = this.requireRecording(file.meetingRecordId);
    (file as { artifacts: readonly SimArtifact[] }).artifacts = [...file.artifacts, ...this.textArtifacts(recording.meetingCode, recordFileId, spec, file.artifacts)];
    this.emit('change', { type: 'recording.updated', recording, field: 'files' });
    return file;
  }

  private buildFile(recording: SimMeetingRecording, spec: SimFileSpec, startMs: number): SimRecordFile {
    const recordFileId = this.nextId('record-file');
    const artifacts: SimArtifact[] = [this.artifact(recording.meetingCode, recordFileId, 'video', 'video', 'mp4', spec.videoContent?.length ?? spec.sizeBytes, spec.videoContent)];
    if (spec.audioBytes !== undefined || spec.audioContent) {
      artifacts.push(this.artifact(recording.meetingCode, recordFileId, 'audio', 'audio', 'm4a', spec.audioContent?.length ?? spec.audioBytes ?? 0, spec.audioContent));
    }
    artifacts.push(...this.textArtifacts(recording.meetingCode, recordFileId, spec, artifacts));
    const file: SimRecordFile = {
      recordFileId,
      meetingRecordId: recording.meetingRecordId,
      meetingId: recording.meetingId,
      recordStartTimeMs: startMs,
      recordEndTimeMs: startMs + (spec.durationMs ?? 30 * 60_000),
      recordSize: spec.videoContent?.length ?? spec.sizeBytes,
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
    this.deletedAtMs.set(recordFileId, this.now());
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
      this.deletedAtMs.set(file.recordFileId, this.now());
    }
    this.recordings.delete(meetingRecordId);
    this.deletedRecordings.set(meetingRecordId, recording);
    this.deletedAtMs.set(meetingRecordId, this.now());
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

  /**
   * Recordings as a list that lags deletions by `lagMs` shows them: the live ones plus those deleted
   * less than `lagMs` ago, each with its files deleted less than `lagMs` ago still in it. Newest first.
   */
  listedView(lagMs: number): SimMeetingRecording[] {
    if (lagMs <= 0) return this.list();
    const recent = (id: string) => this.now() - (this.deletedAtMs.get(id) ?? -Infinity) < lagMs;
    const lingering = (recording: SimMeetingRecording): SimRecordFile[] =>
      [...this.deletedFiles.values()].filter((f) => f.meetingRecordId === recording.meetingRecordId && recent(f.recordFileId) && !recording.files.includes(f));
    const live = [...this.recordings.values()].map((r) => {
      const extra = lingering(r);
      return extra.length === 0 ? r : { ...r, files: [...r.files, ...extra].sort((a, b) => a.recordStartTimeMs - b.recordStartTimeMs) };
    });
    const gone = [...this.deletedRecordings.values()].filter((r) => recent(r.meetingRecordId));
    return [...live, ...gone].sort((a, b) => b.mediaStartTimeMs - a.mediaStartTimeMs || a.meetingRecordId.localeCompare(b.meetingRecordId));
  }

  /** All live recordings, newest first (the order the list APIs page through). */
  list(): SimMeetingRecording[] {
    return [...this.recordings.values()].sort(
      (a, b) => b.mediaStartTimeMs - a.mediaStartTimeMs || a.meetingRecordId.localeCompare(b.meetingRecordId),
    );
  }
}
