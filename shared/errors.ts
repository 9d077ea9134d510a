// Typed errors that carry the ids an operator needs to find the problem. `retryable` tells the
// queue worker whether to hand the message back to SQS (true) or to record a permanent failure.

export interface ErrorContext {
  readonly meetingId?: string;
  readonly meetingRecordId?: string;
  readonly recordFileId?: string;
  readonly artifact?: string;
  readonly [key: string]: unknown;
}

export abstract class ArchiveError extends Error {
  abstract readonly retryable: boolean;
  readonly context: ErrorContext;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    // Subclasses name themselves in a field too: bundles are minified, so class names are not
    // kept, and logs, DLQ reasons and metrics quote `name`.
    this.name = new.target.name;
    this.context = context;
  }
}

/** Input from outside (webhook, query string, Tencent response) did not match its schema. */
export class ValidationError extends ArchiveError {
  override name = 'ValidationError';
  readonly retryable = false;
}

/** A transient fault (network, throttling, 5xx, expired link): trying again later can succeed. */
export class TransientError extends ArchiveError {
  override name = 'TransientError';
  readonly retryable = true;
}

/** A copy produced bytes that do not match what Tencent declared; never indexed as archived. */
export class IntegrityError extends ArchiveError {
  override name = 'IntegrityError';
  readonly retryable = true;
}

/** The thing asked for does not exist (archive API 404, Tencent 4051/9003). */
export class NotFoundError extends ArchiveError {
  override name = 'NotFoundError';
  readonly retryable = false;
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof ArchiveError) return error.retryable;
  return true; // unknown failures (SDK, network) are assumed transient: SQS redrive bounds the retries
}
