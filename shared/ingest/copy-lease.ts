// One worker copies a given file at a time. Duplicate messages (a retried webhook, a reconcile
// sweep racing the webhook) would otherwise start a second multipart upload of the same bytes.
// A lease expires on its own, so a worker killed mid-copy never blocks the file for long: the
// next delivery takes the lease over and resumes from the checkpoint.
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { keys, TTL_ATTRIBUTE } from '../archive/table-design.ts';

export class CopyLeases {
  readonly #dynamo: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #now: () => number;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, now: () => number = Date.now) {
    this.#dynamo = dynamo;
    this.#tableName = tableName;
    this.#now = now;
  }

  /** True when `owner` now holds the lease on the file until `durationMs` from now. */
  async acquire(recordFileId: string, owner: string, durationMs: number): Promise<boolean> {
    const now = this.#now();
    try {
      await this.#dynamo.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: {
            ...keys.copyLease(recordFileId),
            owner,
            expiresAtMs: now + durationMs,
            [TTL_ATTRIBUTE]: Math.ceil((now + durationMs) / 1000) + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now, ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(recordFileId: string, owner: string): Promise<void> {
    try {
      await this.#dynamo.send(
        new DeleteCommand({
          TableName: this.#tableName,
          Key: keys.copyLease(recordFileId),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
