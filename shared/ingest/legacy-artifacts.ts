// Transcripts and minutes an earlier version archived under position names (`transcript-0-txt`)
// are adopted under their stable names (artifacts.ts) instead of being copied again, and none is
// dropped. Which link a position name meant is not known (that is the bug the stable names fix), so
// a link is paired with a position-named artifact of its kind and file type only when the bytes it
// serves (its Content-Range total, one 1-byte GET) equal that artifact's archived bytes and no other
// candidate, archived or linked, has that size. Anything ambiguous is left as it is: the position-named copy stays
// indexed and served, and the link is copied under its stable name (a second copy, never a loss).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ArchiveIndex } from '../archive/archive-index.ts';
import type { ArtifactRecord, RecordFileRecord } from '../archive/model.ts';
import { HttpSource } from '../copy/http-source.ts';
import { createGuardedFetch } from '../copy/guarded-fetch.ts';
import { STRICT_DOWNLOAD_POLICY, type DownloadPolicy } from '../copy/download-policy.ts';
import { isPositionName, type SourceArtifact } from './artifacts.ts';

export interface LegacyAdoptionDeps {
  readonly index: ArchiveIndex;
  readonly logger: Logger;
  /** Bytes a link serves (createSourceSizer); without it nothing is paired, so every link is copied. */
  readonly sourceBytes?: (url: string) => Promise<number>;
}

/** A 1-byte ranged GET through the download policy, as the copy engine fetches (guarded-fetch.ts). */
export function createSourceSizer(policy: DownloadPolicy = STRICT_DOWNLOAD_POLICY): (url: string) => Promise<number> {
  const fetch = createGuardedFetch(policy);
  return async (url) => {
    const source = new HttpSource({ resolveUrl: async () => url, context: {}, maxAttempts: 2, fetch });
    return (await source.probe(new AbortController().signal)).totalBytes;
  };
}

/** The file record after adopting what can be paired safely. */
export async function adoptPositionNamed(deps: LegacyAdoptionDeps, file: RecordFileRecord, sources: readonly SourceArtifact[]): Promise<RecordFileRecord> {
  const legacy = Object.values(file.artifacts).filter((a) => a.status === 'archived' && isPositionName(a.artifact));
  const sizeOf = deps.sourceBytes;
  if (legacy.length === 0 || !sizeOf) return file;
  const ids = { meetingRecordId: file.meetingRecordId, recordFileId: file.recordFileId };
  let current = file;
  const unclaimed = new Set(legacy.map((a) => a.artifact));
  const sameShape = (x: { kind: string; fileType: string }, y: { kind: string; fileType: string }): boolean => x.kind === y.kind && x.fileType === y.fileType;
  // Every link that could be a legacy artifact is sized first: a size proves the pairing only when
  // it is unique on both sides (one archived artifact and one link of that kind, type and size).
  const sized: Array<{ readonly source: SourceArtifact; readonly bytes: number }> = [];
  const unsized: SourceArtifact[] = [];
  for (const source of sources) {
    if (current.artifacts[source.artifact] || !legacy.some((a) => sameShape(a, source))) continue;
    try {
      sized.push({ source, bytes: await sizeOf(source.url) });
    } catch (error) {
      unsized.push(source);
      deps.logger.warn('could not size a link to pair it with a position-named artifact; copying it', { ...ids, artifact: source.artifact, error: String(error) });
    }
  }
  for (const { source, bytes } of sized) {
    const candidates = legacy.filter((a) => unclaimed.has(a.artifact) && sameShape(a, source));
    if (candidates.length === 0) continue;
    const same = candidates.filter((a) => a.bytes === bytes);
    const rivals = sized.filter((other) => sameShape(other.source, source) && other.bytes === bytes).length - 1 + unsized.filter((other) => sameShape(other, source)).length;
    if (same.length !== 1 || rivals > 0) {
      deps.logger.info('position-named artifact left as it is; the link is copied under its stable name', {
        ...ids,
        artifact: source.artifact,
        candidates: candidates.map((a) => a.artifact),
        sameSize: same.length,
        rivalLinks: rivals,
      });
      continue;
    }
    const adopted: ArtifactRecord = same[0]!;
    unclaimed.delete(adopted.artifact);
    current = await deps.index.renameArtifact(file.meetingRecordId, file.recordFileId, adopted.artifact, source.artifact);
    deps.logger.info('position-named artifact adopted under its stable name', { ...ids, from: adopted.artifact, artifact: source.artifact, key: adopted.key });
  }
  return current;
}
