// Sends `archive-file` messages for files the archive is missing: the same queue and the same
// message the webhook produces, so the ingest worker cannot tell a repaired gap from a live event.
//
// Each sent file leaves an "enqueued" marker (with a TTL). A marker younger than `requeueAfterMs`
// means "already on its way": a resumed backfill, an overlapping sweep window or a sweep running
// beside a backfill skips the file instead of sending it again. Once the marker is older and the
// file is still not archived (its copy failed, went to the DLQ), the next sweep sends it again.
// Markers are written after the send: a crash in between can duplicate a message (the worker is
// idempotent) but never lose one.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ConditionalItemStore, ttlAttribute } from '../aws/conditional-item-store.ts';
import { ArchiveFileMessage } from '../ingest/messages.ts';
import { sendIngestMessages } from '../ingest/queue.ts';

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
  private readonly markers: ConditionalItemStore;
  private readonly queueUrl: string;
  private readonly requeueAfterMs: number;
  private readonly now: () => number;

  constructor(options: SqsFileEnqueuerOptions) {
    this.sqs = options.sqs;
    this.markers = new ConditionalItemStore(options.dynamo, options.tableName);
    this.queueUrl = options.queueUrl;
    this.requeueAfterMs = options.requeueAfterMs ?? DEFAULT_REQUEUE_AFTER_MS;
    this.now = options.now ?? Date.now;
  }

  async recentlyEnqueued(recordFileIds: readonly string[]): Promise<Set<string>> {
    const cutoff = this.now() - this.requeueAfterMs;
    const markers = await this.markers.batchGet([...new Set(recordFileIds)].map(enqueuedMarkerKey), 'enqueued markers');
    return new Set(markers.filter((marker) => Number(marker.atMs) > cutoff).map((marker) => String(marker.recordFileId)));
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
    // The marker outlives its requeue interval by a day: the TTL only clears old markers away.
    const expiry = ttlAttribute(atMs + this.requeueAfterMs + 86_400_000);
    const markers = chunk.map((file) => ({ ...enqueuedMarkerKey(file.recordFileId), recordFileId: file.recordFileId, atMs, by, ...expiry }));
    await this.markers.batchPut(markers, 'enqueued markers');
  }
}
