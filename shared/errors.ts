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
    // Unminified (tests, npm start) the class's own name; every kind also names itself as a literal.
    this.name = new.target.name;
    this.context = context;
  }
}

/**
 * The base of each kind below: its name as a literal (minified bundles do not keep class names, and
 * logs, DLQ reasons and metrics quote `name`) and whether a retry can succeed.
 */
function errorKind(name: string, retryable: boolean) {
  return class extends ArchiveError {
    override name = name;
    readonly retryable = retryable;
  };
}

/** Input from outside (webhook, query string, Tencent response) did not match its schema. */
export class ValidationError extends errorKind('ValidationError', false) {}

/** A transient fault (network, throttling, 5xx, expired link): trying again later can succeed. */
export class TransientError extends errorKind('TransientError', true) {}

/** A copy produced bytes that do not match what Tencent declared; never indexed as archived. */
export class IntegrityError extends errorKind('IntegrityError', true) {}

/** The thing asked for does not exist (archive API 404, Tencent 4051/9003). */
export class NotFoundError extends errorKind('NotFoundError', false) {}

/**
 * A download link answered 404/410. No proof the file is gone (a link or a storage node can fail on
 * its own): the copy keeps its parts, and the worker asks Tencent before it discards anything.
 * Retryable, so that one escaping to the queue is tried again rather than parked on a hunch.
 */
export class SourceLinkGoneError extends errorKind('SourceLinkGoneError', true) {}

export function isRetryable(error: unknown): boolean {
  if (error instanceof ArchiveError) return error.retryable;
  return true; // unknown failures (SDK, network) are assumed transient: SQS redrive bounds the retries
}
