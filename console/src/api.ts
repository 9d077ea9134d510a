// The archive API as the console reads it: the same endpoints and bearer auth as any client.
// Types are the fields the console shows (the full contract: shared/query/schemas.ts).

export interface Artifact {
  artifact: string;
  kind: 'video' | 'audio' | 'transcript' | 'ai_transcript' | 'ai_minutes';
  file_type: string;
  status: 'pending' | 'copying' | 'archived' | 'failed' | 'deleted';
  bytes: number | null;
  checksum: string | null;
  bytes_copied?: number | null;
  expected_bytes?: number | null;
  failure_reason?: string | null;
}

export interface ArchiveInfo {
  status: Artifact['status'];
  bytes: number | null;
  source_deleted_at: number | null;
  /** Present once legal holds exist: any truthy value means the recording is held. */
  legal_hold?: unknown;
}

export interface RecordFile {
  record_file_id: string;
  record_start_time: number;
  record_end_time: number;
  record_size: number;
  archive: ArchiveInfo & { artifacts: Artifact[] };
}

export interface Meeting {
  meeting_record_id: string;
  meeting_id: string;
  meeting_code: string;
  media_start_time: number;
  subject: string;
  host_user_id?: string;
  userid?: string;
  record_files: RecordFile[];
  archive: ArchiveInfo;
}

export interface RecordList {
  total_count: number;
  current_page: number;
  total_page: number;
  record_meetings: Meeting[];
}

export interface Addresses {
  download_address?: string;
  audio_address?: string;
  meeting_summary: Array<{ download_address: string; file_type: string }>;
  ai_meeting_transcripts: Array<{ download_address: string; file_type: string }>;
  ai_minutes: Array<{ download_address: string; file_type: string }>;
}

export interface Transcripts {
  transcripts: Array<{ artifact: string; text: string; truncated: boolean }>;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export class ArchiveApi {
  private readonly base: string;
  private readonly token: () => string | undefined;
  constructor(base: string, token: () => string | undefined) {
    this.base = base;
    this.token = token;
  }

  async get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(name, String(value));
    const token = this.token();
    const response = await fetch(`${this.base}${path}${query.size > 0 ? `?${query}` : ''}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const body = (await response.json().catch(() => ({}))) as { error_info?: { message?: string }; message?: string };
    if (!response.ok) throw new ApiError(response.status, body.error_info?.message ?? body.message ?? `HTTP ${response.status}`);
    return body as T;
  }
}

/** The presigned link of one artifact: /v1/addresses lists archived artifacts per kind, in artifact-name order. */
export function linkOf(addresses: Addresses, artifacts: readonly Artifact[], artifact: Artifact): string | undefined {
  if (artifact.kind === 'video') return addresses.download_address;
  if (artifact.kind === 'audio') return addresses.audio_address;
  const lists = { transcript: addresses.meeting_summary, ai_transcript: addresses.ai_meeting_transcripts, ai_minutes: addresses.ai_minutes };
  const sameKind = artifacts.filter((a) => a.kind === artifact.kind && a.status === 'archived').sort((a, b) => a.artifact.localeCompare(b.artifact));
  return lists[artifact.kind][sameKind.findIndex((a) => a.artifact === artifact.artifact)]?.download_address;
}
