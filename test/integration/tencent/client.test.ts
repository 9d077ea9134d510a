// The Tencent Meeting client against the simulator over real HTTP: every call, paging, window
// splitting, typed errors, retries (with fresh signatures), client-side rate limits, OAuth, STS.
import type { Simulator } from '../../../infra/local/simulator/server.ts';
import { simulatorPerTest } from '../../support/simulator.ts';
import { seededChunk } from '../../../infra/local/simulator/seeded-bytes.ts';
import { TencentMeetingClient, type TencentClientOptions } from '../../../shared/tencent/client.ts';
import { parseTencentConfig, type TencentConfig } from '../../../shared/tencent/config.ts';
import { TencentApiError, TencentGoneError } from '../../../shared/tencent/errors.ts';
import { SlidingWindowRateLimiter, UNLIMITED } from '../../../shared/tencent/rate-limiter.ts';
import { MAX_WINDOW_SECONDS } from '../../../shared/tencent/time-windows.ts';
import type { SimArtifact } from '../../../infra/local/simulator/model.ts';

const DAY_MS = 86_400_000;
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };

let sim: Simulator;
const start = simulatorPerTest((started) => (sim = started));

function configFor(s: Simulator, overrides: Record<string, string> = {}): TencentConfig {
  return parseTencentConfig({ ...s.env(), ...overrides });
}

function clientFor(s: Simulator, options: TencentClientOptions = {}, overrides: Record<string, string> = {}): TencentMeetingClient {
  return new TencentMeetingClient(configFor(s, overrides), { retry: FAST_RETRY, ...options });
}

async function caught(promise: Promise<unknown>): Promise<TencentApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TencentApiError) return error;
    throw error;
  }
  throw new Error('expected a TencentApiError');
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Every meeting of one window of corp/records, page by page (one request per page). */
async function* corpRecordPages(client: TencentMeetingClient, params: { startTimeSec: number; endTimeSec: number; pageSize: number }) {
  for (let page = 1; ; page += 1) {
    const result = await client.listCorpRecords({ ...params, page });
    yield* result.record_meetings;
    if (result.record_meetings.length === 0 || page >= result.total_page) return;
  }
}

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

function expectBytesOf(artifact: SimArtifact, bytes: Buffer): void {
  expect(bytes.length).toBe(artifact.size);
  expect(bytes.equals(seededChunk(artifact.seed, 0, artifact.size))).toBe(true);
}

const T0 = Date.UTC(2026, 0, 1);
const sec = (ms: number): number => Math.floor(ms / 1000);

