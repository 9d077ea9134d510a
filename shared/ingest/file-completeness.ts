// Whether an indexed file needs work: the checks the ingest worker makes before it asks Tencent.
import type { RecordFileRecord } from '../archive/model.ts';

export function isComplete(file: RecordFileRecord, hint: readonly string[] | undefined): boolean {
  const artifacts = Object.values(file.artifacts);
  if (artifacts.length === 0) return false;
  const hinted = hint !== undefined && hint.length > 0;
  // No hint = every artifact Tencent offers. The indexed ones may be only those a hinted message
  // (smart.transcripts) copied first: a file whose video was never indexed is not complete, or a
  // recording.completed handled after smart.transcripts would skip the video (found by the chaos
  // run, test/chaos/chaos.test.ts). Every record file has a video: record_size is its size.
  if (!hinted && !artifacts.some((a) => a.kind === 'video')) return false;
  const relevant = hinted ? artifacts.filter((a) => hint.includes(a.artifact) || hint.includes(a.kind)) : artifacts;
  // A hint for transcripts that have never been seen must still ask Tencent.
  return relevant.length > 0 && relevant.every((a) => a.status === 'archived');
}

export function hasCopyInFlight(file: RecordFileRecord): boolean {
  return Object.values(file.artifacts).some((a) => a.status === 'copying');
}
