// Archive events to EventBridge (the account's default bus, or ARCHIVE_EVENT_BUS_NAME). PutEvents
// takes at most 10 entries per call and may accept some entries of a call and refuse others
// (throttling, an internal error): the refused ones are sent again, a few times, and whatever is
// still refused comes back as one ArchiveEventPublishError naming them. The outbox keeps those
// pending for the reconcile sweep.
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ARCHIVE_EVENT_SOURCE, type ArchiveEvent } from './archive-events.ts';
import { ArchiveEventPublishError, assertDocumented, type ArchiveEventPublisher } from './publisher.ts';

const MAX_ENTRIES_PER_CALL = 10;

export interface EventBridgePublisherOptions {
  readonly client: Pick<EventBridgeClient, 'send'>;
  /** Bus name or ARN. @default 'default' */
  readonly eventBusName?: string;
  /** Rounds of re-sending refused entries. @default 3 */
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class EventBridgePublisher implements ArchiveEventPublisher {
  readonly #client: Pick<EventBridgeClient, 'send'>;
  readonly #bus: string;
  readonly #maxAttempts: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: EventBridgePublisherOptions) {
    this.#client = options.client;
    this.#bus = options.eventBusName ?? 'default';
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async publish(events: readonly ArchiveEvent[]): Promise<void> {
    events.forEach(assertDocumented);
    const failed: string[] = [];
    const reasons = new Set<string>();
    for (let start = 0; start < events.length; start += MAX_ENTRIES_PER_CALL) {
      const chunk = await this.#putChunk(events.slice(start, start + MAX_ENTRIES_PER_CALL), reasons);
      failed.push(...chunk);
    }
    if (failed.length > 0) {
      throw new ArchiveEventPublishError(`EventBridge refused ${failed.length} of ${events.length} archive events: ${[...reasons].join('; ')}`, failed);
    }
  }

  /** Sends one call's worth, re-sending refused entries; returns the event ids still refused. */
  async #putChunk(events: readonly ArchiveEvent[], reasons: Set<string>): Promise<string[]> {
    let pending = [...events];
    for (let attempt = 1; pending.length > 0 && attempt <= this.#maxAttempts; attempt++) {
      if (attempt > 1) await this.#sleep(Math.min(2000, 100 * 2 ** attempt) * Math.random());
      let results: ReadonlyArray<{ ErrorCode?: string; ErrorMessage?: string; EventId?: string }>;
      try {
        const out = await this.#client.send(new PutEventsCommand({ Entries: pending.map((event) => this.#entry(event)) }));
        results = out.Entries ?? [];
      } catch (error) {
        // The whole call failed (network, throttling, access denied): every entry of it is refused.
        reasons.add(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        continue;
      }
      // Entries answer in request order; one without an EventId (or with an ErrorCode) was refused.
      pending = pending.filter((_, i) => {
        const result = results[i];
        const refused = !result || result.ErrorCode !== undefined || !result.EventId;
        if (refused) reasons.add(`${result?.ErrorCode ?? 'NoResult'}: ${result?.ErrorMessage ?? 'no entry in the answer'}`);
        return refused;
      });
    }
    return pending.map((event) => event.detail.event_id);
  }

  #entry(event: ArchiveEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.#bus,
      Source: ARCHIVE_EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Time: new Date(event.detail.occurred_at),
    };
  }
}