describe('TencentMeetingClient against the simulator', () => {
  it('lists one user’s recordings page by page (45 recordings, page_size 20 → 3 requests)', async () => {
    await start();
    for (let i = 0; i < 45; i += 1) {
      sim.model.createMeeting({ subject: `m${i}`, hostUserId: 'alice', startTimeMs: T0 + i * 60_000, files: [{ sizeBytes: 1000 + i }] });
    }
    sim.model.createMeeting({ subject: 'bob’s', hostUserId: 'bob', startTimeMs: T0, files: [{ sizeBytes: 1 }] });
    const client = clientFor(sim);

    const first = await client.listRecords({ userid: 'alice', startTimeSec: sec(T0), endTimeSec: sec(T0 + DAY_MS), pageSize: 20 });
    expect(first).toMatchObject({ total_count: 45, current_size: 20, current_page: 1, total_page: 3 });
    expect(first.record_meetings[0]!.host_user_id).toBe('alice');
    expect(first.record_meetings[0]!.record_files[0]!.record_file_id).toMatch(/^\d{19}$/);

    const all = await collect(client.iterateRecords({ userid: 'alice', startTimeSec: sec(T0), endTimeSec: sec(T0 + DAY_MS) }));
    expect(all).toHaveLength(45);
    expect(new Set(all.map((m) => m.meeting_record_id)).size).toBe(45);
    expect(all.every((m) => m.host_user_id === 'alice')).toBe(true);
    expect(sim.counters.endpoints.records.requests).toBe(1 + 3);
    expect(sim.counters.endpoints.records.rejected).toBe(0);
  });

  it('filters by meeting_id and meeting_code, and lists files only once transcoding is done', async () => {
    await start();
    const done = sim.model.createMeeting({ subject: 'done', hostUserId: 'alice', startTimeMs: T0, files: [{ sizeBytes: 10 }, { sizeBytes: 20 }] });
    const busy = sim.model.createMeeting({ subject: 'busy', hostUserId: 'alice', startTimeMs: T0, state: 2, files: [{ sizeBytes: 10 }] });
    const client = clientFor(sim);
    const range = { startTimeSec: sec(T0 - DAY_MS), endTimeSec: sec(T0 + DAY_MS) };

    const byId = await client.listRecords({ meetingId: done.meetingId, ...range });
    expect(byId.record_meetings.map((m) => m.meeting_record_id)).toEqual([done.meetingRecordId]);
    expect(byId.record_meetings[0]!.record_files.map((f) => f.record_size)).toEqual([10, 20]);

    const byCode = await client.listRecords({ meetingCode: busy.meetingCode, ...range });
    expect(byCode.record_meetings[0]).toMatchObject({ meeting_record_id: busy.meetingRecordId, state: 2, record_files: [] });
  });

  it('walks a 100-day range as 4 legal windows, missing and duplicating nothing', async () => {
    await start();
    const operator = sim.credentials.operatorId;
    const startSec = sec(T0);
    const expected = new Set<string>();
    for (let i = 0; i < 30; i += 1) {
      expected.add(sim.model.createMeeting({ subject: `s${i}`, hostUserId: operator, startTimeMs: T0 + i * 3.3 * DAY_MS }).meetingRecordId);
    }
    // Exactly on window boundaries: both adjacent windows return them.
    for (const k of [1, 2, 3]) {
      expected.add(sim.model.createMeeting({ subject: `edge${k}`, hostUserId: operator, startTimeMs: (startSec + k * MAX_WINDOW_SECONDS) * 1000 }).meetingRecordId);
    }
    // Someone else's recording: not the operator's list.
    sim.model.createMeeting({ subject: 'other', hostUserId: 'u1', startTimeMs: T0 + DAY_MS });
    const client = clientFor(sim);

    const all = await collect(client.iterateRecords({ startTimeSec: startSec, endTimeSec: startSec + 100 * 86_400 }));
    expect(all.map((m) => m.meeting_record_id).sort()).toEqual([...expected].sort());
    expect(sim.counters.endpoints.records.requests).toBe(4);
    expect(sim.counters.endpoints.records.rejected).toBe(0);
  });

  it('leaves a margin under 31 days: no window is refused when Tencent counts the 31 days as Beijing calendar dates (open point #11)', async () => {
    await start({ readings: { windowLimit: 'calendar-dates' } });
    const operator = sim.credentials.operatorId;
    // Mid-afternoon in Beijing: a window of exactly 31 × 86 400 s from here touches 32 dates.
    const startSec = sec(T0) + 7 * 3600 + 17;
    const late = sim.model.createMeeting({ subject: 'day 95', hostUserId: operator, startTimeMs: (startSec + 95 * 86_400) * 1000 });
    const all = await collect(clientFor(sim).iterateRecords({ startTimeSec: startSec, endTimeSec: startSec + 100 * 86_400 }));
    expect(all.map((m) => m.meeting_record_id)).toEqual([late.meetingRecordId]);
    expect(sim.counters.endpoints.records.byErrorCode['190004']).toBeUndefined();
    const spans = sim.counters.log
      .filter((e) => e.endpoint === 'records')
      .map((e) => new URL(e.target, 'http://x').searchParams)
      .map((q) => Number(q.get('end_time')) - Number(q.get('start_time')));
    expect(Math.max(...spans)).toBeLessThan(31 * 86_400);
  });

  it('gets every file address of a meeting across pages, with links that download the right bytes', async () => {
    await start();
    const files = Array.from({ length: 60 }, (_, i) => ({ sizeBytes: 100 + i }));
    files[0] = { sizeBytes: 70_000, audioBytes: 3_000, transcripts: [{ fileType: 'txt' as const, sizeBytes: 500 }] } as (typeof files)[number];
    const recording = sim.model.createMeeting({ subject: 'many files', hostUserId: 'alice', files });
    const client = clientFor(sim);

    const page1 = await client.getMeetingAddresses(recording.meetingRecordId);
    expect(page1).toMatchObject({ total_count: 60, current_size: 50, total_page: 2, meeting_record_id: recording.meetingRecordId, subject: 'many files' });
    const all = await collect(client.iterateMeetingAddresses(recording.meetingRecordId));
    expect(all.map((f) => f.record_file_id)).toEqual(recording.files.map((f) => f.recordFileId));

    const first = all[0]!;
    const [video, audio, transcript] = recording.files[0]!.artifacts;
    expect(first).toMatchObject({ download_address_file_type: 'mp4', audio_address_file_type: 'm4a' });
    expectBytesOf(video!, await download(first.download_address!));
    expectBytesOf(audio!, await download(first.audio_address!));
    expect(first.meeting_summary).toHaveLength(1);
    expect(first.meeting_summary[0]!.file_type).toBe('txt');
    expectBytesOf(transcript!, await download(first.meeting_summary[0]!.download_address));
  });

  it('gets one file’s links (video, audio, transcripts, AI transcripts, AI minutes) and sends STS-Token when required', async () => {
    await start({ requireStsToken: true });
    const recording = sim.model.createMeeting({
      subject: 'detail',
      hostUserId: 'alice',
      files: [
        {
          sizeBytes: 2_000,
          audioBytes: 1_000,
          transcripts: [{ fileType: 'txt' }, { fileType: 'pdf' }, { fileType: 'docx' }],
          aiTranscripts: [{ fileType: 'txt' }],
          aiMinutes: [{ fileType: 'docx', sizeBytes: 777 }],
        },
      ],
    });
    const file = recording.files[0]!;
    const client = clientFor(sim);

    const refused = await caught(client.getFileAddress(file.recordFileId));
    expect(refused).toMatchObject({ errorCode: 190303, httpStatus: 400, retryable: false });

    const detail = await client.getFileAddress(file.recordFileId, { stsToken: sim.credentials.stsToken });
    expect(sim.counters.log.at(-1)!.headers['STS-Token']).toBe(sim.credentials.stsToken);
    expect(detail).toMatchObject({ record_file_id: file.recordFileId, meeting_id: recording.meetingId, meeting_code: recording.meetingCode });
    expect(detail.meeting_summary.map((s) => s.file_type)).toEqual(['txt', 'pdf', 'docx']);
    expect(detail.ai_meeting_transcripts.map((s) => s.file_type)).toEqual(['txt']);
    const minutes = file.artifacts.find((a) => a.kind === 'ai_minutes')!;
    expectBytesOf(minutes, await download(detail.ai_minutes[0]!.download_address));
    expectBytesOf(file.artifacts[0]!, await download(detail.download_address!));
  });

  it('reads sharing settings', async () => {
    await start();
    const recording = sim.model.createMeeting({ subject: 'shared', hostUserId: 'alice', files: [{ sizeBytes: 1 }] });
    sim.model.setSharing(recording.meetingRecordId, { requiredSameCorp: true, allowDownload: false, sharingExpire: 3_600_000 });
    const settings = await clientFor(sim).getRecordSettings(recording.meetingRecordId);
    expect(settings).toMatchObject({
      meeting_id: recording.meetingId,
      meeting_record_name: 'shared',
      sharing_config: { enable_sharing: true, share_scope: 1, allow_download: false, enable_sharing_expire: true, sharing_expire: 3_600_000 },
    });
  });

  it('maps Tencent errors to typed errors, with deleted files and recordings as "gone"', async () => {
    await start();
    const recording = sim.model.createMeeting({ subject: 'x', hostUserId: 'alice', files: [{ sizeBytes: 1 }, { sizeBytes: 2 }] });
    const [a] = recording.files;
    sim.model.deleteFile(a!.recordFileId);
    const client = clientFor(sim);

    const gone = await caught(client.getFileAddress(a!.recordFileId));
    expect(gone).toBeInstanceOf(TencentGoneError);
    expect(gone).toMatchObject({ errorCode: 4051, newErrorCode: undefined, httpStatus: 400, retryable: false, method: 'GET' });
    expect(gone.path).toBe(`/v1/addresses/${a!.recordFileId}`);
    expect(gone.context.recordFileId).toBe(a!.recordFileId);

    const unknown = await caught(client.getMeetingAddresses('1999999999999999999'));
    expect(unknown).toBeInstanceOf(TencentGoneError);
    expect(unknown.errorCode).toBe(9003);

    const window = await caught(client.listCorpRecords({ startTimeSec: 0, endTimeSec: 32 * 86_400 }));
    expect(window).toMatchObject({ errorCode: 190004, httpStatus: 400, retryable: false });
    expect(window).not.toBeInstanceOf(TencentGoneError);
    expect(window.path).toBe('/v1/corp/records');
    expect(sim.counters.endpoints.corpRecords.requests).toBe(1); // parameter errors are not retried
  });

  it('retries 5xx with a fresh timestamp and nonce on every attempt', async () => {
    await start();
    sim.model.createMeeting({ subject: 'r', hostUserId: 'alice', startTimeMs: T0, files: [{ sizeBytes: 1 }] });
    sim.faults.serverErrors('records', 2, { status: 502 });
    const result = await clientFor(sim).listRecords({ userid: 'alice', startTimeSec: sec(T0), endTimeSec: sec(T0 + DAY_MS) });
    expect(result.record_meetings).toHaveLength(1);
    const attempts = sim.counters.log.filter((e) => e.endpoint === 'records');
    expect(attempts.map((e) => e.status)).toEqual([502, 502, 200]);
    // All three passed authentication (the simulator refuses a replayed timestamp+nonce with 190301).
    expect(new Set(attempts.map((e) => `${e.timestamp}:${e.nonce}`)).size).toBe(3);
    expect(new Set(attempts.map((e) => e.headers['X-TC-Signature'])).size).toBe(3);
  });

  it('gives up after the retry limit with a retryable typed error', async () => {
    await start();
    sim.faults.serverErrors('*', 10);
    const error = await caught(clientFor(sim, { retry: { ...FAST_RETRY, limit: 2 } }).getRecordSettings('1000000000000000001'));
    expect(error).toMatchObject({ httpStatus: 500, errorCode: 500000, retryable: true });
    // 3 attempts in each operator form: while no form is proven, a 5xx may be how the account
    // refuses the form it does not accept (open point #2 names no status).
    expect(sim.counters.endpoints.recordSettings.requests).toBe(6);
  });

  it('honours Retry-After on a rate-limit refusal instead of its long default backoff', async () => {
    await start();
    const recording = sim.model.createMeeting({ subject: 'x', hostUserId: 'alice', files: [{ sizeBytes: 1 }] });
    sim.faults.rateLimit('addresses', 1, { errorCode: 190310, retryAfterSec: 1 });
    // Without honouring Retry-After the client would wait 10 minutes and the test would time out.
    const client = clientFor(sim, { retry: { ...FAST_RETRY, rateLimitDelayMs: 600_000 } });
    const addresses = await client.getMeetingAddresses(recording.meetingRecordId);
    expect(addresses.record_files).toHaveLength(1);
    expect(sim.counters.endpoints.addresses.byErrorCode).toEqual({ '190310': 1 });
    expect(sim.counters.endpoints.addresses.requests).toBe(2);
  });

  it('does not retry the daily quota (190311) inline but marks it retryable for the queue', async () => {
    await start();
    sim.faults.rateLimit('records', 1, { errorCode: 190311 });
    const error = await caught(clientFor(sim).listRecords({ userid: 'a', startTimeSec: 0, endTimeSec: 1 }));
    expect(error).toMatchObject({ errorCode: 190311, retryable: true, isRateLimit: true });
    expect(sim.counters.endpoints.records.requests).toBe(1);
  });

  it('never retries a signature failure (200003, HTTP 500) or bad credentials (190303)', async () => {
    await start();
    const badKey = await caught(clientFor(sim, {}, { TENCENT_MEETING_SECRET_KEY: 'wrong-secret-key' }).listCorpRecords({ startTimeSec: 0, endTimeSec: 10 }));
    expect(badKey).toMatchObject({ errorCode: 200003, httpStatus: 500, retryable: false, tencentMessage: 'Signature failed' });
    expect(badKey.message).not.toContain('wrong-secret-key');
    const badApp = await caught(clientFor(sim, {}, { TENCENT_MEETING_APP_ID: '1' }).listCorpRecords({ startTimeSec: 0, endTimeSec: 10 }));
    expect(badApp).toMatchObject({ errorCode: 190303, newErrorCode: 200190303, httpStatus: 400, retryable: false });
    expect(sim.counters.endpoints.corpRecords.requests).toBe(2);
  });

  it('keeps corp/records under its per-minute budget client-side (fake clock shared with the simulator)', async () => {
    let clock = T0;
    const fake = { now: () => clock, sleep: async (ms: number) => void (clock += ms) };
    await start({ rateLimitNow: fake.now });
    for (let i = 0; i < 45; i += 1) sim.model.createMeeting({ subject: `c${i}`, hostUserId: 'alice', startTimeMs: T0 + i * 60_000 });
    const range = { startTimeSec: sec(T0), endTimeSec: sec(T0 + DAY_MS), pageSize: 2 };

    const limited = clientFor(sim, { limiters: { corpRecords: new SlidingWindowRateLimiter({ limit: 10, windowMs: 60_000, ...fake }) } });
    const all = await collect(corpRecordPages(limited, range));
    expect(new Set(all.map((m) => m.meeting_record_id)).size).toBe(45);
    expect(sim.counters.endpoints.corpRecords).toMatchObject({ requests: 23, rejected: 0 });
    expect(clock - T0).toBeGreaterThanOrEqual(2 * 60_000); // it waited for two windows to free up

    // Control: without the client-side budget the simulator refuses the 11th call in the window.
    clock += 120_000;
    sim.counters.reset();
    const unlimited = clientFor(sim, { limiters: { corpRecords: UNLIMITED }, retry: { limit: 0 } });
    const refused = await caught(collect(corpRecordPages(unlimited, range)));
    expect(refused).toMatchObject({ errorCode: 190313, retryable: true });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(sim.counters.endpoints.corpRecords).toMatchObject({ requests: 11, rejected: 1 });
  });

  it('sends exactly the documented headers, with SdkId only when one is assigned', async () => {
    await start();
    await clientFor(sim).listCorpRecords({ startTimeSec: 0, endTimeSec: 10 });
    const headers = sim.counters.log.at(-1)!.headers;
    expect(headers).toMatchObject({
      'Content-Type': 'application/json',
      'X-TC-Key': sim.credentials.secretId,
      AppId: sim.credentials.appId,
      SdkId: sim.credentials.sdkId,
      'X-TC-Registered': '1',
    });
    expect(headers['X-TC-Timestamp']).toMatch(/^\d{10}$/);
    expect(headers['X-TC-Nonce']).toMatch(/^\d+$/);
    expect(headers['X-TC-Signature']).toHaveLength(88);
    await sim.stop();

    await start({ credentials: { sdkId: null } });
    expect(sim.env().TENCENT_MEETING_SDK_ID).toBeUndefined();
    await clientFor(sim).listCorpRecords({ startTimeSec: 0, endTimeSec: 10 });
    expect(Object.keys(sim.counters.log.at(-1)!.headers)).not.toContain('SdkId');
  });

  it('works in OAuth mode (AccessToken + OpenId, no signature); corp/records refuses OAuth', async () => {
    await start();
    sim.model.createMeeting({ subject: 'mine', hostUserId: sim.credentials.operatorId, startTimeMs: T0, files: [{ sizeBytes: 5 }] });
    sim.model.createMeeting({ subject: 'not mine', hostUserId: 'alice', startTimeMs: T0 });
    const client = new TencentMeetingClient(
      parseTencentConfig({
        TENCENT_MEETING_API_BASE: sim.url,
        TENCENT_MEETING_AUTH_MODE: 'oauth',
        TENCENT_MEETING_ACCESS_TOKEN: sim.credentials.accessToken,
        TENCENT_MEETING_OPEN_ID: sim.credentials.openId,
      }),
      { retry: FAST_RETRY },
    );
    const mine = await client.listRecords({ startTimeSec: sec(T0), endTimeSec: sec(T0 + DAY_MS) });
    expect(mine.record_meetings.map((m) => m.subject)).toEqual(['mine']);
    const headers = sim.counters.log.at(-1)!.headers;
    expect(headers).toMatchObject({ AccessToken: sim.credentials.accessToken, OpenId: sim.credentials.openId });
    expect(headers['X-TC-Signature']).toBeUndefined();
    expect(headers['X-TC-Key']).toBeUndefined();

    expect(await caught(client.listCorpRecords({ startTimeSec: 0, endTimeSec: 10 }))).toMatchObject({ errorCode: 9042, retryable: false });
    const badToken = new TencentMeetingClient({ ...client.config, auth: { mode: 'oauth', accessToken: 'nope', openId: sim.credentials.openId } });
    expect(await caught(badToken.listRecords({ startTimeSec: 0, endTimeSec: 10 }))).toMatchObject({ errorCode: 190303 });
  });

  it('keeps ids exact when the API prints them as bare JSON numbers', async () => {
    await start();
    const recording = sim.model.createMeeting({ subject: 'n', hostUserId: 'alice', startTimeMs: T0, files: [{ sizeBytes: 1 }] });
    sim.faults.numericIds = true;
    const list = await clientFor(sim).listRecords({ userid: 'alice', startTimeSec: sec(T0), endTimeSec: sec(T0) });
    expect(sim.counters.log.length).toBe(1);
    const meeting = list.record_meetings[0]!;
    expect(meeting.meeting_record_id).toBe(recording.meetingRecordId);
    expect(meeting.record_files[0]!.record_file_id).toBe(recording.files[0]!.recordFileId);
    expect(Number(recording.files[0]!.recordFileId)).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
  });

  it('turns network failures into retryable errors after retrying', async () => {
    await start();
    const url = sim.url;
    await sim.stop();
    const client = new TencentMeetingClient(parseTencentConfig({ ...sim.env(), TENCENT_MEETING_API_BASE: url }), { retry: { ...FAST_RETRY, limit: 1 } });
    const error = await caught(client.getRecordSettings('1'));
    expect(error).toMatchObject({ httpStatus: undefined, errorCode: undefined, retryable: true });
    expect(error).not.toBeInstanceOf(TencentGoneError);
  });
});
