// The REST half of the Tencent Meeting simulator: the record APIs of reference §4 with Tencent's
// protocol checks (§1.4), error bodies (§5.1) and rate limits (§5.3), answering from the
// SimulatorModel. Download links point at the same server, where DownloadService serves them.
// Hand-written on node:http because the point is to reproduce Tencent's exact wire behaviour
// (raw request target, header names as sent), which a framework would normalise away.
import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../../shared/tencent/signing.ts';
import { ArtifactOrder } from './artifact-order.ts';
import { DownloadService } from './downloads.ts';
import { RestFaults, SIM_ENDPOINTS, type SimEndpoint } from './faults.ts';
import { resolveReadings, type ProfileName, type SourceReadings } from './profiles.ts';
import { SimulatorModel, type SimArtifact, type SimMeetingRecording, type SimRecordFile, type SimUser } from './model.ts';
import { asTencentSends, meetingFromRecording, recordingDeletedEvent } from './webhook-events.ts';
import type { WebhookSender } from './webhook-sender.ts';

export interface SimulatorCredentials {
  /** Corp id, sent as AppId. */
  readonly appId: string;
  /** Sent as SdkId; undefined when "Tencent assigned none" (then sending one fails with 190303). */
  readonly sdkId?: string;
  readonly secretId: string;
  readonly secretKey: string;
  /** Webhook subscription token (25 letters/digits). */
  readonly webhookToken: string;
  /** Webhook EncodingAESKey (43 letters/digits). */
  readonly encodingAesKey: string;
  /** Userid of the default operator: a super admin who may see every recording. */
  readonly operatorId: string;
  /** OAuth mode: AccessToken + OpenId of the operator. */
  readonly accessToken: string;
  readonly openId: string;
  /** The STS-Token /v1/addresses/{id} requires when requireStsToken is on. */
  readonly stsToken: string;
}

export interface SimulatorOptions {
  /** Default 0 (any free port). */
  readonly port?: number;
  readonly host?: string;
  readonly model?: SimulatorModel;
  /** Seed for a model created here. */
  readonly seed?: string;
  /** Override generated credentials; `sdkId: null` simulates an app without an SdkId. */
  readonly credentials?: Partial<Omit<SimulatorCredentials, 'sdkId'>> & { readonly sdkId?: string | null };
  /** Server clock (ms) for the timestamp window and the replay cache. */
  readonly now?: () => number;
  /** Clock for the per-minute rate limits (defaults to `now`); tests pass a fake one. */
  readonly rateLimitNow?: () => number;
  readonly timestampWindowSec?: number;
  readonly rateLimits?: {
    /** 190310; default 300. */
    readonly appPerWindow?: number;
    /** 190313 on corp/records; default 10. */
    readonly corpRecordsPerWindow?: number;
    /** Default 60 000. */
    readonly windowMs?: number;
  };
  /** GET /v1/addresses/{id} requires the STS-Token header (apps created from 2026-01-16). */
  readonly requireStsToken?: boolean;
  /** Accept OAuth (AccessToken + OpenId) requests; default true. */
  readonly allowOAuth?: boolean;
  /** Link lifetime for the download service created here. */
  readonly linkTtlMs?: number;
  readonly downloads?: DownloadService;
  /** Which reading of Tencent's open points to play (profiles.ts); default 'sdk'. */
  readonly profile?: ProfileName;
  /** Single facets over the profile. */
  readonly readings?: Partial<SourceReadings>;
}

export interface EndpointCounter {
  /** Requests routed to the endpoint (authenticated or not). */
  requests: number;
  /** Requests answered with an error. */
  rejected: number;
  /** Error answers by Tencent error_code. */
  byErrorCode: Record<string, number>;
}

export interface SimRequestLogEntry {
  readonly endpoint: SimEndpoint;
  readonly method: string;
  /** Raw request target. */
  readonly target: string;
  readonly timestamp?: string;
  readonly nonce?: string;
  readonly status: number;
  readonly errorCode?: number;
  readonly headers: Readonly<Record<string, string>>;
}

export interface SimulatorCounters {
  readonly total: EndpointCounter;
  readonly endpoints: Record<SimEndpoint, EndpointCounter>;
  /** Every REST request, oldest first (capped at 10 000). */
  readonly log: SimRequestLogEntry[];
  reset(): void;
}

export interface SimulatorSettings {
  requireStsToken: boolean;
  allowOAuth: boolean;
  /** The open points' readings being played (profiles.ts); facets may be switched at runtime. */
  readings: SourceReadings;
}

