// Where the webhook keeps a validly signed event it could not map as it is (open point #5): the
// event is acknowledged to Tencent all the same, so it must survive here until an operator sees it
// (metric WebhookEventParked, its alarm, `npm run parked`) and replays it through code that
// understands it. Events the webhook repaired are kept too (status `repaired`), for the record.
//
// Without secrets: values of secret-looking keys (sts_token, passwords) are blanked in the kept
// text; undecodable AES data is kept as the ciphertext Tencent sent (nothing readable without the
// key), undecodable plain-mode data is not kept at all. Items expire through the table's TTL after
// the retention (WEBHOOK_PARKED_RETENTION_DAYS, default 30 days).
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, PARKED_EVENTS_PARTITION } from '../archive/table-design.ts';
import { ConditionalItemStore, ttlAttribute } from '../aws/conditional-item-store.ts';

export const DEFAULT_PARKED_RETENTION_DAYS = 30;

/** Where in the webhook's path the event stopped fitting. */
export type MisfitStage = 'decode' | 'parse' | 'schema' | 'queue-contract';

/** What the webhook kept of an event; `payload` is what a replay starts from. */
export interface Misfit {
  readonly eventId: string;
  readonly stage: MisfitStage;
  /** The event name, when the envelope could be read. */
  readonly eventName?: string;
  /** What did not fit: schema paths and messages, never values. */
  readonly reason: string;
  /** The decrypted event text (secrets blanked), or the undecodable AES data as sent. */
  readonly payload?: { readonly plaintext: string } | { readonly data: string };
  readonly meetingIds: readonly string[];
  readonly recordFileIds: readonly string[];
}

export type ParkedStatus = 'parked' | 'repaired' | 'replayed';

export interface ParkedEvent extends Misfit {
  readonly status: ParkedStatus;
  readonly parkedAtMs: number;
  /** Tencent's deliveries of it (its retries land on the same item). */
  readonly deliveries: number;
  readonly replays: number;
  readonly lastReplayAtMs?: number;
  /** What the last replay did: the webhook outcome, or why it is still parked. */
  readonly lastReplayOutcome?: string;
  /** How it was repaired (status `repaired`). */
  readonly repairs?: readonly string[];
}

const SECRET_VALUE = /("(?:sts_token|password|pwd|sharing_password|secret_key|secret_id|encoding_aes_key|token)"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)/gi;

/** The text with the values of secret-looking keys blanked; works on JSON and on broken JSON alike. */
export function withoutSecrets(text: string): string {
  return text.replace(SECRET_VALUE, '$1"[redacted]"');
}

export interface ParkedEventStoreOptions {
  readonly retentionDays?: number;
  readonly now?: () => number;
}

export class ParkedEventStore {
  readonly #dynamo: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #items: ConditionalItemStore;
  readonly #retentionMs: number;
  readonly #now: () => number;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, options: ParkedEventStoreOptions = {}) {
    this.#dynamo = dynamo;
    this.#tableName = tableName;
    this.#items = new ConditionalItemStore(dynamo, tableName);
    this.#retentionMs = (options.retentionDays ?? DEFAULT_PARKED_RETENTION_DAYS) * 86_400_000;
    this.#now = options.now ?? Date.now;
  }

  /** Keeps the event; a retry of one already kept only counts as another delivery. Returns which it was. */
  async keep(misfit: Misfit, status: 'parked' | 'repaired', repairs: readonly string[] = []): Promise<'kept' | 'again'> {
    const now = this.#now();
    const item = {
      ...keys.parkedEvent(misfit.eventId),
      ...misfit,
      status,
      parkedAtMs: now,
      deliveries: 1,
      replays: 0,
      ...(repairs.length > 0 ? { repairs: [...repairs] } : {}),
      ...ttlAttribute(now + this.#retentionMs),
    };
    if (await this.#items.put(item, { condition: 'attribute_not_exists(pk)' })) return 'kept';
    await this.#items.update(keys.parkedEvent(misfit.eventId), 'ADD deliveries :one', { values: { ':one': 1 } });
    return 'again';
  }

  /** Every kept event, oldest first (one Query on the parked partition, never a Scan). */
  async list(): Promise<ParkedEvent[]> {
    const events: ParkedEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.#dynamo.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': PARKED_EVENTS_PARTITION },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const { pk: _pk, sk: _sk, ttl: _ttl, ...event } = item;
        events.push(event as ParkedEvent);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return events.sort((a, b) => a.parkedAtMs - b.parkedAtMs);
  }

  /** Records a replay; `replayed` once the current code took the event, else it stays parked. */
  async recordReplay(eventId: string, status: 'parked' | 'replayed', outcome: string): Promise<void> {
    await this.#items.update(keys.parkedEvent(eventId), 'SET #status = :status, lastReplayAtMs = :at, lastReplayOutcome = :outcome ADD replays :one', {
      names: { '#status': 'status' },
      values: { ':status': status, ':at': this.#now(), ':outcome': outcome, ':one': 1 },
    });
  }
}
