// The archive API and what the whole system lets out. The archive is seeded through the REAL ingest
// path (simulator over HTTP → signed webhook → SQS → ingest → S3 + DynamoDB, plus a reconcile sweep
// over corp/records) from a recording whose sharing has a password, a sharing_url and allow_download,
// so Tencent hands out download_address links in corp/records and in /v1/addresses. Then:
//   - every archive route refuses requests without the bearer token, with a wrong one, or with the
//     token under another scheme: 401 in Tencent's error shape, and no archive data;
//   - with the token every route works, and its presigned links are short-lived and point at the
//     archive bucket, never at Tencent;
//   - no response body, no log line of webhook + ingest + reconcile + query (the product's Powertools
//     loggers, captured on stdout), and no index item carries the sharing password, the app's
//     SecretId/SecretKey, the webhook token, the AES key, the STS token, the sharing_url or a source
//     download link.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../../shared/observability/logger.ts';
import { createQueryHandler, type QueryHandler } from '../../functions/query/handler.ts';
import { createReconcileHandler } from '../../functions/reconcile/handler.ts';
import { createLambdaContext } from '../../infra/local/lambda-context.ts';
import { loadTencentConfigFromEnv } from '../../shared/tencent/config.ts';
import { fileStatus } from '../../shared/archive/model.ts';
import { meetingFromRecording, recordingCompletedEvent, stsTokenEvent } from '../../infra/local/simulator/webhook-events.ts';
import type { SimMeetingRecording } from '../../infra/local/simulator/model.ts';
import { startHarness, type Harness } from '../support/ingest-harness.ts';
import { tableAndQueueOf } from '../support/aws.ts';
import { captureOutput, leaks, scanTable, type CapturedOutput } from './support.ts';

const API_TOKEN = `archive-${randomBytes(12).toString('hex')}`;
const PASSWORD = `Pw${randomBytes(6).toString('hex')}`;
const SHARING_URL = `https://meeting.tencent.com/crm/share-${randomBytes(8).toString('hex')}`;
const SUBJECT = 'security review 安全评审';
const KiB = 1024;

interface Seen {
  readonly label: string;
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly raw: string;
  readonly body: any;
}

function apiEvent(path: string, query: Record<string, string | number>, headers: Record<string, string>, method = 'GET'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString(),
    headers,
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'security' }, requestId: 'security' } as never,
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

/** Every URL-looking string anywhere in a JSON value. */
function urlsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^https?:\/\//.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(urlsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(urlsIn);
  return [];
}

