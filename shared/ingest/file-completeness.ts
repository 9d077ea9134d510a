// Whether an indexed file needs work: the checks the ingest worker makes before it asks Tencent.
import { missingAnnouncedKinds, type ArtifactKind, type RecordFileRecord } from '../archive/model.ts';

const KINDS: ReadonlySet<string> = new Set<ArtifactKind>(['video', 'audio', 'transcript', 'ai_transcript', 'ai_minutes']);

/** The artifact kinds a message's hint names (a hint may also name single artifacts). */
export function hintedKinds(hint: readonly string[] | undefined): ArtifactKind[] {
  return (hint ?? []).filter((h): h is ArtifactKind => KINDS.has(h));
}

/**
 * Whether the worker must ask Tencent. A hinted message (smart.transcripts, smart.fullsummary)
 * always does: Tencent announces that it has more to offer, and only its answer says what (a list
 * that grew holds an artifact the index has never seen, open point #6).
 */
export function needsTencent(file: RecordFileRecord, hint: readonly string[] | undefined): boolean {
  return (hint !== undefined && hint.length > 0) || !isComplete(file, hint);
}

export function isComplete(file: RecordFileRecord, hint: readonly string[] | undefined): boolean {
  const artifacts = Object.values(file.artifacts);
  if (artifacts.length === 0) return false;
  const hinted = hint !== undefined && hint.length > 0;
  // No hint = every artifact Tencent offers. The indexed ones may be only those a hinted message
  // (smart.transcripts) copied first: a file whose video was never indexed is not complete, or a
  // recording.completed handled after smart.transcripts would skip the video (found by the chaos
  // run, test/chaos/chaos.test.ts). Every record file has a video: record_size is its size.
  if (!hinted && !artifacts.some((a) => a.kind === 'video')) return false;
  if (!hinted && missingAnnouncedKinds(file).length > 0) return false;
  const relevant = hinted ? artifacts.filter((a) => hint.includes(a.artifact) || hint.includes(a.kind)) : artifacts;
  // A hint for transcripts that have never been seen must still ask Tencent.
  return relevant.length > 0 && relevant.every((a) => a.status === 'archived');
}
