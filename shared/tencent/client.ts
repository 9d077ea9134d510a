// Tencent Meeting record APIs (reference §4, §5): one method per endpoint, plus iterators that walk
// every page and every legal window (under 31 days). Signing, retries and the call budget live in the
// transport (transport.ts); which of the two operator forms a call uses, in operator-form.ts; this
// file only says which endpoint, with which parameters.
import { DEFAULT_QUERY_RECORD_TYPE, type QueryRecordType } from '../config/environment.ts';
import type { OperatorIdType, TencentConfig } from './config.ts';
import { OperatorForms, type Operator, type OperatorForm, type OperatorFormEndpoint, type OperatorFormFound } from './operator-form.ts';
import {
  fileAddressSchema,
  meetingAddressesSchema,
  meetingsByCodeSchema,
  recordSettingsSchema,
  recordsListSchema,
  type FileAddress,
  type MeetingAddressFile,
  type MeetingAddresses,
  type MeetingsByCode,
  type RecordMeeting,
  type RecordSettings,
  type RecordsList,
} from './schemas.ts';
import { splitTimeRange } from './time-windows.ts';
import { TencentTransport, type Query, type TencentClientOptions as TransportOptions } from './transport.ts';

export type { RetryPolicy } from './transport.ts';
export type { OperatorForm, OperatorFormEndpoint, OperatorFormFound } from './operator-form.ts';

export interface TencentClientOptions extends TransportOptions {
  /** Sent on every /v1/records and /v1/corp/records call that does not name its own; default 0 (all, open point #12). */
  readonly queryRecordType?: QueryRecordType;
  /** Told when a call proves which operator form the account accepts (a log line in production). */
  readonly onOperatorForm?: (found: OperatorFormFound) => void;
}

interface OperatorParams {
  /** Defaults to the configured operator when neither operatorId nor userid is given. */
  readonly operatorId?: string;
  readonly operatorIdType?: OperatorIdType;
  /** The user to act as (a userid, type 1). Sent in whichever operator form the account accepts. */
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

export class TencentMeetingClient {
  readonly config: TencentConfig;
  private readonly transport: TencentTransport;
  private readonly forms: OperatorForms;
  private readonly queryRecordType: QueryRecordType;

  constructor(config: TencentConfig, options: TencentClientOptions = {}) {
    this.config = config;
    this.transport = new TencentTransport(config, options);
    this.forms = new OperatorForms(options.onOperatorForm ? { onFound: options.onOperatorForm } : {});
    this.queryRecordType = options.queryRecordType ?? DEFAULT_QUERY_RECORD_TYPE;
  }

  /** The operator form each endpoint was found to accept so far (the `npm start` check reports it). */
  operatorForms(): Readonly<Partial<Record<OperatorFormEndpoint, OperatorForm>>> {
    return this.forms.known();
  }

  /**
   * GET /v1/records: one page of a user's (or one meeting's) recordings in a window under 31 days.
   * The operator goes in whichever form the account accepts (operator-form.ts): an empty page from
   * a form not yet proven is asked again in the other form before it is believed.
   */
  async listRecords(params: ListRecordsParams): Promise<RecordsList> {
    const rest: Query = [
      ['meeting_id', params.meetingId],
      ['meeting_code', params.meetingId ? undefined : params.meetingCode],
      ...this.recordsWindowQuery(params),
      ['media_set_type', params.mediaSetType],
    ];
    return this.forms.run(
      'records',
      this.operatorOf(params),
      (operator) => this.transport.get('/v1/records', [...operator, ...rest], recordsListSchema, params.meetingId ? { meetingId: params.meetingId } : {}),
      (list) => list.record_meetings.length === 0,
    );
  }

  /** GET /v1/corp/records: one page of the whole account's recordings (10 calls/min, AK/SK only). */
  async listCorpRecords(params: ListCorpRecordsParams): Promise<RecordsList> {
    const query: Query = [
      ...this.recordsWindowQuery(params),
      ['operator_id', params.operatorId],
      ['operator_id_type', params.operatorId ? (params.operatorIdType ?? 1) : undefined],
    ];
    return this.transport.get('/v1/corp/records', query, recordsListSchema);
  }

  /** GET /v1/addresses: download links of every file of one meeting recording (one page, ≤ 50). */
  async getMeetingAddresses(meetingRecordId: string, params: PageParams = {}): Promise<MeetingAddresses> {
    const paging: Query = [
      ['page_size', params.pageSize],
      ['page', params.page],
    ];
    return this.forms.run(
      'addresses',
      this.operatorOf(params),
      (operator) => this.transport.get('/v1/addresses', [['meeting_record_id', meetingRecordId], ...operator, ...paging], meetingAddressesSchema, { meetingRecordId }),
      (addresses) => addresses.record_files.length === 0,
    );
  }

