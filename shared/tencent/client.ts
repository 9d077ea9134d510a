// Tencent Meeting record APIs (reference §4, §5): one method per endpoint, plus iterators that walk
// every page and every legal ≤ 31-day window. Signing, retries and the call budget live in the
// transport (transport.ts); this file only says which endpoint, with which parameters.
import type { OperatorIdType, TencentConfig } from './config.ts';
import { TencentApiError } from './errors.ts';
import {
  fileAddressSchema,
  meetingAddressesSchema,
  recordSettingsSchema,
  recordsListSchema,
  type FileAddress,
  type MeetingAddressFile,
  type MeetingAddresses,
  type RecordMeeting,
  type RecordSettings,
  type RecordsList,
} from './schemas.ts';
import { splitTimeRange } from './time-windows.ts';
import { TencentTransport, type Query, type TencentClientOptions } from './transport.ts';

export type { RetryPolicy, TencentClientOptions } from './transport.ts';

interface OperatorParams {
  /** Defaults to the configured operator when neither operatorId nor userid is given. */
  readonly operatorId?: string;
  readonly operatorIdType?: OperatorIdType;
  /** Legacy form: the user whose recordings to list. Sent without operator_id unless one is given. */
  readonly userid?: string;
}

export interface ListRecordsParams extends OperatorParams {
  readonly meetingId?: string;
  readonly meetingCode?: string;
  readonly startTimeSec: number;
  readonly endTimeSec: number;
  readonly page?: number;
  /** Max 20. */
  readonly pageSize?: number;
  /** 0 all, 1 cloud recording (Tencent's default), 2 uploaded, … */
  readonly queryRecordType?: number;
  readonly mediaSetType?: number;
}

export interface ListCorpRecordsParams {
  readonly startTimeSec: number;
  readonly endTimeSec: number;
  readonly page?: number;
  readonly pageSize?: number;
  readonly queryRecordType?: number;
  readonly operatorId?: string;
  readonly operatorIdType?: OperatorIdType;
}

export interface PageParams extends Omit<OperatorParams, 'userid'> {
  readonly page?: number;
  readonly pageSize?: number;
}

export interface FileAddressParams extends Omit<OperatorParams, 'userid'> {
  /** Required by Tencent for apps created from 2026-01-16 (delivered by the common.sts-token event). */
  readonly stsToken?: string;
}

const MAX_RECORDS_PAGE_SIZE = 20;
const MAX_ADDRESSES_PAGE_SIZE = 50;

/** The time window, page and record type both record lists take, in the order Tencent documents. */
function recordsWindowQuery(params: ListRecordsParams | ListCorpRecordsParams): Query {
  return [
    ['start_time', params.startTimeSec],
    ['end_time', params.endTimeSec],
    ['page_size', params.pageSize],
    ['page', params.page],
    ['query_record_type', params.queryRecordType],
  ];
}

export class TencentMeetingClient {
  readonly config: TencentConfig;
  private readonly transport: TencentTransport;
  /** Set once Tencent refused the current operator form on /v1/records (see listRecords). */
  private legacyRecordsOperator = false;

  constructor(config: TencentConfig, options: TencentClientOptions = {}) {
    this.config = config;
    this.transport = new TencentTransport(config, options);
  }

  /**
   * GET /v1/records: one page of a user's (or one meeting's) recordings in a ≤ 31-day window.
   *
   * Tencent documents two versions of this API: the current one takes operator_id with
   * operator_id_type 1 (userid); the older one (the customer's seed) takes operator_id only for
   * rooms (type 3) and names users with `userid`, answering 190004 otherwise. The configured
   * userid operator is sent in the current form, and after one 190004 in the older form from then on.
   */
  async listRecords(params: ListRecordsParams): Promise<RecordsList> {
    const defaultOperator = !params.operatorId && !params.userid && this.config.operatorIdType === 1;
    if (defaultOperator && this.legacyRecordsOperator) return this.listRecordsWith({ ...params, userid: this.config.operatorId });
    try {
      return await this.listRecordsWith(params);
    } catch (error) {
      if (!defaultOperator || !(error instanceof TencentApiError) || error.errorCode !== 190004) throw error;
      const legacy = await this.listRecordsWith({ ...params, userid: this.config.operatorId });
      this.legacyRecordsOperator = true;
      return legacy;
    }
  }

  private async listRecordsWith(params: ListRecordsParams): Promise<RecordsList> {
    const query: Query = [
      ...this.operatorQuery(params),
      ['meeting_id', params.meetingId],
      ['meeting_code', params.meetingId ? undefined : params.meetingCode],
      ...recordsWindowQuery(params),
      ['media_set_type', params.mediaSetType],
    ];
    return this.transport.get('/v1/records', query, recordsListSchema, {
      ...(params.meetingId ? { meetingId: params.meetingId } : {}),
    });
  }

