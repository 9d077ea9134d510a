// The source flags of a record file (Tencent deleted its copy; who did; the archive's source cleanup
// started), which every writer that rebuilds a file's record must carry over. The flag itself is
// written by ArchiveIndex#markSourceDeleted only: a file whose cleanup had started is recorded as
// deleted by `archive` whoever writes the flag first, because Tencent's recording.deleted echo of
// the cleanup can overtake the cleanup's own write.
import type { RecordFileRecord } from './model.ts';
import { optional } from './archive-items.ts';

/** The source flags of a stored file, for writers that rebuild its record (they must never drop them). */
export function sourceFlagsOf(file: RecordFileRecord | undefined): Pick<RecordFileRecord, 'sourceDeletedAt' | 'sourceDeletedBy' | 'sourceCleanupStartedAt'> {
  return {
    ...optional('sourceDeletedAt', file?.sourceDeletedAt),
    ...optional('sourceDeletedBy', file?.sourceDeletedBy),
    ...optional('sourceCleanupStartedAt', file?.sourceCleanupStartedAt),
  };
}
