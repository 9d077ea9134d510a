// How many times a copy may hand itself over to a new message. A copy that pauses at the deadline
// continues in a new message; without a bound, a source too slow to finish one part before the
// deadline (the paused part's bytes are not kept) would loop forever and never reach the DLQ.
// Two bounds, each ending in a reason an operator can read on the DLQ message:
//   - no progress: consecutive continuations that added no byte S3 acknowledged (a stalled copy);
//   - total: continuations of one file, whatever their progress (a copy that never ends).
// The counts travel in the message (ArchiveFileMessage.continuation), so they survive the worker.
import { ArchiveError, type ErrorContext } from '../errors.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import type { ArchiveFileMessage, ContinuationState } from './messages.ts';

export interface ContinuationLimits {
  /** Consecutive continuations without a new acknowledged byte before the copy goes to the DLQ. */
  readonly maxStalled: number;
  /** Continuations of one file before it goes to the DLQ, progress or not. */
  readonly maxTotal: number;
}

/**
 * 5 stalls are 75 minutes of a 15-minute Lambda without a single part (a source below ~11 KB/s
 * with 8 MiB parts); 200 continuations are 50 hours of copying one file.
 */
export const DEFAULT_CONTINUATION_LIMITS: ContinuationLimits = { maxStalled: 5, maxTotal: 200 };

/** A copy that used up a continuation bound: it cannot succeed by being continued again. */
export class ContinuationLimitError extends ArchiveError {
  override name = 'ContinuationLimitError';
  readonly retryable = false;
  readonly limit: 'stalled' | 'total';

  constructor(limit: 'stalled' | 'total', message: string, context: ErrorContext) {
    super(message, { ...context, limit });
    this.limit = limit;
  }
}

export class ContinuationBudget {
  readonly #limits: ContinuationLimits;
  readonly #metrics: IngestMetrics;
  readonly #send: (message: ArchiveFileMessage) => Promise<void>;

  constructor(limits: Partial<ContinuationLimits> | undefined, metrics: IngestMetrics, send: (message: ArchiveFileMessage) => Promise<void>) {
    this.#limits = { ...DEFAULT_CONTINUATION_LIMITS, ...limits };
    this.#metrics = metrics;
    this.#send = send;
  }

  /**
   * Sends the continuation of `message`: with the state `afterPause` gave for the copy that paused,
   * or, when the deadline came before a copy could start, one more continuation without progress.
   */
  async continueLater(message: ArchiveFileMessage, meetingRecordId: string | undefined, paused: ContinuationState | undefined): Promise<void> {
    const continuation = paused ?? this.withoutCopy(message);
    await this.#send({ ...message, reason: 'continuation', continuation, ...(meetingRecordId ? { meetingRecordId } : {}) });
  }

  /**
   * The state for the next message after a copy of `artifact` paused with `bytesDone` acknowledged
   * bytes, or a ContinuationLimitError when a bound is used up.
   */
  afterPause(message: ArchiveFileMessage, artifact: string, bytesDone: number): ContinuationState {
    const previous = message.continuation;
    // A different artifact than last time means the previous one was archived: progress.
    const progressed = previous ? previous.artifact !== artifact || bytesDone > previous.bytesDone : bytesDone > 0;
    const next = { count: (previous?.count ?? 0) + 1, stalled: progressed ? 0 : (previous?.stalled ?? 0) + 1, artifact, bytesDone };
    const context = { meetingId: message.meetingId, recordFileId: message.recordFileId, artifact, bytesDone, continuations: next.count };
    if (next.stalled >= this.#limits.maxStalled) {
      this.#metrics.copyStalled();
      throw new ContinuationLimitError(
        'stalled',
        `copy made no progress in ${next.stalled} consecutive invocations (stuck at ${bytesDone} bytes of artifact ${artifact}): ` +
          'the source is too slow to finish a part before the deadline',
        context,
      );
    }
    return this.#counted(next, context);
  }

  /** The state for the next message when the deadline came before the copy could start. */
  withoutCopy(message: ArchiveFileMessage): ContinuationState {
    const previous = message.continuation;
    const next = { count: (previous?.count ?? 0) + 1, stalled: previous?.stalled ?? 0, artifact: previous?.artifact ?? '', bytesDone: previous?.bytesDone ?? 0 };
    return this.#counted(next, { meetingId: message.meetingId, recordFileId: message.recordFileId, continuations: next.count });
  }

  #counted(next: ContinuationState, context: ErrorContext): ContinuationState {
    if (next.count > this.#limits.maxTotal) {
      this.#metrics.continuationLimitReached();
      throw new ContinuationLimitError('total', `copy not finished after ${this.#limits.maxTotal} continuations`, context);
    }
    this.#metrics.continued();
    return next;
  }
}