  /** GET /v1/corp/records: one page of the whole account's recordings (10 calls/min, AK/SK only). */
  async listCorpRecords(params: ListCorpRecordsParams): Promise<RecordsList> {
    const query: Query = [
      ...recordsWindowQuery(params),
      ['operator_id', params.operatorId],
      ['operator_id_type', params.operatorId ? (params.operatorIdType ?? 1) : undefined],
    ];
    return this.transport.get('/v1/corp/records', query, recordsListSchema);
  }

  /** GET /v1/addresses: download links of every file of one meeting recording (one page, ≤ 50). */
  async getMeetingAddresses(meetingRecordId: string, params: PageParams = {}): Promise<MeetingAddresses> {
    const query: Query = [
      ['meeting_record_id', meetingRecordId],
      ...this.operatorQuery(params),
      ['page_size', params.pageSize],
      ['page', params.page],
    ];
    return this.transport.get('/v1/addresses', query, meetingAddressesSchema, { meetingRecordId });
  }

  /** GET /v1/addresses/{record_file_id}: fresh links for one file (video, audio, transcripts, AI minutes). */
  async getFileAddress(recordFileId: string, params: FileAddressParams = {}): Promise<FileAddress> {
    return this.transport.get(
      `/v1/addresses/${encodeURIComponent(recordFileId)}`,
      this.operatorQuery(params),
      fileAddressSchema,
      { recordFileId },
      params.stsToken ? { stsToken: params.stsToken } : undefined,
    );
  }

  /** GET /v1/records/settings/{meeting_record_id}: sharing settings. */
  async getRecordSettings(meetingRecordId: string, params: Omit<OperatorParams, 'userid'> = {}): Promise<RecordSettings> {
    return this.transport.get(
      `/v1/records/settings/${encodeURIComponent(meetingRecordId)}`,
      this.operatorQuery(params),
      recordSettingsSchema,
      { meetingRecordId },
    );
  }

  /**
   * Every meeting recording in [startTimeSec, endTimeSec], whatever its length: walks legal
   * ≤ 31-day windows and every page of each, yielding each meeting recording once.
   */
  async *iterateRecords(params: Omit<ListRecordsParams, 'page'>): AsyncGenerator<RecordMeeting> {
    yield* this.walkWindows(params.startTimeSec, params.endTimeSec, (startTimeSec, endTimeSec, page) =>
      this.listRecords({ ...params, startTimeSec, endTimeSec, page, pageSize: params.pageSize ?? MAX_RECORDS_PAGE_SIZE }),
    );
  }

  /** Every file address of one meeting recording, across pages. */
  async *iterateMeetingAddresses(meetingRecordId: string, params: Omit<PageParams, 'page'> = {}): AsyncGenerator<MeetingAddressFile> {
    const seen = new Set<string>();
    for (let page = 1; ; page += 1) {
      const result = await this.getMeetingAddresses(meetingRecordId, { ...params, page, pageSize: params.pageSize ?? MAX_ADDRESSES_PAGE_SIZE });
      for (const file of result.record_files) {
        if (seen.has(file.record_file_id)) continue;
        seen.add(file.record_file_id);
        yield file;
      }
      if (result.record_files.length === 0 || page >= result.total_page) return;
    }
  }

  private async *walkWindows(
    startSec: number,
    endSec: number,
    fetchPage: (startSec: number, endSec: number, page: number) => Promise<RecordsList>,
  ): AsyncGenerator<RecordMeeting> {
    // Adjacent windows share their boundary second, so a meeting can show up in both.
    const seen = new Set<string>();
    for (const window of splitTimeRange(startSec, endSec)) {
      for (let page = 1; ; page += 1) {
        const result = await fetchPage(window.startSec, window.endSec, page);
        for (const meeting of result.record_meetings) {
          if (seen.has(meeting.meeting_record_id)) continue;
          seen.add(meeting.meeting_record_id);
          yield meeting;
        }
        if (result.record_meetings.length === 0 || page >= result.total_page) break;
      }
    }
  }

  private operatorQuery(params: OperatorParams): Query {
    if (params.operatorId) return [['operator_id', params.operatorId], ['operator_id_type', params.operatorIdType ?? 1]];
    if (params.userid) return [['userid', params.userid]];
    return [['operator_id', this.config.operatorId], ['operator_id_type', this.config.operatorIdType]];
  }
}