export interface Simulator {
  readonly url: string;
  readonly port: number;
  readonly model: SimulatorModel;
  readonly credentials: SimulatorCredentials;
  readonly faults: RestFaults;
  readonly counters: SimulatorCounters;
  readonly downloads: DownloadService;
  /** Switchable at runtime. */
  readonly settings: SimulatorSettings;
  /**
   * From now on a file or recording deleted through the REST API (DELETE /v1/records[/id]) is
   * announced to `sender` as recording.deleted, as Tencent does (DOC-53232); undefined stops it.
   */
  announceDeletionsTo(sender: Pick<WebhookSender, 'deliver'> | undefined): void;
  /** Deletions announced so far (each delivery's promise settles when the sender gave up or was acknowledged). */
  readonly announcedDeletions: ReadonlyArray<{ readonly recordFileIds: readonly string[]; readonly delivered: Promise<boolean> }>;
  /** TENCENT_MEETING_* variables that point the archive at this simulator. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

class ApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly headers: Record<string, string>;
  constructor(status: number, code: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const badParam = (what: string): ApiError => new ApiError(400, 190004, `请求参数错误: ${what}`);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomAlnum(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}
function randomDigits(length: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < length) out += String(randomInt(10));
  return out;
}

function generateCredentials(overrides: SimulatorOptions['credentials'] = {}): SimulatorCredentials {
  const { sdkId, ...rest } = overrides;
  const generated = {
    appId: randomDigits(9),
    secretId: `AKID${randomAlnum(32)}`,
    secretKey: randomAlnum(32),
    webhookToken: randomAlnum(25),
    encodingAesKey: randomAlnum(43),
    operatorId: 'archive-admin',
    accessToken: randomBytes(24).toString('hex'),
    openId: `open-${randomBytes(12).toString('hex')}`,
    stsToken: randomBytes(24).toString('base64url'),
    ...rest,
  };
  const assignedSdkId = sdkId === null ? undefined : (sdkId ?? randomDigits(8));
  return assignedSdkId === undefined ? generated : { ...generated, sdkId: assignedSdkId };
}

/** Sliding-window log of accepted calls, per the simulator's (injectable) clock. */
class WindowCounter {
  private readonly times: number[] = [];
  readonly limit: number;
  readonly windowMs: number;
  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }
  /** Seconds until a call would be allowed, or 0 when one is allowed now. */
  wait(now: number): number {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    if (this.times.length < this.limit) return 0;
    return Math.max(1, Math.ceil((this.times[0]! + this.windowMs - now) / 1000));
  }
  take(now: number): void {
    this.times.push(now);
  }
}

function newCounter(): EndpointCounter {
  return { requests: 0, rejected: 0, byErrorCode: {} };
}

function createCounters(): SimulatorCounters {
  const endpoints = Object.fromEntries(SIM_ENDPOINTS.map((e) => [e, newCounter()])) as Record<SimEndpoint, EndpointCounter>;
  const counters: SimulatorCounters = {
    total: newCounter(),
    endpoints,
    log: [],
    reset() {
      Object.assign(counters.total, newCounter());
      for (const e of SIM_ENDPOINTS) Object.assign(counters.endpoints[e], newCounter());
      counters.log.length = 0;
    },
  };
  return counters;
}

function route(method: string, pathname: string): { endpoint: SimEndpoint; id?: string } {
  if (method === 'GET' && pathname === '/v1/records') return { endpoint: 'records' };
  if (method === 'GET' && pathname === '/v1/corp/records') return { endpoint: 'corpRecords' };
  if (method === 'GET' && pathname === '/v1/addresses') return { endpoint: 'addresses' };
  if (method === 'DELETE' && pathname === '/v1/records') return { endpoint: 'deleteRecording' };
  if (method === 'GET' && pathname === '/v1/meetings') return { endpoint: 'meetingsByCode' };
  let match = /^\/v1\/addresses\/([^/]+)$/.exec(pathname);
  if (method === 'GET' && match) return { endpoint: 'fileAddress', id: decodeURIComponent(match[1]!) };
  match = /^\/v1\/records\/settings\/([^/]+)$/.exec(pathname);
  if (method === 'GET' && match) return { endpoint: 'recordSettings', id: decodeURIComponent(match[1]!) };
  match = /^\/v1\/records\/([^/]+)$/.exec(pathname);
  if (method === 'DELETE' && match) return { endpoint: 'deleteFile', id: decodeURIComponent(match[1]!) };
  return { endpoint: 'unknown' };
}

