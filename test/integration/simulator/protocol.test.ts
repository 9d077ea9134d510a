// The simulator's Tencent protocol checks, driven by hand-built requests over node:http so that the
// raw request target, header case and body are exactly what each test says.
import { request as httpRequest } from 'node:http';
import type { Simulator } from '../../../infra/local/simulator/server.ts';
import { simulatorPerTest } from '../../support/simulator.ts';
import type { SimModelChange } from '../../../infra/local/simulator/model.ts';
import { newNonce, signRequest } from '../../../shared/tencent/signing.ts';

interface SendOptions {
  readonly method?: string;
  readonly target: string;
  readonly body?: string;
  /** Target the signature is computed over (defaults to the one sent). */
  readonly signedTarget?: string;
  /** Body the signature is computed over (defaults to the one sent). */
  readonly signedBody?: string;
  readonly timestamp?: string;
  readonly nonce?: string;
  readonly secretKey?: string;
  /** Replace or drop (undefined) headers of the default signed set. */
  readonly headers?: Record<string, string | undefined>;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: { error_info?: { error_code: number; new_error_code?: number; message: string } } & Record<string, unknown>;
}

let sim: Simulator;
const start = simulatorPerTest((started) => (sim = started));

function send(options: SendOptions): Promise<Answer> {
  const method = options.method ?? 'GET';
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? newNonce();
  const body = options.body ?? '';
  const c = sim.credentials;
  const signature = signRequest({
    secretId: c.secretId,
    secretKey: options.secretKey ?? c.secretKey,
    method,
    uri: options.signedTarget ?? options.target,
    body: options.signedBody ?? body,
    timestamp,
    nonce,
  });
  const merged: Record<string, string | undefined> = {
    'Content-Type': 'application/json',
    'X-TC-Key': c.secretId,
    'X-TC-Timestamp': timestamp,
    'X-TC-Nonce': nonce,
    'X-TC-Signature': signature,
    AppId: c.appId,
    ...(c.sdkId ? { SdkId: c.sdkId } : {}),
    'X-TC-Registered': '1',
    // Node sends a DELETE body unframed unless told its length.
    ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
    ...options.headers,
  };
  const headers = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
  const url = new URL(sim.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: options.target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : {} });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const nowSec = (): number => Math.floor(Date.now() / 1000);
const corp = (start: number, end: number, extra = ''): string => `/v1/corp/records?start_time=${start}&end_time=${end}${extra}`;

function expectTencentError(answer: Answer, status: number, code: number): void {
  expect(answer.status).toBe(status);
  expect(answer.json.error_info).toEqual(expect.objectContaining({ error_code: code, message: expect.any(String) }));
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
}

