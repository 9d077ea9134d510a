// What the operations commands compute and print from what they read: a copy's rate and time left
// from its checkpoint item, why a message is in the DLQ, and what a redriven message carries.
import { copyProgress, STALE_COPY_MS } from '../../../shared/operations/status.ts';
import { deadLetterOrigin } from '../../../shared/operations/queues.ts';
import { forRedrive } from '../../../shared/operations/redrive.ts';
import { formatCopy } from '../../../infra/local/operations/status-format.ts';
import { describeDeadLetter } from '../../../infra/local/operations/redrive-command.ts';

const MiB = 1024 * 1024;
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const at = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const copy = { meetingRecordId: 'r', recordFileId: 'f1', artifact: 'video', subject: 'Weekly' };

describe('copy progress from a checkpoint item', () => {
  it('rates the run in progress only (bytes a resumed copy had before do not count) and says how long is left', () => {
    const progress = copyProgress({ bytesDone: 30 * MiB, totalBytes: 90 * MiB, runStartBytes: 10 * MiB, runStartedAt: at(12_000), updatedAt: at(2_000), phase: 'uploading' }, NOW);
    expect(progress).toMatchObject({ bytesDone: 30 * MiB, totalBytes: 90 * MiB, bytesPerSecond: 2 * MiB, secondsLeft: 30 });
    expect(formatCopy({ ...copy, ...progress }, at(0))).toBe('  f1/video "Weekly": 30.0 MiB / 90.0 MiB (33%) at 2.0 MiB/s, 30 s left (checkpoint 2 s ago)');
  });

  it('gives no rate for a copy whose checkpoint stopped moving, and says it is not running', () => {
    const progress = copyProgress({ bytesDone: 30 * MiB, totalBytes: 90 * MiB, runStartBytes: 0, runStartedAt: at(STALE_COPY_MS + 60_000), updatedAt: at(STALE_COPY_MS + 1_000) }, NOW);
    expect(progress.bytesPerSecond).toBeUndefined();
    expect(progress.stale).toBe(true);
    expect(formatCopy({ ...copy, ...progress }, at(0))).toMatch(/30\.0 MiB \/ 90\.0 MiB \(33%\) \(checkpoint 2 min 01 s ago: not running now/);
  });

  it('reads checkpoints written before runs were recorded (no rate) and copies without a checkpoint', () => {
    expect(copyProgress({ bytesDone: MiB, totalBytes: 2 * MiB, updatedAt: at(1_000) }, NOW)).toEqual({ bytesDone: MiB, totalBytes: 2 * MiB, updatedAt: at(1_000), phase: 'uploading' });
    expect(formatCopy(copy, at(0))).toContain('f1/video "Weekly": starting (no checkpoint yet');
  });
});

describe('dead letters', () => {
  it('tells a message the worker dead-lettered (its failure attribute) from one SQS moved after maxReceiveCount', () => {
    expect(deadLetterOrigin({ MessageAttributes: { failure: { DataType: 'String', StringValue: 'ValidationError: bad' } } })).toEqual({ by: 'worker', reason: 'ValidationError: bad' });
    const bySqs = deadLetterOrigin({ Attributes: { ApproximateReceiveCount: '6' } });
    expect(bySqs.by).toBe('redrive');
    expect(bySqs.reason).toBe('failed 5 receives on the ingest queue (retryable errors each time); received 6 times in all');
    expect(
      describeDeadLetter({ messageId: 'm', kind: 'archive-file', ids: { meetingId: 'M', recordFileId: 'F' }, origin: bySqs, indexed: 'video failed: IntegrityError: x', sentAt: at(0) }),
    ).toBe(`${at(0)}  archive-file     meetingId M  recordFileId F  — moved by SQS: ${bySqs.reason}  [index: video failed: IntegrityError: x]`);
  });

  it('redrives a message with its waiting budgets started over and its continuation counts kept', () => {
    const message = {
      kind: 'archive-file' as const,
      reason: 'continuation',
      meetingId: 'M',
      recordFileId: 'F',
      windowStartSec: 1,
      windowEndSec: 2,
      deferrals: 30,
      stsWaits: 72,
      continuation: { count: 7, stalled: 5, artifact: 'video', bytesDone: 10 },
    };
    expect(forRedrive(message)).toEqual({ kind: 'archive-file', reason: 'continuation', meetingId: 'M', recordFileId: 'F', windowStartSec: 1, windowEndSec: 2, continuation: message.continuation });
  });
});