function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new ApiError(400, 190004, '请求体过大'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const MAX_WINDOW_SEC = 31 * 24 * 60 * 60;
const BEIJING_OFFSET_SEC = 8 * 60 * 60;

/** #11: "时间区间不允许超过31天" read as seconds (31 × 86 400 passes) or as Beijing calendar dates (at most 31 touched). */
function windowAllowed(startSec: number, endSec: number, limit: SourceReadings['windowLimit']): boolean {
  if (limit === 'seconds') return endSec - startSec <= MAX_WINDOW_SEC;
  const date = (sec: number) => Math.floor((sec + BEIJING_OFFSET_SEC) / 86_400);
  return date(endSec) - date(startSec) < 31;
}

/** #2 / #3: the code an account answers the operator form it does not accept with: none of Tencent's sources lists it. */
export const UNDOCUMENTED_FORM_ERROR = 199_901;

const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([190310, 190311, 190313]);

/** The operator form a request uses: a room (type 3) is named the same way in both. */
function operatorFormOf(params: URLSearchParams): 'sdk' | 'seed' | 'rooms' | undefined {
  if (params.get('operator_id')) return params.get('operator_id_type') === '3' ? 'rooms' : 'sdk';
  return params.get('userid') ? 'seed' : undefined;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const now = options.now ?? Date.now;
  const rateNow = options.rateLimitNow ?? now;
  const model = options.model ?? new SimulatorModel({ ...(options.seed ? { seed: options.seed } : {}) });
  const credentials = generateCredentials(options.credentials);
  if (!model.getUser(credentials.operatorId)) {
    model.addUser({ userid: credentials.operatorId, name: 'Archive admin', openId: credentials.openId, admin: true });
  }
  const downloads =
    options.downloads ??
    new DownloadService({ ...(options.linkTtlMs ? { linkTtlMs: options.linkTtlMs } : {}), ...(options.now ? { now: options.now } : {}) });
  const faults = new RestFaults();
  const artifactOrder = new ArtifactOrder();
  const counters = createCounters();
  const settings: SimulatorSettings = {
    requireStsToken: options.requireStsToken ?? false,
    allowOAuth: options.allowOAuth ?? true,
    readings: resolveReadings(options.profile, options.readings),
  };
  const windowSec = options.timestampWindowSec ?? 300;
  const windowMs = options.rateLimits?.windowMs ?? 60_000;
  const appLimit = new WindowCounter(options.rateLimits?.appPerWindow ?? 300, windowMs);
  const corpLimit = new WindowCounter(options.rateLimits?.corpRecordsPerWindow ?? 10, windowMs);
  const seenNonces = new Map<string, number>();
  let baseUrl = '';
  let deletionSink: Pick<WebhookSender, 'deliver'> | undefined;
  const announcedDeletions: Array<{ recordFileIds: readonly string[]; delivered: Promise<boolean> }> = [];

  /** Tencent sends recording.deleted after a REST deletion; after the answer, so it may overtake the caller's own bookkeeping. */
  function announceDeletion(recording: SimMeetingRecording, recordFileIds: readonly string[], operatorUserId: string): void {
    const sink = deletionSink;
    if (!sink || recordFileIds.length === 0) return;
    const event = asTencentSends(
      recordingDeletedEvent(meetingFromRecording(recording, undefined, settings.readings), recordFileIds, { operatorUserId, operateTimeMs: model.now() }),
      recording,
      settings.readings,
    );
    const delivered = new Promise<boolean>((resolve) => setImmediate(() => sink.deliver(event).then((records) => resolve(records.every((r) => r.ok)), () => resolve(false))));
    announcedDeletions.push({ recordFileIds, delivered });
  }

  // Deleted files must stop being downloadable, like Tencent's.
  model.on('change', (change) => {
    const gone = change.type === 'file.deleted' ? [change.file] : change.type === 'recording.deleted' ? change.files : [];
    for (const file of gone) for (const artifact of file.artifacts) downloads.unregister(artifact.key);
  });

  function header(req: IncomingMessage, name: string): string | undefined {
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i]!;
      // #8: Tencent matches header names in any case; 'exact' plays a stricter server than Tencent.
      if (settings.readings.headerCase === 'exact' ? key === name : key.toLowerCase() === name.toLowerCase()) return raw[i + 1];
    }
    return undefined;
  }

  /** #15: whether a refusal tells how long to wait; the sources promise no Retry-After. */
  function retryAfterHeader(seconds: number): Record<string, string> {
    return settings.readings.retryAfter ? { 'Retry-After': String(seconds) } : {};
  }

  function link(artifact: SimArtifact): string {
    downloads.register(artifact.key, {
      seed: artifact.seed,
      ...(artifact.content ? { content: artifact.content } : {}),
      size: artifact.size,
      contentType: artifact.contentType,
      fileName: artifact.fileName,
    });
    return `${baseUrl}${downloads.signedPath(artifact.key, linkTtlMs(artifact))}`;
  }

  /** #10: recordings' links live 6 h, AI transcripts' 5 min (SDK-GO); an explicit linkTtlMs option rules both. */
  function linkTtlMs(artifact: SimArtifact): number {
    if (options.linkTtlMs) return options.linkTtlMs;
    const { recordingLinkTtlMs, transcriptLinkTtlMs } = settings.readings;
    return artifact.kind === 'video' || artifact.kind === 'audio' ? recordingLinkTtlMs : transcriptLinkTtlMs;
  }

  /** Checks §1.4 in Tencent's order; returns who is calling. */
  function authenticate(req: IncomingMessage, target: string, body: string): { user: SimUser | undefined; oauth: boolean; timestamp: string; nonce: string } {
    const timestamp = header(req, 'X-TC-Timestamp');
    const nonce = header(req, 'X-TC-Nonce');
    if (!timestamp || !/^\d+$/.test(timestamp)) throw new ApiError(400, 190300, 'X-TC-Timestamp 缺失或格式错误');
    if (Math.abs(Number(timestamp) - now() / 1000) > windowSec) throw new ApiError(400, 190300, 'X-TC-Timestamp 与服务器时间相差超过5分钟');
    if (!nonce || !/^\d+$/.test(nonce)) throw badParam('X-TC-Nonce 缺失或格式错误');
    const accessToken = header(req, 'AccessToken');
    const key = header(req, 'X-TC-Key');
    let user: SimUser | undefined;
    let oauth = false;
    if (accessToken !== undefined && key === undefined) {
      if (!settings.allowOAuth || accessToken !== credentials.accessToken || header(req, 'OpenId') !== credentials.openId) {
        throw new ApiError(400, 190303, '鉴权失败: OpenId 或 AccessToken 无效');
      }
      oauth = true;
      user = model.findUserByOpenId(credentials.openId);
    } else {
      const sdkId = header(req, 'SdkId');
      if (key !== credentials.secretId || header(req, 'AppId') !== credentials.appId || sdkId !== credentials.sdkId) {
        throw new ApiError(
          400,
          190303,
          '鉴权失败:请检查请求头公共参数里字段AppId和X-TC-Key内容是否正确,字段SdkId如未分配不要携带。',
        );
      }
      const signature = header(req, 'X-TC-Signature') ?? '';
      const signed = { secretId: key, secretKey: credentials.secretKey, method: req.method ?? 'GET', uri: target, body, timestamp, nonce };
      if (!verifySignature(signed, signature)) throw new ApiError(500, 200003, 'Signature failed');
    }
    // Replay cache after authentication, so unauthenticated junk cannot poison it.
    const pair = `${timestamp}:${nonce}`;
    const nowMs = now();
    for (const [k, expires] of seenNonces) if (expires <= nowMs) seenNonces.delete(k);
    if (seenNonces.has(pair)) throw new ApiError(400, 190301, '请求重放: 相同的 X-TC-Timestamp 与 X-TC-Nonce 在5分钟内已使用');
    seenNonces.set(pair, nowMs + windowSec * 1000);
    return { user, oauth, timestamp, nonce };
  }

  function intParam(params: URLSearchParams, name: string, fallback?: number): number | undefined {
    const value = params.get(name);
    if (value === null || value === '') return fallback;
    if (!/^-?\d+$/.test(value)) throw badParam(`${name} 必须是整数`);
    return Number(value);
  }

  /** Page `page` of `items`, and the counts Tencent's paged answers start with. */
  function pageOf<T>(items: readonly T[], page: number, pageSize: number) {
    const slice = items.slice((page - 1) * pageSize, page * pageSize);
    const counts = { total_count: items.length, current_size: slice.length, current_page: page, total_page: Math.ceil(items.length / pageSize) };
    return { slice, counts };
  }

  function paging(params: URLSearchParams, defaultSize: number, maxSize: number): { page: number; pageSize: number } {
    const pageSize = intParam(params, 'page_size', defaultSize)!;
    const page = intParam(params, 'page', 1)!;
    if (pageSize < 1 || pageSize > maxSize) throw badParam(`page_size 取值范围 1-${maxSize}`);
    if (page < 1) throw badParam('page 从1开始');
    return { page, pageSize };
  }

  function timeRange(params: URLSearchParams): { startMs: number; endMs: number } {
    const start = intParam(params, 'start_time');
    const end = intParam(params, 'end_time');
    if (start === undefined) throw badParam('start_time 必填');
    if (end === undefined) throw badParam('end_time 必填');
    if (end < start) throw badParam('end_time 不能早于 start_time');
    if (!windowAllowed(start, end, settings.readings.windowLimit)) throw badParam('时间区间不允许超过31天');
    return { startMs: start * 1000, endMs: end * 1000 };
  }

  function recordTypeMatches(recording: SimMeetingRecording, queryRecordType: number): boolean {
    if (queryRecordType === 0) return true;
    if (queryRecordType === 1) return recording.recordType === 0;
    return recording.recordType === queryRecordType;
  }

  /** The user an operator_id / userid names, for permission checks. */
  function operator(params: URLSearchParams, caller: { user: SimUser | undefined; oauth: boolean }): { userid: string; user: SimUser | undefined } | undefined {
    if (caller.oauth) return caller.user ? { userid: caller.user.userid, user: caller.user } : undefined;
    const operatorId = params.get('operator_id');
    if (operatorId) {
      const type = intParam(params, 'operator_id_type');
      if (type === undefined) throw badParam('operator_id 必须与 operator_id_type 配合使用');
      if (type === 1) return { userid: operatorId, user: model.getUser(operatorId) };
      if (type === 2) {
        const user = model.findUserByOpenId(operatorId);
        return { userid: user?.userid ?? operatorId, user };
      }
      throw badParam('operator_id_type 不支持');
    }
    const userid = params.get('userid');
    return userid ? { userid, user: model.getUser(userid) } : undefined;
  }

  function canSee(who: { userid: string; user: SimUser | undefined }, recording: SimMeetingRecording): boolean {
    return who.user?.admin === true || recording.hostUserId === who.userid;
  }

  function sharingFields(recording: SimMeetingRecording): Record<string, unknown> {
    const s = recording.sharing;
    if (s.sharingState !== 1) return { sharing_state: 0 };
    return {
      sharing_state: 1,
      ...(s.sharingUrl ? { sharing_url: s.sharingUrl } : {}),
      required_same_corp: s.requiredSameCorp,
      required_participant: s.requiredParticipant,
      ...(s.password ? { password: s.password } : {}),
      sharing_expire: s.sharingExpire,
      allow_download: s.allowDownload,
    };
  }

  function listBody(
    recordings: SimMeetingRecording[],
    page: number,
    pageSize: number,
    corp: boolean,
  ): Record<string, unknown> {
    const { slice, counts } = pageOf(recordings, page, pageSize);
    return {
      ...counts,
      record_meetings: slice.map((r) => ({
        meeting_record_id: r.meetingRecordId,
        meeting_id: r.meetingId,
        meeting_code: r.meetingCode,
        ...(corp ? { userid: r.hostUserId } : { host_user_id: r.hostUserId }),
        media_start_time: r.mediaStartTimeMs,
        subject: r.subject,
        state: r.state,
        record_type: r.recordType,
        media_set_type: r.mediaSetType,
        ...(r.state === 3
          ? {
              record_files: r.files.map((f) => ({
                record_file_id: f.recordFileId,
                record_start_time: f.recordStartTimeMs,
                record_end_time: f.recordEndTimeMs,
                // #4: record_size as the profile reads it, which may differ from the bytes served.
                record_size: Math.max(0, f.recordSize + settings.readings.recordSizeSkewBytes),
                ...sharingFields(r),
                ...(corp && r.sharing.sharingState === 1 ? { view_address: `${r.sharing.sharingUrl ?? ''}?file=${f.recordFileId}` } : {}),
                // A deleted file a lagging list still shows has no working link.
                ...(corp && r.sharing.sharingState === 1 && r.sharing.allowDownload && model.getFile(f.recordFileId) ? { download_address: link(f.artifacts[0]!) } : {}),
              })),
            }
          : {}),
      })),
    };
  }

  function links(list: readonly SimArtifact[]): Array<{ download_address: string; file_type: string }> {
    return artifactOrder.arrange(list, settings.readings.reorderArtifacts).map((a) => ({ download_address: link(a), file_type: a.fileType }));
  }

  function addressFields(recording: SimMeetingRecording, file: SimRecordFile): Record<string, unknown> {
    const video = file.artifacts.find((a) => a.kind === 'video');
    const audio = file.artifacts.find((a) => a.kind === 'audio');
    return {
      record_file_id: file.recordFileId,
      ...(recording.sharing.sharingUrl ? { view_address: `${recording.sharing.sharingUrl}?file=${file.recordFileId}` } : {}),
      ...(video ? { download_address: link(video), download_address_file_type: video.fileType } : {}),
      ...(audio ? { audio_address: link(audio), audio_address_file_type: audio.fileType } : {}),
      meeting_summary: links(file.artifacts.filter((a) => a.kind === 'transcript')),
    };
  }

  function findRecordingOrThrow(meetingRecordId: string | null): SimMeetingRecording {
    if (!meetingRecordId) throw badParam('meeting_record_id 必填');
    const recording = model.getRecording(meetingRecordId);
    if (recording) return recording;
    if (model.deletedRecordings.has(meetingRecordId)) throw new ApiError(400, 4051, '录制文件已经被删除');
    throw new ApiError(400, 9003, '会议不存在');
  }

  function requirePermission(who: { userid: string; user: SimUser | undefined } | undefined, recording: SimMeetingRecording): void {
    if (!who) throw badParam('operator_id 或 userid 必填');
    if (!canSee(who, recording)) throw new ApiError(400, 9042, '权限受限: 仅会议创建者或录制管理员可操作');
  }

  /**
   * #2 / #3: how the account answers this request's operator form: as asked, or (the form it does not
   * accept) with an undocumented error or an empty answer, per the readings.
   */
  function formAnswer(params: URLSearchParams): 'answer' | 'empty' {
    const { operatorForm, otherFormAnswer } = settings.readings;
    const form = operatorFormOf(params);
    if (form === undefined || form === 'rooms' || operatorForm === 'either' || form === operatorForm) return 'answer';
    if (otherFormAnswer === 'empty') return 'empty';
    if (otherFormAnswer === 'meeting-missing') throw new ApiError(400, 9003, '会议不存在');
    throw new ApiError(400, UNDOCUMENTED_FORM_ERROR, form === 'sdk' ? '不支持的操作者类型' : '缺少操作者参数');
  }

  function findFileOrThrow(recordFileId: string): { file: SimRecordFile; recording: SimMeetingRecording } {
    const file = model.getFile(recordFileId);
    const recording = file ? model.getRecording(file.meetingRecordId) : undefined;
    if (!file || !recording) {
      if (model.deletedFiles.has(recordFileId) && settings.readings.deletedFileAnswer === 9003) throw new ApiError(400, 9003, '会议不存在');
      throw new ApiError(400, 4051, '录制文件已经被删除');
    }
    return { file, recording };
  }

  function handleEndpoint(
    endpoint: SimEndpoint,
    id: string | undefined,
    params: URLSearchParams,
    req: IncomingMessage,
    caller: { user: SimUser | undefined; oauth: boolean },
  ): Record<string, unknown> {
    switch (endpoint) {
      case 'records': {
        const { startMs, endMs } = timeRange(params);
        const { page, pageSize } = paging(params, 10, 20);
        if (formAnswer(params) === 'empty') return listBody([], page, pageSize, false);
        const who = operator(params, caller);
        if (!who) throw badParam('userid 或 operator_id 必填');
        const queryRecordType = intParam(params, 'query_record_type', 1)!;
        const meetingId = params.get('meeting_id');
        const meetingCode = params.get('meeting_code');
        const listed = model.listedView(settings.readings.deletionListLagMs);
        const candidates = meetingId
          ? listed.filter((r) => r.meetingId === meetingId && canSee(who, r))
          : meetingCode
            ? listed.filter((r) => r.meetingCode === meetingCode && canSee(who, r))
            : listed.filter((r) => r.hostUserId === who.userid);
        const matching = candidates.filter(
          (r) => r.mediaStartTimeMs >= startMs && r.mediaStartTimeMs <= endMs && recordTypeMatches(r, queryRecordType),
        );
        return listBody(matching, page, pageSize, false);
      }
      case 'corpRecords': {
        if (caller.oauth) throw new ApiError(400, 9042, '该接口暂不支持 OAuth2.0 鉴权访问');
        const { startMs, endMs } = timeRange(params);
        const { page, pageSize } = paging(params, 10, 20);
        const queryRecordType = intParam(params, 'query_record_type', 1)!;
        const matching = model
          .listedView(settings.readings.deletionListLagMs)
          .filter((r) => r.mediaStartTimeMs >= startMs && r.mediaStartTimeMs <= endMs && recordTypeMatches(r, queryRecordType));
        return listBody(matching, page, pageSize, true);
      }
      case 'addresses': {
        const { page, pageSize } = paging(params, 50, 50);
        if (formAnswer(params) === 'empty') {
          return { ...pageOf([], page, pageSize).counts, meeting_record_id: params.get('meeting_record_id') ?? '', record_files: [] };
        }
        const recording = findRecordingOrThrow(params.get('meeting_record_id'));
        requirePermission(operator(params, caller), recording);
        const files = recording.state === 3 ? recording.files : [];
        const { slice, counts } = pageOf(files, page, pageSize);
        return {
          ...counts,
          meeting_record_id: recording.meetingRecordId,
          meeting_id: recording.meetingId,
          meeting_code: recording.meetingCode,
          subject: recording.subject,
          record_files: slice.map((f) => addressFields(recording, f)),
        };
      }
      case 'fileAddress': {
        if (settings.requireStsToken && header(req, 'STS-Token') !== credentials.stsToken) {
          throw new ApiError(400, 190303, '鉴权失败: STS-Token 缺失或无效');
        }
        // A file answer without a single link: what LULAB's connector would see as "nothing to download".
        if (formAnswer(params) === 'empty') return { record_file_id: id!, meeting_summary: [], ai_meeting_transcripts: [], ai_minutes: [] };
        const { file, recording } = findFileOrThrow(id!);
        requirePermission(operator(params, caller), recording);
        return {
          ...addressFields(recording, file),
          meeting_id: recording.meetingId,
          meeting_code: recording.meetingCode,
          ai_meeting_transcripts: links(file.artifacts.filter((a) => a.kind === 'ai_transcript')),
          ai_minutes: links(file.artifacts.filter((a) => a.kind === 'ai_minutes')),
        };
      }
      case 'recordSettings': {
        const recording = findRecordingOrThrow(id!);
        requirePermission(operator(params, caller), recording);
        const s = recording.sharing;
        return {
          meeting_id: recording.meetingId,
          meeting_record_name: recording.subject,
          sharing_config: {
            enable_sharing: s.sharingState === 1,
            share_scope: s.requiredSameCorp ? 1 : 0,
            enable_password: Boolean(s.password),
            ...(s.password ? { password: s.password } : {}),
            enable_sharing_expire: s.sharingExpire > 0,
            sharing_expire: s.sharingExpire,
            allow_download: s.allowDownload,
            allow_view_transcripts: true,
            enable_approve: false,
          },
        };
      }
      case 'meetingsByCode': {
        // 查询会议 by code: meeting_code, instanceid and userid (or a rooms operator_id) are required.
        const meetingCode = params.get('meeting_code');
        if (!meetingCode) throw badParam('meeting_code 必填');
        if (intParam(params, 'instanceid') === undefined) throw badParam('instanceid 必填');
        const who = operator(params, caller);
        if (!who) throw badParam('userid 或 operator_id 必填');
        // A code names one meeting at a time: when several meetings held it, the code was recycled
        // and only the latest answers to it.
        const latest = model
          .listedView(0)
          .filter((r) => r.meetingCode === meetingCode && canSee(who, r))
          .sort((a, b) => b.mediaStartTimeMs - a.mediaStartTimeMs)[0];
        if (!latest) {
          if (settings.readings.meetingCodeMiss === 'empty') return { meeting_number: 0, meeting_info_list: [] };
          throw new ApiError(400, 9003, '会议不存在');
        }
        return {
          meeting_number: 1,
          meeting_info_list: [
            {
              subject: latest.subject,
              meeting_id: latest.meetingId,
              meeting_code: latest.meetingCode,
              status: 'MEETING_STATE_ENDED',
              hosts: [{ userid: latest.hostUserId }],
              start_time: String(Math.floor(latest.mediaStartTimeMs / 1000)),
              end_time: String(Math.floor(latest.mediaStartTimeMs / 1000) + 3600),
            },
          ],
        };
      }
      case 'deleteRecording': {
        const recording = findRecordingOrThrow(params.get('meeting_record_id'));
        const who = operator(params, caller);
        requirePermission(who, recording);
        const files = recording.files.map((f) => f.recordFileId);
        model.deleteRecording(recording.meetingRecordId, { operatorId: who!.userid });
        announceDeletion(recording, files, who!.userid);
        return {};
      }
      case 'deleteFile': {
        // #2 / #3: the form the account does not accept may be answered `{}` with nothing deleted.
        if (formAnswer(params) === 'empty') return {};
        const { file, recording } = findFileOrThrow(id!);
        const who = operator(params, caller);
        requirePermission(who, recording);
        model.deleteFile(file.recordFileId, { operatorId: who!.userid });
        announceDeletion(recording, [file.recordFileId], who!.userid);
        return {};
      }
      case 'unknown':
        throw new ApiError(404, 404, '接口不存在');
    }
  }

  function serialize(body: Record<string, unknown>): string {
    const json = JSON.stringify(body);
    // Tencent's own seed-000 example prints record_file_id as a bare number beyond 2^53.
    return faults.numericIds ? json.replace(/"(record_file_id|meeting_record_id)":"(\d+)"/g, '"$1":$2') : json;
  }

  async function handleRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const url = new URL(target, 'http://simulator.local');
    const method = req.method ?? 'GET';
    const { endpoint, id } = route(method, url.pathname);
    const counter = counters.endpoints[endpoint];
    counter.requests += 1;
    counters.total.requests += 1;
    let timestamp: string | undefined;
    let nonce: string | undefined;
    const respond = (status: number, payload: string, headers: Record<string, string> = {}, errorCode?: number): void => {
      if (errorCode !== undefined) {
        for (const c of [counter, counters.total]) {
          c.rejected += 1;
          c.byErrorCode[String(errorCode)] = (c.byErrorCode[String(errorCode)] ?? 0) + 1;
        }
      }
      if (counters.log.length < 10_000) {
        const seenHeaders: Record<string, string> = {};
        for (let i = 0; i < req.rawHeaders.length; i += 2) seenHeaders[req.rawHeaders[i]!] = req.rawHeaders[i + 1]!;
        counters.log.push({
          endpoint,
          method,
          target,
          ...(timestamp ? { timestamp } : {}),
          ...(nonce ? { nonce } : {}),
          status,
          ...(errorCode !== undefined ? { errorCode } : {}),
          headers: seenHeaders,
        });
      }
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
      res.end(payload);
    };
    try {
      const body = await readBody(req);
      timestamp = header(req, 'X-TC-Timestamp');
      nonce = header(req, 'X-TC-Nonce');
      const caller = authenticate(req, target, body);
      // A refused call consumes no budget (assumed; Tencent does not document it).
      const at = rateNow();
      const appWait = appLimit.wait(at);
      if (appWait > 0) throw new ApiError(400, 190310, '每分钟总接口调用次数超过限制。', retryAfterHeader(appWait));
      if (endpoint === 'corpRecords') {
        const corpWait = corpLimit.wait(at);
        if (corpWait > 0) throw new ApiError(400, 190313, '每分钟单接口调用次数超过限制。', retryAfterHeader(corpWait));
        corpLimit.take(at);
      }
      appLimit.take(at);
      const injected = faults.take(endpoint);
      if (injected) {
        throw new ApiError(
          injected.status,
          injected.errorCode,
          injected.message,
          injected.retryAfterSec === undefined ? {} : RATE_LIMIT_CODES.has(injected.errorCode) ? retryAfterHeader(injected.retryAfterSec) : { 'Retry-After': String(injected.retryAfterSec) },
        );
      }
      const result = handleEndpoint(endpoint, id, url.searchParams, req, caller);
      if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      respond(200, serialize(result));
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 500000, '服务内部错误');
      if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      const newCode = apiError.code >= 100_000 ? 200_000_000 + apiError.code : undefined;
      const payload = JSON.stringify({
        error_info: { error_code: apiError.code, ...(newCode !== undefined ? { new_error_code: newCode } : {}), message: apiError.message },
      });
      respond(apiError.status, payload, apiError.headers, apiError.code);
    }
  }

  const server = createServer((req, res) => {
    if (downloads.handle(req, res)) return;
    void handleRest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;

  return {
    url: baseUrl,
    port,
    model,
    credentials,
    faults,
    counters,
    downloads,
    settings,
    announceDeletionsTo(sender) {
      deletionSink = sender;
    },
    announcedDeletions,
    env() {
      return {
        TENCENT_MEETING_API_BASE: baseUrl,
        TENCENT_MEETING_APP_ID: credentials.appId,
        ...(credentials.sdkId ? { TENCENT_MEETING_SDK_ID: credentials.sdkId } : {}),
        TENCENT_MEETING_SECRET_ID: credentials.secretId,
        TENCENT_MEETING_SECRET_KEY: credentials.secretKey,
        TENCENT_MEETING_OPERATOR_ID: credentials.operatorId,
        TENCENT_MEETING_OPERATOR_ID_TYPE: '1',
        TENCENT_MEETING_WEBHOOK_TOKEN: credentials.webhookToken,
        TENCENT_MEETING_ENCODING_AES_KEY: credentials.encodingAesKey,
      };
    },
    stop() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
