// Where an artifact lands in S3 and how it presents itself when downloaded. Keys are deterministic
// (a retry or a second worker writes the same key, so copies are idempotent) and readable by a
// person browsing the bucket: by recording date (UTC), then meeting, recording and file.

export interface ArtifactKeyInput {
  /** Recording start (record_start_time, ms since epoch); dates the key, in UTC. */
  readonly recordStartTimeMs: number;
  readonly meetingId: string;
  readonly meetingRecordId: string;
  readonly recordFileId: string;
  /** Stable artifact name within the file: `video`, `audio`, `transcript-0-txt`, … */
  readonly artifact: string;
  /** Tencent's file type: mp4, m4a, txt, pdf, docx, … */
  readonly fileType: string;
}

export const RECORDINGS_PREFIX = 'recordings/';

/** Ids come from Tencent; anything outside a conservative set could break a key or a console URL. */
function keySegment(value: string): string {
  // A leading dot could make `..`, which some tools treat as a parent directory.
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  return cleaned.length > 0 ? cleaned.slice(0, 200) : '_';
}

function extension(fileType: string): string {
  return keySegment(fileType.toLowerCase().replace(/^\./, '')) || 'bin';
}

/** `transcript-0-txt` → `transcript-0`: the file type is already the extension. */
function artifactStem(artifact: string, fileType: string): string {
  const suffix = `-${fileType.toLowerCase()}`;
  return artifact.toLowerCase().endsWith(suffix) ? artifact.slice(0, -suffix.length) : artifact;
}

/** e.g. `recordings/2026/11/22/<meeting_id>/<meeting_record_id>/<record_file_id>/video.mp4` */
export function artifactObjectKey(input: ArtifactKeyInput): string {
  const date = new Date(input.recordStartTimeMs);
  if (Number.isNaN(date.getTime())) throw new RangeError(`invalid recordStartTimeMs ${input.recordStartTimeMs}`);
  const yyyy = String(date.getUTCFullYear()).padStart(4, '0');
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(date.getUTCDate()).padStart(2, '0');
  const name = `${keySegment(artifactStem(input.artifact, input.fileType))}.${extension(input.fileType)}`;
  return `${RECORDINGS_PREFIX}${yyyy}/${mm}/${dd}/${keySegment(input.meetingId)}/${keySegment(input.meetingRecordId)}/${keySegment(input.recordFileId)}/${name}`;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  mp3: 'audio/mpeg',
  txt: 'text/plain; charset=utf-8',
  srt: 'application/x-subrip; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
  json: 'application/json',
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  md: 'text/markdown; charset=utf-8',
};

export function contentTypeFor(fileType: string): string {
  return CONTENT_TYPES[fileType.toLowerCase().replace(/^\./, '')] ?? 'application/octet-stream';
}

interface DownloadNameRules {
  /** A run of these in the subject becomes one `replacement`. */
  readonly unsafe: RegExp;
  readonly replacement: string;
  readonly maxSubjectCodePoints: number;
}

// The name stored on the object reads like a title: the subject as the meeting has it, with only
// path separators and control characters gone (they would let a subject escape a save dialog's
// folder) and whitespace folded.
const OBJECT_NAME: DownloadNameRules = { unsafe: /[\u0000-\u001f\u007f/\\\s]+/g, replacement: ' ', maxSubjectCodePoints: 120 };
// The archive API's links also drop every character Windows refuses in a file name.
const LINK_NAME: DownloadNameRules = { unsafe: /[\u0000-\u001f\u007f/\\:*?"<>|]+/g, replacement: '_', maxSubjectCodePoints: 80 };

export interface DownloadNameOptions {
  /**
   * For the archive API's links: the name carries the file's id, so the files of one meeting save
   * apart, `<subject>-<record_file_id>[-<artifact>].<type>`. Without it, the name the object itself
   * carries: `<subject>[ (<artifact>)].<type>`.
   */
  readonly recordFileId?: string;
}

/** The name a person downloading the file should see: the meeting subject, then what the file is. */
export function downloadFileName(subject: string, artifact: string, fileType: string, options: DownloadNameOptions = {}): string {
  const rules = options.recordFileId === undefined ? OBJECT_NAME : LINK_NAME;
  const base = subject.replace(rules.unsafe, rules.replacement).trim() || 'recording';
  // Code points, not UTF-16 units: never cut a Chinese character or an emoji in half.
  const shortened = Array.from(base).slice(0, rules.maxSubjectCodePoints).join('');
  const stem = artifactStem(artifact, fileType);
  if (options.recordFileId !== undefined) {
    return `${shortened}-${options.recordFileId}${stem === 'video' ? '' : `-${artifact}`}.${extension(fileType)}`;
  }
  return `${shortened}${stem === 'video' ? '' : ` (${stem})`}.${extension(fileType)}`;
}

/** RFC 5987 attr-char: encodeURIComponent leaves ' ( ) * unescaped, which attr-char does not allow. */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** ASCII stand-in for clients that ignore filename*: accents folded, the rest dropped. */
function asciiFallback(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const ext = dot > 0 ? fileName.slice(dot) : '';
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  const ascii = stem
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/["\\;%]/g, '_')
    .replace(/\s+/g, ' ')
    .trim();
  return `${ascii || 'recording'}${ext.replace(/[^\x21-\x7e]/g, '').replace(/["\\;%]/g, '_')}`;
}

/** `attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 + RFC 5987). */
export function contentDisposition(fileName: string): string {
  return `attachment; filename="${asciiFallback(fileName)}"; filename*=UTF-8''${rfc5987(fileName)}`;
}
