// Adapters from the project's Tencent client and archive index to the two small ports the sweep
// walks with, and the wiring both entry points (the scheduled function, the backfill command) share.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { TencentMeetingClient } from '../tencent/client.ts';
import { UNLIMITED } from '../tencent/rate-limiter.ts';
import type { TencentConfig } from '../tencent/config.ts';
import type { QueryRecordType } from '../config/environment.ts';
import type { TimeWindow } from '../tencent/time-windows.ts';
import { ArchiveIndex } from '../archive/archive-index.ts';
import { fileStatus } from '../archive/model.ts';
import { CursorStore } from './cursor.ts';
import { DynamoRateBudget, type DynamoRateBudgetOptions } from './shared-budget.ts';
import { SqsFileEnqueuer } from './enqueue.ts';
import { type ArchiveIndexReader, type CorpRecordsPage, type CorpRecordsSource, type SweepDeps } from './sweep.ts';

class TencentCorpRecordsSource implements CorpRecordsSource {
  private readonly client: TencentMeetingClient;

  constructor(client: TencentMeetingClient) {
    this.client = client;
  }

  async listCorpRecordsPage(window: TimeWindow, page: number, pageSize: number): Promise<CorpRecordsPage> {
    const result = await this.client.listCorpRecords({ startTimeSec: window.startSec, endTimeSec: window.endSec, page, pageSize });
    return {
      totalPages: result.total_page,
      totalCount: result.total_count,
      meetings: result.record_meetings.map((m) => ({
        meetingRecordId: m.meeting_record_id,
        meetingId: m.meeting_id,
        ...(m.userid ?? m.host_user_id ? { userid: (m.userid ?? m.host_user_id)! } : {}),
        mediaStartTimeMs: m.media_start_time,
        state: m.state,
        files: m.record_files.map((f) => ({ recordFileId: f.record_file_id, recordSize: f.record_size })),
      })),
    };
  }
}

/**
 * A client for the sweep only: every listCorpRecords call is exactly one HTTP request (no internal
 * retries, no in-process corp limiter), because the shared budget pays per request and the sweep
 * retries a failed page itself, paying again. The app-wide 300/min limiter stays.
 */
function createSweepTencentClient(config: TencentConfig, options: { now?: () => number; queryRecordType?: QueryRecordType } = {}): TencentMeetingClient {
  return new TencentMeetingClient(config, {
    retry: { limit: 0 },
    limiters: { corpRecords: UNLIMITED },
    ...(options.now ? { now: options.now } : {}),
    ...(options.queryRecordType !== undefined ? { queryRecordType: options.queryRecordType } : {}),
  });
}

class ArchiveIndexArchivedFiles implements ArchiveIndexReader {
  private readonly index: ArchiveIndex;

  constructor(index: ArchiveIndex) {
    this.index = index;
  }

  async archivedFileIds(meetingRecordId: string): Promise<ReadonlySet<string>> {
    const files = await this.index.listFiles(meetingRecordId);
    return new Set(files.filter((f) => fileStatus(f) === 'archived').map((f) => f.recordFileId));
  }
}

export interface SweepWiring {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly tencent: TencentConfig | CorpRecordsSource;
  /** query_record_type of the corp/records calls; default 0 (all, uploaded recordings included). */
  readonly queryRecordType?: QueryRecordType;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly budget?: Partial<Omit<DynamoRateBudgetOptions, 'dynamo' | 'tableName'>>;
  readonly requeueAfterMs?: number;
  readonly logger?: SweepDeps['logger'];
}

/** The sweep's dependencies on real AWS clients (or the emulators) and the real Tencent client. */
export function createSweepDeps(wiring: SweepWiring): SweepDeps {
  const now = wiring.now ?? Date.now;
  const source =
    'listCorpRecordsPage' in wiring.tencent
      ? wiring.tencent
      : new TencentCorpRecordsSource(
          createSweepTencentClient(wiring.tencent, wiring.queryRecordType !== undefined ? { queryRecordType: wiring.queryRecordType } : {}),
        );
  return {
    source,
    index: new ArchiveIndexArchivedFiles(new ArchiveIndex({ dynamo: wiring.dynamo, tableName: wiring.tableName, now: () => new Date(now()) })),
    enqueuer: new SqsFileEnqueuer({
      sqs: wiring.sqs,
      dynamo: wiring.dynamo,
      queueUrl: wiring.queueUrl,
      tableName: wiring.tableName,
      now,
      ...(wiring.requeueAfterMs !== undefined ? { requeueAfterMs: wiring.requeueAfterMs } : {}),
    }),
    cursors: new CursorStore({ dynamo: wiring.dynamo, tableName: wiring.tableName, now }),
    budget: new DynamoRateBudget({ dynamo: wiring.dynamo, tableName: wiring.tableName, now, ...wiring.budget }),
    now,
    ...(wiring.sleep ? { sleep: wiring.sleep } : {}),
    ...(wiring.logger ? { logger: wiring.logger } : {}),
  };
}
