// The name the archive gives a simulator artifact: `video` and `audio` as they are, transcripts and
// minutes by their link's file name (shared/ingest/artifacts.ts), which the simulator's links end
// with. For tests that look an artifact up by name; contents are checked by their bytes anyway.
import { linkIdentity } from '../../shared/ingest/artifacts.ts';
import type { SimArtifact } from '../../infra/local/simulator/model.ts';
import type { ArtifactKind } from '../../shared/archive/model.ts';

export function archiveNameOf(artifact: Pick<SimArtifact, 'kind' | 'fileName' | 'fileType'>): string {
  if (artifact.kind === 'video' || artifact.kind === 'audio') return artifact.kind;
  return `${artifact.kind}-${linkIdentity(`http://simulator/${encodeURIComponent(artifact.fileName)}`)}-${artifact.fileType}`;
}

/** One of each artifact kind a file can have, as [archive name, kind, file type]: two minutes formats. */
export const EVERY_ARTIFACT_KIND: ReadonlyArray<readonly [string, ArtifactKind, string]> = [
  ['video', 'video', 'mp4'],
  ['audio', 'audio', 'm4a'],
  ['transcript-3f9c0a1b2d4e-txt', 'transcript', 'txt'],
  ['ai_transcript-8d7e6f5a4b3c-txt', 'ai_transcript', 'txt'],
  ['ai_minutes-0a1b2c3d4e5f-docx', 'ai_minutes', 'docx'],
  ['ai_minutes-f5e4d3c2b1a0-pdf', 'ai_minutes', 'pdf'],
];
