// Sends `archive-file` messages for files the archive is missing: the same queue and the same
// message the webhook produces, so the ingest worker cannot tell a repaired gap from a live event.
//
// Each sent file leaves an "enqueued" marker (with a TTL). A marker younger than `requeueAfterMs`
// means "already on its way": a resumed backfill, an overlapping sweep window or a sweep running
// beside a backfill skips the file instead of sending it again. Once the marker is older and the
// file is still not archived (its copy failed, went to the DLQ), the next sweep sends it again.
// Markers are written after the send: a crash in between can duplicate a message (the worker is
// idempotent) but never lose one.
import { BatchGetCommand, BatchWriteCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ArchiveFileMessage } from '../ingest/messages.ts';
import { sendIngestMessages } from '../ingest/queue.ts';
import { TransientError } from '../errors.ts';

/** Reconcile-owned marker item: one per record file, across every sweep and backfill. */
export function enqueuedMarkerKey(recordFileId: string): { pk: string; sk: string } {
  return { pk: `ENQUEUED#${recordFileId}`, sk: 'ENQUEUED' };
}

export interface FileToEnqueue {
  readonly meetingId: string;
  readonly meetingRecordId: string;
  readonly recordFileId: string;
  readonly recordSize: number;
  readonly creatorUserId?: string;
  /** A legal (≤31-day) window known to contain the recording: the worker's GET /v1/records window. */
  readonly windowStartSec: number;
  readonly windowEndSec: number;
}

export interface FileEnqueuer {
  /** The ids among these that were enqueued less than `requeueAfterMs` ago. */
  recentlyEnqueued(recordFileIds: readonly string[]): Promise<Set<string>>;
  /** Sends one message per file and marks each sent file. */
  enqueue(files: readonly FileToEnqueue[], reason: string, traceId?: string): Promise<void>;
}

export interface SqsFileEnqueuerOptions {
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBDocumentClient;
  readonly queueUrl: string;
  readonly tableName: string;
  /** Default 6 h: longer than an ingest takes, short enough that a failed copy is retried the same day. */
  readonly requeueAfterMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_REQUEUE_AFTER_MS = 6 * 60 * 60 * 1000;

export class SqsFileEnqueuer implements FileEnqueuer {
  private readonly sqs: SQSClient;
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly queueUrl: string;
  private readonly tableName: string;
  private readonly requeueAfterMs: number;
  private readonly now: () => number;

  constructor(options: SqsFileEnqueuerOptions) {
    this.sqs = options.sqs;
    this.dynamo = options.dynamo;
    this.queueUrl = options.queueUrl;
    this.tableName = options.tableName;
    this.requeueAfterMs = options.requeueAfterMs ?? DEFAULT_REQUEUE_AFTER_MS;
    this.now = options.now ?? Date.now;
  }

  async recentlyEnqueued(recordFileIds: readonly string[]): Promise<Set<string>> {
    const recent = new Set<string>();
    const cutoff = this.now() - this.requeueAfterMs;
    const unique = [...new Set(recordFileIds)];
    for (let i = 0; i < unique.length; i += 100) {
      let pending: Record<string, unknown>[] | undefined = unique.slice(i, i + 100).map(enqueuedMarkerKey);
      for (let round = 0; pending && pending.length > 0; round += 1) {
        if (round > 8) throw new TransientError('BatchGet of enqueued markers kept returning unprocessed keys');
        const result: BatchGetCommandOutput = await this.dynamo.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          if (Number(item.atMs) > cutoff) recent.add(String(item.recordFileId));
        }
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys;
        if (pending && pending.length > 0) await backoff(round);
      }
    }
    return recent;
  }

  async enqueue(files: readonly FileToEnqueue[], reason: string, traceId?: string): Promise<void> {
    for (let i = 0; i < files.length; i += 10) {
      const chunk = files.slice(i, i + 10);
      await this.send(chunk, reason, traceId);
      await this.mark(chunk, reason);
    }
  }

  private async send(chunk: readonly FileToEnqueue[], reason: string, traceId: string | undefined): Promise<void> {
    const messages = chunk.map((file) =>
      ArchiveFileMessage.parse({
        kind: 'archive-file',
        reason,
        ...(traceId ? { traceId } : {}),
        meetingId: file.meetingId,
        meetingRecordId: file.meetingRecordId,
        recordFileId: file.recordFileId,
        windowStartSec: file.windowStartSec,
        windowEndSec: file.windowEndSec,
        ...(file.creatorUserId ? { creatorUserId: file.creatorUserId } : {}),
      }),
    );
    await sendIngestMessages(this.sqs, this.queueUrl, messages, { maxAttempts: 5 });
  }

  private async mark(chunk: readonly FileToEnqueue[], by: string): Promise<void> {
    const atMs = this.now();
    const ttl = Math.ceil((atMs + this.requeueAfterMs) / 1000) + 24 * 60 * 60;
    let pending: { PutRequest: { Item: Record<string, unknown> } }[] | undefined = chunk.map((file) => ({
      PutRequest: { Item: { ...enqueuedMarkerKey(file.recordFileId), recordFileId: file.recordFileId, atMs, by, ttl } },
    }));
    for (let round = 0; pending && pending.length > 0; round += 1) {
      if (round > 8) throw new TransientError('BatchWrite of enqueued markers kept returning unprocessed items');
      const result = await this.dynamo.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
      pending = result.UnprocessedItems?.[this.tableName] as typeof pending;
      if (pending && pending.length > 0) await backoff(round);
    }
  }
}

function backoff(round: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** round)));
}