describe('archive API access control and secret hygiene, on an archive seeded through the real ingest path', () => {
  let h: Harness;
  let output: CapturedOutput;
  let query: QueryHandler;
  let recording: SimMeetingRecording;
  let fileId: string;
  let routes: Array<{ name: string; path: string; query: Record<string, string | number> }>;
  /** Tencent's own answers (what must not leak): download links and sharing fields. */
  const sourceLinks: string[] = [];
  const seen: Seen[] = [];

  async function call(label: string, path: string, q: Record<string, string | number>, headers: Record<string, string>, method = 'GET'): Promise<Seen> {
    const context = { awsRequestId: 'security', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
    const raw = (await query(apiEvent(path, q, headers, method), context)) as APIGatewayProxyStructuredResultV2;
    const text = String(raw.body ?? '');
    const response: Seen = { label, statusCode: raw.statusCode ?? 0, headers: (raw.headers ?? {}) as Record<string, string>, raw: text, body: text ? JSON.parse(text) : undefined };
    seen.push(response);
    return response;
  }

  beforeAll(async () => {
    // The product's loggers at their most verbose, captured from here on (they bind stdout when built).
    process.env.LOG_LEVEL = 'DEBUG';
    output = captureOutput();
    h = await startHarness({ simulator: { requireStsToken: true }, logger: createLogger('webhook-ingest') });
    const nowSec = Math.floor(Date.now() / 1000);

    recording = h.sim.model.createMeeting({
      subject: SUBJECT,
      hostUserId: h.sim.credentials.operatorId,
      files: [{ sizeBytes: 300 * KiB + 7, audioBytes: 40 * KiB, transcripts: [{ fileType: 'txt' }], aiTranscripts: [{ fileType: 'txt' }], aiMinutes: [{ fileType: 'docx' }] }],
      sharing: { sharingState: 1, password: PASSWORD, sharingUrl: SHARING_URL, allowDownload: true },
    });
    fileId = recording.files[0]!.recordFileId;

    // Precondition: Tencent really hands out the secrets this test looks for.
    const window = { startTimeSec: nowSec - 3600, endTimeSec: nowSec + 3600 };
    const corp = await h.tencent.listCorpRecords({ ...window, pageSize: 20, page: 1 });
    const corpFile = corp.record_meetings?.[0]?.record_files?.[0] as Record<string, unknown> | undefined;
    expect(corpFile).toMatchObject({ password: PASSWORD, sharing_url: SHARING_URL, allow_download: true, download_address: expect.stringContaining('/downloads/') });
    const addresses = await h.tencent.getFileAddress(fileId, { stsToken: h.sim.credentials.stsToken });
    sourceLinks.push(...urlsIn(corp), ...urlsIn(addresses));
    expect(sourceLinks.some((link) => link.includes('/downloads/'))).toBe(true);

    // Source hiccups on the way, so the error and retry paths log too.
    h.sim.downloads.faults.failNext(2, 503);
    h.sim.downloads.faults.resetAfterBytes(100 * KiB);
    h.sim.faults.serverErrors('fileAddress', 1);

    // The STS token arrives by webhook first (apps created from 2026-01-16 need it on /v1/addresses).
    expect(await h.deliver(stsTokenEvent(h.sim.credentials.stsToken, nowSec + 3600))).toMatchObject({ statusCode: 200 });
    expect((await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]))).statusCode).toBe(200);
    let drained = await h.drain();
    for (let round = 0; drained.failed > 0 && round < 5; round++) drained = await h.drain();
    expect(fileStatus((await h.index.getRecordFile(fileId))!)).toBe('archived');

    // A second recording whose copy fails outright first (every link answers 403 as expired), so
    // the failure paths log their errors too; then the source recovers and it is archived.
    const second = h.sim.model.createMeeting({
      subject: `${SUBJECT} (2)`,
      hostUserId: h.sim.credentials.operatorId,
      files: [{ sizeBytes: 64 * KiB }],
      sharing: { sharingState: 1, password: PASSWORD, sharingUrl: SHARING_URL, allowDownload: true },
    });
    expect((await h.deliver(recordingCompletedEvent(meetingFromRecording(second), [second.files[0]!.recordFileId]))).statusCode).toBe(200);
    h.sim.downloads.faults.expireAllLinks(true);
    expect((await h.drain({ maxInvocations: 1 })).failed).toBe(1);
    h.sim.downloads.faults.expireAllLinks(false);
    drained = await h.drain();
    expect(fileStatus((await h.index.getRecordFile(second.files[0]!.recordFileId))!)).toBe('archived');

    // A reconcile sweep over corp/records (whose answers carry download_address and password).
    const reconcile = createReconcileHandler({
      ...tableAndQueueOf(h.resources),
      tencent: async () => loadTencentConfigFromEnv(h.sim.env()),
      windowHours: 2,
      reserveMs: 1_000,
      logger: createLogger('reconcile'),
    });
    const { context } = createLambdaContext({ functionName: 'reconcile', timeoutMs: 60_000 });
    const swept = await reconcile({}, context);
    expect(swept.status).toBe('complete');
    expect(swept.run?.files).toBeGreaterThan(0);
    await h.drain();

    query = createQueryHandler({
      dynamo: h.resources.clients.dynamo,
      s3: h.resources.clients.s3,
      tableName: h.resources.tableName,
      bucketName: h.resources.bucketName,
      apiToken: API_TOKEN,
      logger: createLogger('archive-query'),
    });
    const range = { start_time: recording.mediaStartTimeMs / 1000 - 3600, end_time: recording.mediaStartTimeMs / 1000 + 3600 };
    const sec = (v: number) => Math.floor(v);
    routes = [
      { name: 'user records', path: '/v1/records', query: { userid: recording.hostUserId, start_time: sec(range.start_time), end_time: sec(range.end_time) } },
      { name: 'corp records', path: '/v1/corp/records', query: { start_time: sec(range.start_time), end_time: sec(range.end_time) } },
      { name: 'record detail', path: `/v1/records/${recording.meetingRecordId}`, query: {} },
      { name: 'file addresses', path: `/v1/addresses/${fileId}`, query: {} },
      { name: 'corp records (stage prefix)', path: '/prod/v1/corp/records', query: { start_time: sec(range.start_time), end_time: sec(range.end_time) } },
      { name: 'file addresses (stage prefix)', path: `/prod/v1/addresses/${fileId}`, query: {} },
    ];
  }, 120_000);

  afterAll(async () => {
    output?.restore();
    delete process.env.LOG_LEVEL;
    await h?.stop();
  });

  const UNAUTHORIZED: Array<[string, Record<string, string>]> = [
    ['no credentials', {}],
    ['a wrong bearer token', { authorization: 'Bearer not-the-archive-token' }],
    ['an empty bearer token', { authorization: 'Bearer ' }],
    ['the scheme alone', { authorization: 'Bearer' }],
    ['the token with a suffix', { authorization: `Bearer ${API_TOKEN}x` }],
    ['a prefix of the token', { authorization: `Bearer ${API_TOKEN.slice(0, -1)}` }],
    ['the token in upper case', { authorization: `Bearer ${API_TOKEN.toUpperCase()}` }],
    ['the token twice', { authorization: `Bearer ${API_TOKEN}, Bearer ${API_TOKEN}` }],
    ['the token under Basic', { authorization: `Basic ${Buffer.from(`user:${API_TOKEN}`).toString('base64')}` }],
    ['the token under Basic, raw', { authorization: `Basic ${API_TOKEN}` }],
    ['the token under Token', { authorization: `Token ${API_TOKEN}` }],
    ['the bare token', { authorization: API_TOKEN }],
    ['the token in another header', { 'x-api-key': API_TOKEN, 'x-authorization': `Bearer ${API_TOKEN}` }],
    ['the token as a cookie', { cookie: `token=${API_TOKEN}` }],
  ];

  it('refuses every archive route without valid credentials: 401 in Tencent’s error shape, no data', async () => {
    for (const route of routes) {
      for (const [label, headers] of UNAUTHORIZED) {
        for (const method of ['GET', 'HEAD']) {
          const response = await call(`${route.name}: ${label} (${method})`, route.path, route.query, headers, method);
          expect({ route: route.name, label, method, status: response.statusCode }).toEqual({ route: route.name, label, method, status: 401 });
          expect(response.body).toEqual({ error_info: { error_code: 190303, message: 'missing or invalid bearer token' } });
          expect(response.headers['www-authenticate']).toBe('Bearer');
          expect(leaks(response.raw, { meetingRecordId: recording.meetingRecordId, meetingId: recording.meetingId, fileId, subject: SUBJECT, bucket: h.resources.bucketName })).toEqual([]);
        }
      }
      // A token in the query string is no credential either.
      const inQuery = await call(`${route.name}: token in the query`, route.path, { ...route.query, access_token: API_TOKEN, token: API_TOKEN }, {});
      expect(inQuery.statusCode).toBe(401);
      // Other methods learn nothing about the archive either.
      const posted = await call(`${route.name}: POST`, route.path, route.query, {}, 'POST');
      expect(posted.statusCode).toBe(405);
      expect(leaks(posted.raw, { meetingRecordId: recording.meetingRecordId, fileId, subject: SUBJECT })).toEqual([]);
    }
  });

  it('serves every route with the bearer token (any case of the scheme)', async () => {
    for (const route of routes) {
      for (const scheme of ['Bearer', 'bearer']) {
        const response = await call(`${route.name}: authorized`, route.path, route.query, { Authorization: `${scheme} ${API_TOKEN}` });
        expect({ route: route.name, status: response.statusCode }).toEqual({ route: route.name, status: 200 });
        expect(response.raw).toContain(route.name.startsWith('file') ? fileId : recording.meetingRecordId);
        expect(response.headers['cache-control']).toBe('no-store');
      }
    }
    // The OpenAPI document is public by design, and holds no archive data.
    const doc = await call('openapi', '/openapi.json', {}, {});
    expect(doc.statusCode).toBe(200);
    expect(leaks(doc.raw, { meetingRecordId: recording.meetingRecordId, fileId, subject: SUBJECT })).toEqual([]);
  });

  it('gives presigned links that are short-lived and point at the archive bucket, never at Tencent', async () => {
    const endpoint = new URL(process.env.TEST_AWS_ENDPOINT!);
    const check = async (ttl: number | undefined) => {
      const handler = createQueryHandler({
        dynamo: h.resources.clients.dynamo,
        s3: h.resources.clients.s3,
        tableName: h.resources.tableName,
        bucketName: h.resources.bucketName,
        apiToken: API_TOKEN,
        ...(ttl !== undefined ? { presignTtlSeconds: ttl } : {}),
      });
      const raw = (await handler(apiEvent(`/v1/addresses/${fileId}`, {}, { authorization: `Bearer ${API_TOKEN}` }), {} as Context)) as APIGatewayProxyStructuredResultV2;
      const body = JSON.parse(String(raw.body));
      seen.push({ label: `addresses ttl ${ttl}`, statusCode: raw.statusCode ?? 0, headers: {}, raw: String(raw.body), body });
      const links = urlsIn(body);
      // video, audio, transcript, AI transcript, AI minutes
      expect(links.length).toBe(recording.files[0]!.artifacts.length);
      for (const link of links) {
        const url = new URL(link);
        expect(url.host).toBe(endpoint.host);
        expect(url.pathname.startsWith(`/${h.resources.bucketName}/recordings/`)).toBe(true);
        expect(url.host).not.toBe(new URL(h.sim.url).host);
        expect(link).not.toContain('/downloads/');
        expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
        expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
        const expires = Number(url.searchParams.get('X-Amz-Expires'));
        expect(expires).toBeGreaterThan(0);
        expect(expires).toBeLessThanOrEqual(3600);
      }
      return { body, links };
    };
    const { body, links } = await check(undefined);
    expect(Number(new URL(links[0]!).searchParams.get('X-Amz-Expires'))).toBe(600);
    for (const ttl of [86_400 * 7, 3601, -5]) await check(ttl);
    // The video link downloads the archived copy: exactly Tencent's record_size bytes.
    const video = await fetch(body.download_address as string);
    expect(video.status).toBe(200);
    expect((await video.arrayBuffer()).byteLength).toBe(recording.files[0]!.recordSize);
    // (That S3 refuses a link whose X-Amz-Expires was edited is AWS's SigV4 guarantee; the local
    // emulator does not check presigned signatures, so it is not asserted here.)
  });

  it('lets no secret or source link out: not in any response, any log line, or the index', async () => {
    const credentials = h.sim.credentials;
    const secrets: Record<string, string> = {
      sharingPassword: PASSWORD,
      sharingUrl: SHARING_URL,
      secretKey: credentials.secretKey,
      secretId: credentials.secretId,
      webhookToken: credentials.webhookToken,
      encodingAesKey: credentials.encodingAesKey,
      stsToken: credentials.stsToken,
      oauthAccessToken: credentials.accessToken,
      archiveApiToken: API_TOKEN,
      sourceDownloadPath: '/downloads/',
      sourceDownloadHost: `${h.sim.url}/downloads`,
    };
    // Each link Tencent handed to this test, and the signed token part of it.
    sourceLinks.forEach((link, i) => {
      secrets[`sourceLink${i}`] = link;
      const token = /\/downloads\/([^/]+)\//.exec(link)?.[1];
      if (token) secrets[`sourceLinkToken${i}`] = token;
    });

    // Responses: the bodies of the API, and the headers.
    expect(seen.filter((r) => r.statusCode === 200).length).toBeGreaterThan(10);
    const responses = seen.map((r) => `${r.label}\n${JSON.stringify(r.headers)}\n${r.raw}`).join('\n');
    expect(leaks(responses, secrets)).toEqual([]);
    // The archive never names the Tencent host at all.
    expect(responses).not.toContain(new URL(h.sim.url).host);

    // Logs of webhook + ingest + reconcile + query: capture worked, and nothing leaked.
    const logs = output.text();
    const entries = output.entries();
    const messages = new Set(entries.map((e) => e.message));
    for (const expected of ['webhook event enqueued', 'artifact archived', 'source read retry', 'artifact copy failed', 'message failed; it returns to the queue', 'reconcile sweep finished']) {
      expect(messages).toContain(expected);
    }
    const found = leaks(logs, secrets);
    if (found.length > 0) {
      const offending = entries.filter((entry) => leaks(JSON.stringify(entry), secrets).length > 0).map((entry) => entry.message);
      throw new Error(`secrets in log lines: ${found.join(', ')} (in: ${[...new Set(offending)].join(' | ')})`);
    }

    // The index stores none of them either (the STS token is stored on purpose, to be sent to Tencent).
    const { stsToken: _stored, ...notStored } = secrets;
    const items = JSON.stringify(await scanTable(h.resources));
    expect(items).toContain(fileId);
    expect(leaks(items, notStored)).toEqual([]);
  });
});
