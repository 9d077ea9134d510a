// Keeps the STS token that Tencent delivers through the common.sts-token event; newly created apps
// must send it on data-sensitive calls such as GET /v1/addresses/{record_file_id}.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys } from '../archive/table-design.ts';

export class StsTokenStore {
  readonly #dynamo: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #now: () => number;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, now: () => number = Date.now) {
    this.#dynamo = dynamo;
    this.#tableName = tableName;
    this.#now = now;
  }

  /**
   * Stores the token unless a token that expires later is already stored, so a late, replayed
   * delivery cannot replace a newer token. `expireTs` is in seconds or milliseconds (Tencent does
   * not document the unit; values below 1e12 are taken as seconds).
   */
  async save(stsToken: string, expireTs?: number): Promise<void> {
    const expiresAtMs = expireTs === undefined ? this.#now() + 3_600_000 : expireTs < 1e12 ? expireTs * 1000 : expireTs;
    try {
      await this.#dynamo.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: { ...keys.stsToken(), stsToken, expiresAtMs },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs <= :expiresAtMs',
          ExpressionAttributeValues: { ':expiresAtMs': expiresAtMs },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The stored token while it is valid, else undefined. */
  async current(): Promise<string | undefined> {
    const result = await this.#dynamo.send(new GetCommand({ TableName: this.#tableName, Key: keys.stsToken(), ConsistentRead: true }));
    const item = result.Item as { stsToken?: string; expiresAtMs?: number } | undefined;
    if (!item?.stsToken || (item.expiresAtMs ?? 0) <= this.#now()) return undefined;
    return item.stsToken;
  }
}
