// The name the archive gives a simulator artifact: `video` and `audio` as they are, transcripts and
// minutes by their link's file name (shared/ingest/artifacts.ts), which the simulator's links end
// with. For tests that look an artifact up by name; contents are checked by their bytes anyway.
import { linkIdentity } from '../../shared/ingest/artifacts.ts';
import type { SimArtifact } from '../../infra/local/simulator/model.ts';

export function archiveNameOf(artifact: Pick<SimArtifact, 'kind' | 'fileName' | 'fileType'>): string {
  if (artifact.kind === 'video' || artifact.kind === 'audio') return artifact.kind;
  return `${artifact.kind}-${linkIdentity(`http://simulator/${encodeURIComponent(artifact.fileName)}`)}-${artifact.fileType}`;
}
