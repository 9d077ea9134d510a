// Keeps the STS token that Tencent delivers through the common.sts-token event; newly created apps
// must send it on data-sensitive calls such as GET /v1/addresses/{record_file_id}.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../archive/table-design.ts';
import { ConditionalItemStore } from '../aws/conditional-item-store.ts';

export class StsTokenStore {
  readonly #store: ConditionalItemStore;
  readonly #now: () => number;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, now: () => number = Date.now) {
    this.#store = new ConditionalItemStore(dynamo, tableName);
    this.#now = now;
  }

  /**
   * Stores the token unless a token that expires later is already stored, so a late, replayed
   * delivery cannot replace a newer token. `expireTs` is in seconds or milliseconds (Tencent does
   * not document the unit; values below 1e12 are taken as seconds).
   */
  async save(stsToken: string, expireTs?: number): Promise<void> {
    const expiresAtMs = expireTs === undefined ? this.#now() + 3_600_000 : expireTs < 1e12 ? expireTs * 1000 : expireTs;
    await this.#store.put(
      { ...keys.stsToken(), stsToken, expiresAtMs },
      { condition: 'attribute_not_exists(pk) OR expiresAtMs <= :expiresAtMs', values: { ':expiresAtMs': expiresAtMs } },
    );
  }

  /** The stored token while it is valid, else undefined. */
  async current(): Promise<string | undefined> {
    const item = (await this.#store.get(keys.stsToken())) as { stsToken?: string; expiresAtMs?: number } | undefined;
    if (!item?.stsToken || (item.expiresAtMs ?? 0) <= this.#now()) return undefined;
    return item.stsToken;
  }
}
