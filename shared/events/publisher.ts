// The port every archive event leaves through: EventBridge in AWS (eventbridge-publisher.ts), a
// JSON-lines file locally (file-publisher.ts). Callers never publish directly: the outbox
// (outbox.ts) records an event in the same DynamoDB write as the change it describes, then
// publishes it, so a publisher that fails or a process that dies in between loses nothing.
import { createHash } from 'node:crypto';
import { ArchiveError } from '../errors.ts';
import { ARCHIVE_EVENT_SOURCE, DETAIL_SCHEMAS, type ArchiveEvent } from './archive-events.ts';

export interface ArchiveEventPublisher {
  /** Publishes every event or throws ArchiveEventPublishError naming those that were not published. */
  publish(events: readonly ArchiveEvent[]): Promise<void>;
}

/** Some events were not accepted; `failedEventIds` may be retried (the others were published). */
export class ArchiveEventPublishError extends ArchiveError {
  override name = 'ArchiveEventPublishError';
  readonly retryable = true;
  readonly failedEventIds: readonly string[];

  constructor(message: string, failedEventIds: readonly string[], options?: { cause?: unknown }) {
    super(message, { failedEventIds }, options);
    this.failedEventIds = failedEventIds;
  }
}

/**
 * A stable id for one change: the same inputs give the same id, so a re-published event carries
 * the id consumers already saw. Formatted as a UUID (what EventBridge's own ids look like).
 */
export function stableEventId(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The event as an EventBridge rule's target receives it (and as the local file records it). */
export function envelopeOf(event: ArchiveEvent): { id: string; source: string; 'detail-type': string; time: string; detail: ArchiveEvent['detail'] } {
  return { id: event.detail.event_id, source: ARCHIVE_EVENT_SOURCE, 'detail-type': event.detailType, time: event.detail.occurred_at, detail: event.detail };
}

/** Throws when an event does not match its documented schema: a bug here, never sent on. */
export function assertDocumented(event: ArchiveEvent): void {
  const parsed = DETAIL_SCHEMAS[event.detailType].safeParse(event.detail);
  if (!parsed.success) throw new TypeError(`${event.detailType} event does not match its schema: ${parsed.error.message}`);
}

/** Strips query strings and fragments from URLs in a failure reason: a download link's query is a credential. */
export function withoutLinks(text: string): string {
  return text.replace(/(https?:\/\/[^\s?#"']+)[?#][^\s"']*/gi, '$1?…');
}