describe('simulator protocol checks', () => {
  it('accepts a correctly signed request', async () => {
    await start();
    const answer = await send({ target: corp(nowSec() - 3600, nowSec()) });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ total_count: 0, current_page: 1, record_meetings: [] });
  });

  it('refuses a wrong signature with 200003 "Signature failed"', async () => {
    await start();
    const answer = await send({ target: corp(0, 10), secretKey: 'not-the-key' });
    expectTencentError(answer, 500, 200003);
    expect(answer.json.error_info!.message).toBe('Signature failed');
    expect(sim.counters.endpoints.corpRecords).toMatchObject({ requests: 1, rejected: 1, byErrorCode: { '200003': 1 } });
  });

  it('verifies over the raw request target and raw body, not a normalised form', async () => {
    await start({ credentials: { operatorId: 'a+b' } });
    // Signed the unencoded `+`, sent %2B: a different request target, so a different signature.
    const mismatch = await send({
      target: '/v1/addresses?meeting_record_id=1&operator_id=a%2Bb&operator_id_type=1',
      signedTarget: '/v1/addresses?meeting_record_id=1&operator_id=a+b&operator_id_type=1',
    });
    expectTencentError(mismatch, 500, 200003);
    const del = '/v1/records?meeting_record_id=1&operator_id=a%2Bb&operator_id_type=1';
    const bodyMismatch = await send({ method: 'DELETE', target: del, body: '{"a": 1}', signedBody: '{"a":1}' });
    expectTencentError(bodyMismatch, 500, 200003);
    expectTencentError(await send({ method: 'DELETE', target: del, body: '{"a": 1}' }), 400, 9003);
    const ok = await send({ target: '/v1/addresses?meeting_record_id=1&operator_id=a%2Bb&operator_id_type=1' });
    expectTencentError(ok, 400, 9003); // authenticated; the recording just does not exist
  });

  it('refuses a timestamp more than 5 minutes off with 190300', async () => {
    await start();
    expectTencentError(await send({ target: corp(0, 10), timestamp: String(nowSec() - 301) }), 400, 190300);
    expectTencentError(await send({ target: corp(0, 10), timestamp: String(nowSec() + 301) }), 400, 190300);
    expectTencentError(await send({ target: corp(0, 10), headers: { 'X-TC-Timestamp': undefined } }), 400, 190300);
    expect((await send({ target: corp(0, 10), timestamp: String(nowSec() - 200) })).status).toBe(200);
  });

  it('refuses a replayed timestamp + nonce with 190301', async () => {
    await start();
    const timestamp = String(nowSec());
    const nonce = newNonce();
    expect((await send({ target: corp(0, 10), timestamp, nonce })).status).toBe(200);
    expectTencentError(await send({ target: corp(0, 10), timestamp, nonce }), 400, 190301);
    expect((await send({ target: corp(0, 10), timestamp, nonce: newNonce() })).status).toBe(200);
  });

  it('refuses an unknown X-TC-Key or AppId with 190303 (new_error_code 200190303)', async () => {
    await start();
    const unknownKey = await send({ target: corp(0, 10), headers: { 'X-TC-Key': 'AKIDunknown' } });
    expectTencentError(unknownKey, 400, 190303);
    expect(unknownKey.json.error_info!.new_error_code).toBe(200190303);
    expectTencentError(await send({ target: corp(0, 10), headers: { AppId: '123' } }), 400, 190303);
  });

  it('matches header names in any case, as Tencent does; headerCase "exact" plays a stricter server (open point #8)', async () => {
    await start();
    // SDK-GO's Header.Set canonicalises: X-Tc-Key, Appid, Sdkid, X-Tc-Signature.
    const canonical = (c: Simulator['credentials']) => ({
      'X-TC-Key': undefined,
      'X-Tc-Key': c.secretId,
      AppId: undefined,
      Appid: c.appId,
      ...(c.sdkId ? { SdkId: undefined, Sdkid: c.sdkId } : {}),
    });
    expect((await send({ target: corp(0, 10), headers: canonical(sim.credentials) })).status).toBe(200);
    expect((await send({ target: corp(0, 10), headers: { 'X-TC-Key': undefined, 'x-tc-key': sim.credentials.secretId } })).status).toBe(200);
    sim.settings.readings = { ...sim.settings.readings, headerCase: 'exact' };
    expectTencentError(await send({ target: corp(0, 10), headers: canonical(sim.credentials) }), 400, 190303);
  });

  it('refuses an SdkId sent when none is assigned, and a missing one when assigned (190303)', async () => {
    await start({ credentials: { sdkId: null } });
    expect((await send({ target: corp(0, 10) })).status).toBe(200);
    expectTencentError(await send({ target: corp(0, 10), headers: { SdkId: '20000001' } }), 400, 190303);
    await sim.stop();
    await start();
    expectTencentError(await send({ target: corp(0, 10), headers: { SdkId: undefined } }), 400, 190303);
  });

  it('refuses a window over 31 days and missing start/end with 190004', async () => {
    await start();
    const t = nowSec();
    expect((await send({ target: corp(t - 31 * 86_400, t) })).status).toBe(200);
    expectTencentError(await send({ target: corp(t - 31 * 86_400 - 1, t) }), 400, 190004);
    expectTencentError(await send({ target: `/v1/records?userid=a&start_time=${t - 32 * 86_400}&end_time=${t}` }), 400, 190004);
    expectTencentError(await send({ target: `/v1/corp/records?end_time=${t}` }), 400, 190004);
    expectTencentError(await send({ target: `/v1/corp/records?start_time=${t}` }), 400, 190004);
    expectTencentError(await send({ target: corp(t, t - 1) }), 400, 190004);
  });

  it('caps page_size at 20 for record lists and 50 for addresses (190004)', async () => {
    await start();
    const recording = sim.model.createMeeting({ subject: 'p', hostUserId: sim.credentials.operatorId, files: [{ sizeBytes: 1 }] });
    expect((await send({ target: corp(0, 10, '&page_size=20') })).status).toBe(200);
    expectTencentError(await send({ target: corp(0, 10, '&page_size=21') }), 400, 190004);
    expectTencentError(await send({ target: corp(0, 10, '&page=0') }), 400, 190004);
    const addresses = (size: number): string =>
      `/v1/addresses?meeting_record_id=${recording.meetingRecordId}&operator_id=${sim.credentials.operatorId}&operator_id_type=1&page_size=${size}`;
    expect((await send({ target: addresses(50) })).status).toBe(200);
    expectTencentError(await send({ target: addresses(51) }), 400, 190004);
  });

  it('pages record lists with Tencent’s paging fields', async () => {
    await start();
    const t = Date.now();
    for (let i = 0; i < 25; i += 1) sim.model.createMeeting({ subject: `m${i}`, hostUserId: 'u', startTimeMs: t - i * 1000 });
    const page2 = await send({ target: corp(Math.floor(t / 1000) - 3600, Math.floor(t / 1000) + 1, '&page_size=10&page=3') });
    expect(page2.json).toMatchObject({ total_count: 25, current_size: 5, current_page: 3, total_page: 3 });
  });

  it('rate-limits per app (190310) and corp/records per minute (190313), with Retry-After', async () => {
    let clock = 1_000_000;
    await start({ rateLimitNow: () => clock, rateLimits: { appPerWindow: 5, corpRecordsPerWindow: 2 } });
    expect((await send({ target: corp(0, 10) })).status).toBe(200);
    expect((await send({ target: corp(0, 10) })).status).toBe(200);
    const corpLimited = await send({ target: corp(0, 10) });
    expectTencentError(corpLimited, 400, 190313);
    expect(Number(corpLimited.headers['retry-after'])).toBeGreaterThan(0);
    const other = `/v1/records?operator_id=a&operator_id_type=1&start_time=0&end_time=10`;
    expect((await send({ target: other })).status).toBe(200);
    expect((await send({ target: other })).status).toBe(200);
    expect((await send({ target: other })).status).toBe(200);
    expectTencentError(await send({ target: other }), 400, 190310);
    expect(sim.counters.endpoints.corpRecords).toMatchObject({ requests: 3, rejected: 1 });
    expect(sim.counters.endpoints.records).toMatchObject({ requests: 4, rejected: 1 });
    clock += 60_000;
    expect((await send({ target: corp(0, 10) })).status).toBe(200);
  });

  it('sends no Retry-After on rate-limit refusals when the readings say so (open point #15)', async () => {
    await start({ readings: { retryAfter: false }, rateLimits: { corpRecordsPerWindow: 1 } });
    expect((await send({ target: corp(0, 10) })).status).toBe(200);
    const limited = await send({ target: corp(0, 10) });
    expectTencentError(limited, 400, 190313);
    expect(limited.headers['retry-after']).toBeUndefined();
    sim.faults.rateLimit('records', 1, { errorCode: 190310, retryAfterSec: 5 });
    const injected = await send({ target: `/v1/records?operator_id=a&operator_id_type=1&start_time=0&end_time=10` });
    expectTencentError(injected, 400, 190310);
    expect(injected.headers['retry-after']).toBeUndefined();
  });

  it('answers the operator form the account does not accept with an undocumented code or an empty list (open points #2, #3)', async () => {
    await start({ profile: 'seed' });
    const operator = sim.credentials.operatorId;
    const recording = sim.model.createMeeting({ subject: 'f', hostUserId: operator, files: [{ sizeBytes: 3 }] });
    const window = `start_time=${nowSec() - 3600}&end_time=${nowSec() + 60}`;
    const sdk = `operator_id=${operator}&operator_id_type=1`;
    const refused = await send({ target: `/v1/records?${sdk}&${window}` });
    expect(refused.status).toBe(400);
    expect([190004, 190303, 9042, 4051, 9003]).not.toContain(refused.json.error_info!.error_code);
    const listed = await send({ target: `/v1/records?userid=${operator}&${window}` });
    expect(listed.json.total_count).toBe(1);
    // A room is named the same way in both forms.
    expect((await send({ target: `/v1/records?operator_id=room-1&operator_id_type=3&${window}` })).json.error_info?.error_code).not.toBe(refused.json.error_info!.error_code);
    sim.settings.readings = { ...sim.settings.readings, otherFormAnswer: 'empty' };
    expect((await send({ target: `/v1/records?${sdk}&${window}` })).json).toMatchObject({ total_count: 0, record_meetings: [] });
    const fileTarget = `/v1/addresses/${recording.files[0]!.recordFileId}`;
    expect((await send({ target: `${fileTarget}?${sdk}` })).json).not.toHaveProperty('download_address');
    expect((await send({ target: `${fileTarget}?userid=${operator}` })).json).toHaveProperty('download_address');
    expect((await send({ target: `/v1/addresses?meeting_record_id=${recording.meetingRecordId}&${sdk}` })).json).toMatchObject({ record_files: [] });
  });

  it('requires the STS-Token on /v1/addresses/{id} only when switched on', async () => {
    await start();
    const recording = sim.model.createMeeting({ subject: 's', hostUserId: sim.credentials.operatorId, files: [{ sizeBytes: 3 }] });
    const target = `/v1/addresses/${recording.files[0]!.recordFileId}?operator_id=${sim.credentials.operatorId}&operator_id_type=1`;
    expect((await send({ target })).status).toBe(200);
    sim.settings.requireStsToken = true;
    expectTencentError(await send({ target }), 400, 190303);
    expect((await send({ target, headers: { 'STS-Token': sim.credentials.stsToken } })).status).toBe(200);
  });

  it('accepts OAuth (AccessToken + OpenId, no signature) when enabled', async () => {
    await start();
    const oauthHeaders = {
      'X-TC-Key': undefined,
      'X-TC-Signature': undefined,
      AppId: undefined,
      SdkId: undefined,
      AccessToken: sim.credentials.accessToken,
      OpenId: sim.credentials.openId,
    };
    expect((await send({ target: `/v1/records?start_time=0&end_time=10`, headers: oauthHeaders })).status).toBe(200);
    expectTencentError(await send({ target: `/v1/records?start_time=0&end_time=10`, headers: { ...oauthHeaders, AccessToken: 'x' } }), 400, 190303);
    sim.settings.allowOAuth = false;
    expectTencentError(await send({ target: `/v1/records?start_time=0&end_time=10`, headers: oauthHeaders }), 400, 190303);
  });

  it('deletes recordings and files through the REST API, announcing each change', async () => {
    await start();
    const changes: SimModelChange[] = [];
    sim.model.on('change', (change) => changes.push(change));
    const a = sim.model.createMeeting({ subject: 'a', hostUserId: 'alice', files: [{ sizeBytes: 10 }, { sizeBytes: 20 }] });
    const b = sim.model.createMeeting({ subject: 'b', hostUserId: 'alice', files: [{ sizeBytes: 30 }] });
    const op = `operator_id=${sim.credentials.operatorId}&operator_id_type=1`;

    const first = a.files[0]!; // `a` is live: deleting replaces its files array
    const detail = await send({ target: `/v1/addresses/${first.recordFileId}?${op}` });
    const oldLink = detail.json.download_address as string;
    expect((await fetch(oldLink)).status).toBe(200);

    const delFile = await send({ method: 'DELETE', target: `/v1/records/${first.recordFileId}?meeting_id=${a.meetingId}&${op}` });
    expect(delFile.status).toBe(200);
    expect(delFile.json).toEqual({});
    expect(changes.at(-1)).toMatchObject({ type: 'file.deleted', file: { recordFileId: first.recordFileId }, operatorId: sim.credentials.operatorId });
    expect((await fetch(oldLink)).status).not.toBe(200);
    expectTencentError(await send({ target: `/v1/addresses/${first.recordFileId}?${op}` }), 400, 4051);
    expect(sim.model.getRecording(a.meetingRecordId)!.files).toHaveLength(1);

    const delRecording = await send({ method: 'DELETE', target: `/v1/records?meeting_record_id=${b.meetingRecordId}&${op}` });
    expect(delRecording.status).toBe(200);
    expect(changes.at(-1)).toMatchObject({ type: 'recording.deleted', recording: { meetingRecordId: b.meetingRecordId } });
    expectTencentError(await send({ target: `/v1/addresses?meeting_record_id=${b.meetingRecordId}&${op}` }), 400, 4051);
    expectTencentError(await send({ method: 'DELETE', target: `/v1/records?meeting_record_id=1000000000000000000&${op}` }), 400, 9003);
  });

  it('refuses recordings the operator may not see (9042)', async () => {
    await start();
    const recording = sim.model.createMeeting({ subject: 'private', hostUserId: 'alice', files: [{ sizeBytes: 1 }] });
    sim.model.addUser({ userid: 'mallory' });
    expectTencentError(await send({ target: `/v1/addresses?meeting_record_id=${recording.meetingRecordId}&operator_id=mallory&operator_id_type=1` }), 400, 9042);
    expect((await send({ target: `/v1/addresses?meeting_record_id=${recording.meetingRecordId}&operator_id=alice&operator_id_type=1` })).status).toBe(200);
  });
});
