// Every artifact Tencent offers for one record file, as the archive names them. The names are
// stable (`video`, `audio`, `transcript-3f9c0a1b2d4e-txt`, …) so a resumed copy, a duplicate
// message and the query API all refer to the same object.
//
// Transcripts and minutes come as lists whose order Tencent does not document (open point #6): a
// name taken from the position would give a reordered or grown list's new entry the name of one
// already archived, and it would never be copied. Their name is the kind, a digest of the link's
// file name (the last path segment, which carries no signature) and the file type instead.
import { createHash } from 'node:crypto';
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
    const named = new Set<string>();
    for (const link of links) {
      const fileType = normaliseType(link.file_type, 'txt');
      const artifact = `${kind}-${linkIdentity(link.download_address)}-${fileType}`;
      // The same link listed twice is one artifact.
      if (named.has(artifact)) continue;
      named.add(artifact);
      artifacts.push({ artifact, kind, fileType, url: link.download_address });
    }
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

/**
 * 12 hex digits of the link's file name: the last non-empty path segment, decoded. Signatures and
 * expiry live in the query string (COS) or in earlier segments (CDN tokens), so the name stays the
 * same for every fresh link to the same file.
 */
export function linkIdentity(url: string): string {
  let segment: string;
  try {
    const { pathname, host } = new URL(url);
    segment = pathname.split('/').filter(Boolean).at(-1) ?? host;
    try {
      segment = decodeURIComponent(segment);
    } catch {
      // A malformed escape is still the same text on every call.
    }
  } catch {
    segment = url.split('?')[0] ?? url;
  }
  return createHash('sha256').update(segment).digest('hex').slice(0, 12);
}

/** Names the archive gave transcripts and minutes before names were position-free: `transcript-0-txt`. */
export function isPositionName(artifact: string): boolean {
  return /^(transcript|ai_transcript|ai_minutes)-\d{1,4}-[a-z0-9]{1,10}$/.test(artifact);
}

function normaliseType(value: string | undefined, fallback: string): string {
  const cleaned = (value ?? '').trim().toLowerCase().replace(/^\./, '');
  return /^[a-z0-9]{1,10}$/.test(cleaned) ? cleaned : fallback;
}
