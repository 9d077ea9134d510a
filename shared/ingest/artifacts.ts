// Every artifact Tencent offers for one record file, as the archive names them. The names are
// stable (`video`, `audio`, `transcript-0-txt`, …) so a resumed copy, a duplicate message and the
// query API all refer to the same object.
import type { ArtifactKind } from '../archive/model.ts';
import type { FileAddress } from '../tencent/schemas.ts';

export interface SourceArtifact {
  readonly artifact: string;
  readonly kind: ArtifactKind;
  readonly fileType: string;
  /** Short-lived source link: used at once, never stored or logged. */
  readonly url: string;
}

/** Lists the artifacts of a GET /v1/addresses/{record_file_id} answer. */
export function artifactsOf(address: FileAddress): SourceArtifact[] {
  const artifacts: SourceArtifact[] = [];
  if (address.download_address) {
    artifacts.push({ artifact: 'video', kind: 'video', fileType: normaliseType(address.download_address_file_type, 'mp4'), url: address.download_address });
  }
  if (address.audio_address) {
    artifacts.push({ artifact: 'audio', kind: 'audio', fileType: normaliseType(address.audio_address_file_type, 'm4a'), url: address.audio_address });
  }
  const lists: ReadonlyArray<readonly [ArtifactKind, FileAddress['meeting_summary']]> = [
    ['transcript', address.meeting_summary],
    ['ai_transcript', address.ai_meeting_transcripts],
    ['ai_minutes', address.ai_minutes],
  ];
  for (const [kind, links] of lists) {
    links.forEach((link, index) => {
      const fileType = normaliseType(link.file_type, 'txt');
      artifacts.push({ artifact: `${kind}-${index}-${fileType}`, kind, fileType, url: link.download_address });
    });
  }
  return artifacts;
}

/**
 * Keeps the artifacts a message asks for. A hint may name artifacts (`video`) or kinds
 * (`transcript` matches `transcript-0-txt`); no hint means everything.
 */
export function selectArtifacts(artifacts: readonly SourceArtifact[], hint: readonly string[] | undefined): SourceArtifact[] {
  if (!hint || hint.length === 0) return [...artifacts];
  const wanted = new Set(hint);
  return artifacts.filter((a) => wanted.has(a.artifact) || wanted.has(a.kind));
}

function normaliseType(value: string | undefined, fallback: string): string {
  const cleaned = (value ?? '').trim().toLowerCase().replace(/^\./, '');
  return /^[a-z0-9]{1,10}$/.test(cleaned) ? cleaned : fallback;
}