  /** GET /v1/addresses/{record_file_id}: fresh links for one file (video, audio, transcripts, AI minutes). */
  async getFileAddress(recordFileId: string, params: FileAddressParams = {}): Promise<FileAddress> {
    return this.forms.run(
      'file-address',
      this.operatorOf(params),
      (operator) =>
        this.transport.get(
          `/v1/addresses/${encodeURIComponent(recordFileId)}`,
          operator,
          fileAddressSchema,
          { recordFileId },
          params.stsToken ? { stsToken: params.stsToken } : undefined,
        ),
      hasNoLinks,
    );
  }

  /** GET /v1/records/settings/{meeting_record_id}: sharing settings. */
  async getRecordSettings(meetingRecordId: string, params: Omit<OperatorParams, 'userid'> = {}): Promise<RecordSettings> {
    return this.forms.run(
      'record-settings',
      this.operatorOf(params),
      (operator) => this.transport.get(`/v1/records/settings/${encodeURIComponent(meetingRecordId)}`, operator, recordSettingsSchema, { meetingRecordId }),
      () => false,
    );
  }

  /**
   * GET /v1/meetings?meeting_code=…: the meetings a 9-digit meeting code names now (`npm run archive
   * -- --meeting-code`). The docs and the SDKs agree here: a user goes in `userid`, operator_id +
   * operator_id_type only for a rooms id (3); `instanceid` is required (1, PC). A code Tencent
   * recycled cannot be looked up: the answer is an error or an empty list, and both mean "none".
   */
  async getMeetingsByCode(meetingCode: string): Promise<MeetingsByCode> {
    const operator = this.operatorOf({});
    const who: Query = operator.type === 3 ? [['operator_id', operator.id], ['operator_id_type', 3]] : [['userid', operator.id]];
    return this.transport.get('/v1/meetings', [['meeting_code', meetingCode], ...who, ['instanceid', 1]], meetingsByCodeSchema, { meetingCode });
  }

  /**
   * DELETE /v1/records/{record_file_id} as SDK-GO's V1RecordsRecordFileIdDelete sends it: the
   * meeting_id and the operator as query parameters (SDK-GO: operator_id + operator_id_type or
   * userid; SDK-PY: operator_id + operator_id_type only). Tencent answers `{}`, which says nothing
   * about the form: an account answers the form it does not accept in ways no source documents,
   * possibly with `{}` and nothing deleted. So `confirm` looks at the file afterwards; only a
   * deletion it confirms (`deleted`) proves the form, otherwise the other form is sent. A 4051
   * (already deleted) is thrown as a TencentGoneError.
   */
  async deleteRecordFile<T>(
    recordFileId: string,
    params: OperatorParams & { readonly meetingId?: string },
    confirm: () => Promise<T>,
    deleted: (outcome: T) => boolean,
  ): Promise<T> {
    const path = `/v1/records/${encodeURIComponent(recordFileId)}`;
    return this.forms.run(
      'record-delete',
      this.operatorOf(params),
      async (operator) => {
        await this.transport.delete(path, [['meeting_id', params.meetingId], ...operator], { recordFileId, ...(params.meetingId ? { meetingId: params.meetingId } : {}) });
        return confirm();
      },
      (outcome) => !deleted(outcome),
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

  private operatorOf(params: OperatorParams): Operator {
    if (params.operatorId) return { id: params.operatorId, type: params.operatorIdType ?? 1 };
    if (params.userid) return { id: params.userid, type: 1 };
    return { id: this.config.operatorId, type: this.config.operatorIdType };
  }

  /** The time window, page and record type both record lists take, in the order Tencent documents. */
  private recordsWindowQuery(params: ListRecordsParams | ListCorpRecordsParams): Query {
    return [
      ['start_time', params.startTimeSec],
      ['end_time', params.endTimeSec],
      ['page_size', params.pageSize],
      ['page', params.page],
      ['query_record_type', params.queryRecordType ?? this.queryRecordType],
    ];
  }
}

/** A file answer without a single link proves nothing about the operator form (open point #3). */
function hasNoLinks(file: FileAddress): boolean {
  return (
    !file.download_address &&
    !file.audio_address &&
    file.meeting_summary.length === 0 &&
    file.ai_meeting_transcripts.length === 0 &&
    file.ai_minutes.length === 0
  );
}
