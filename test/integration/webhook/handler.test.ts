// The real webhook handler against DynamoDB Local + fauxqs: what Tencent (or an attacker) sends,
// what ends up on the queue and in the table.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DeleteCommand, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createTestResources, drainQueue } from '../../support/aws.ts';
import { webhookHandlerOn } from '../../support/webhook.ts';
import { keys } from '../../../shared/archive/table-design.ts';
import { createLambdaContext } from '../../../infra/local/lambda-context.ts';
import { ACK_BODY, createWebhookHandler, handler as lambdaEntry } from '../../../functions/webhook/handler.ts';
import { encodeWebhookData, webhookSignature } from '../../../shared/webhook/codec.ts';
import { claimEvent } from '../../../shared/webhook/dedupe.ts';
import { StsTokenStore } from '../../../shared/tencent/sts-token-store.ts';
import { ParkedEventStore } from '../../../shared/webhook/parked-events.ts';
import { completedDoc, deletedDoc, statusDoc, stsTokenDoc, applyDoc } from '../../unit/webhook/fixtures.ts';

const TOKEN = 'bVPU6F8Htxl5XkAbp3jGV2xWp';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
// Reference §2.5 vectors.
const CHECK_STR = 'v5WHRikwMCb9eKazGpVeHR9E8LH3Fs/jBSsVAWE5zTg=';
const POST_AES_DATA =
  'GrTTf3F7pcUwilO/MnQ3W57NDbf3YhQDII+efhT8dhJaSM8/NKNlcu20YCs8CkV0trzkVF/sCtavCZ9Wa8Y+rN7lzW1lNsHTlF7Gix7UOD6SmgA+VxH///fWEs2EGXkgl+nIV2UsaU5/AWUQoeP8gZTUw2heynqQwAkAu1zlB52px+X48Q3OXmKA5MfVHQmoeLftiuYtMgtLCjkR7FYkF5DSCeGNOAuKEv1nI1XRIiaKhtqyNuipObnIvj70xrsRJzXDVStglfeurJTbZEqsJu7dPmR6lJkNO60eKUrRljbuq1w6ri/HwoFvQGcJyHW6wC8ZSJ77eEN43JAtUO2Cp6LJh9gfX6XorYEZ0hAaJafmCDnM3xzY7Pawkp/A5e/Y1xd3dNT5hAsqLdtSScx88genrKxynNYIj1YPkBEoelAupwdDk+88Iqhb/eTRmyOiQrpbUn4xTDvqaIiJhzIf6dAQ5CtnmVt7zp34/pU5MGEGJwELxjzXvGIxh7OjSoMjfs4U7hitATOuUrtST4/Me0L5vH2Ygu4d64SiwaTzuj/03U2hUZ0DIYuE0SOuonz97raWq7O7S5Lm8eYCciErzcKK9Yv8NOr77OjBhHG1vEVHxxSjqSKLsGYZ+DqLO1gLalZWWodfvLYHmnUN00eYjSo3300tt3TCY+HhUuRzRoY=';

const VECTOR_NOW_MS = 1_700_000_001_000;

type Resources = Awaited<ReturnType<typeof createTestResources>>;
let resources: Resources;
let output: string[];

beforeAll(async () => {
  resources = await createTestResources();
});

beforeEach(async () => {
  // A fresh table and queue per test: "changes nothing" is then simply "empty".
  resources = await createTestResources(resources.clients);
  output = [];
  // Powertools writes logs and EMF metrics to stdout; capture them (secrets must never appear).
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
  }
});

afterEach(() => jest.restoreAllMocks());

function makeHandler(overrides: Partial<Parameters<typeof createWebhookHandler>[0]> = {}, mode: 'aes' | 'plain' = 'aes') {
  const metrics = new Metrics({ namespace: 'test', serviceName: 'webhook' });
  const addMetric = jest.spyOn(metrics, 'addMetric');
  const handler = webhookHandlerOn(resources, {
    token: TOKEN,
    ...(mode === 'aes' ? { encodingAesKey: AES_KEY } : {}),
    logger: new Logger({ serviceName: 'webhook-test', logLevel: 'DEBUG' }),
    metrics,
    // The reference vectors' time, so their timestamps are inside the replay window.
    now: () => VECTOR_NOW_MS,
    ...overrides,
  } as Parameters<typeof webhookHandlerOn>[1]);
  const invoke = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const { context } = createLambdaContext({ functionName: 'webhook', timeoutMs: 10_000 });
    return (await handler(event, context as Context)) as APIGatewayProxyStructuredResultV2;
  };
  return { invoke, addMetric };
}

function httpEvent(method: string, init: { headers?: Record<string, string>; query?: Record<string, string>; body?: string; isBase64Encoded?: boolean } = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} /webhooks/tencent-meeting`,
    rawPath: '/webhooks/tencent-meeting',
    rawQueryString: new URLSearchParams(init.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    ...(init.query ? { queryStringParameters: init.query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: '/webhooks/tencent-meeting', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r',
      routeKey: `${method} /webhooks/tencent-meeting`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: init.isBase64Encoded ?? false,
    ...(init.body !== undefined ? { body: init.body } : {}),
  };
}

let nonceCounter = 0;
function signed(data: string, token = TOKEN, timestamp = '1700000001000') {
  const nonce = String(10_000_000 + ++nonceCounter);
  return { timestamp, nonce, signature: webhookSignature(token, timestamp, nonce, data) };
}

function postEvent(plaintext: string, options: { mode?: 'aes' | 'plain'; token?: string; timestamp?: string } = {}): APIGatewayProxyEventV2 {
  const data = encodeWebhookData(plaintext, (options.mode ?? 'aes') === 'aes' ? AES_KEY : undefined);
  return httpEvent('POST', { headers: signed(data, options.token, options.timestamp), body: JSON.stringify({ data }) });
}

const receiveAll = () => drainQueue(resources);

async function dedupeRecords(): Promise<Record<string, unknown>[]> {
  const scan = await resources.clients.dynamo.send(new ScanCommand({ TableName: resources.tableName }));
  return (scan.Items ?? []).filter((item) => String(item.pk).startsWith('EVENT#'));
}

async function expectNothingChanged(): Promise<void> {
  expect(await receiveAll()).toEqual([]);
  expect(await dedupeRecords()).toEqual([]);
}

function expectNoSecrets(...texts: (string | undefined)[]): void {
  for (const text of texts) {
    expect(text ?? '').not.toContain(TOKEN);
    expect(text ?? '').not.toContain(AES_KEY);
  }
}

describe('GET verification (check_str)', () => {
  it('answers the AES vector with exactly the plaintext, as text/plain', async () => {
    const { invoke } = makeHandler();
    const response = await invoke(
      httpEvent('GET', {
        query: { check_str: CHECK_STR },
        headers: { timestamp: '1700000000000', nonce: '12345678', signature: '9eaf8e804b651f896a25c4461440e41eddec837d' },
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('w1sNv0sY5Vd8QmZc');
    expect(response.headers?.['Content-Type']).toMatch(/^text\/plain/);
    await expectNothingChanged();
  });

  it('answers in plain mode, with mixed-case header names', async () => {
    const { invoke } = makeHandler({}, 'plain');
    const checkStr = encodeWebhookData('plain-check-123');
    const { timestamp, nonce, signature } = signed(checkStr);
    const response = await invoke(httpEvent('GET', { query: { check_str: checkStr }, headers: { Timestamp: timestamp, NONCE: nonce, Signature: signature } }));
    expect(response).toMatchObject({ statusCode: 200, body: 'plain-check-123' });
  });

  it('still verifies when a "+" in check_str arrived as a space', async () => {
    const { invoke } = makeHandler();
    let plaintext = '';
    let checkStr = '';
    for (let i = 0; !checkStr.includes('+'); i++) {
      plaintext = `heartbeat-${i}`;
      checkStr = encodeWebhookData(plaintext, AES_KEY);
    }
    const response = await invoke(httpEvent('GET', { query: { check_str: checkStr.replace(/\+/g, ' ') }, headers: signed(checkStr) }));
    expect(response).toMatchObject({ statusCode: 200, body: plaintext });
  });

  it('keeps answering repeated (heartbeat) verifications', async () => {
    const { invoke } = makeHandler();
    for (let i = 0; i < 3; i++) {
      const checkStr = encodeWebhookData(`beat-${i}`, AES_KEY);
      const response = await invoke(httpEvent('GET', { query: { check_str: checkStr }, headers: signed(checkStr) }));
      expect(response.body).toBe(`beat-${i}`);
    }
  });

  it('rejects a forged verification (401) and a missing check_str (400)', async () => {
    const { invoke } = makeHandler();
    const forged = await invoke(httpEvent('GET', { query: { check_str: CHECK_STR }, headers: signed(CHECK_STR, 'AnotherToken0123456789abc') }));
    expect(forged.statusCode).toBe(401);
    expect(forged.body).not.toContain('w1sNv0sY5Vd8QmZc');
    const missing = await invoke(httpEvent('GET', { headers: signed('x') }));
    expect(missing.statusCode).toBe(400);
    expectNoSecrets(forged.body, missing.body);
  });
});

describe('POST delivery', () => {
  it('enqueues the AES reference vector as one archive-file message and acknowledges', async () => {
    const { invoke } = makeHandler();
    const response = await invoke(
      httpEvent('POST', {
        headers: { timestamp: '1700000001000', nonce: '87654321', signature: 'e81f5f10b56debb08be336a03202fc8fe2ad4beb' },
        body: JSON.stringify({ data: POST_AES_DATA }),
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(ACK_BODY);
    expect(response.headers?.['Content-Type']).toMatch(/^text\/plain/);
    expect(await receiveAll()).toEqual([
      {
        kind: 'archive-file',
        reason: 'recording.completed',
        traceId: '7c1b0f5e-2a9d-4a63-9a4e-2f1c9c3d0a11',
        meetingId: '13339451618278424869',
        recordFileId: '1964787070499246081',
        // The week before operate_time (1700000000123 ms), never the meeting's own end_time.
        windowStartSec: 1700000000 - 7 * 86400,
        windowEndSec: 1700000000 + 86400,
        operateTimeMs: 1700000000123,
        occurrenceStartSec: 1699996400,
        creatorUserId: 'tester-2',
      },
    ]);
    const marker = await resources.clients.dynamo.send(new GetCommand({ TableName: resources.tableName, Key: keys.event('7c1b0f5e-2a9d-4a63-9a4e-2f1c9c3d0a11') }));
    // Claimed; the worker confirms it when it receives the message (marker-confirmation.test.ts).
    expect(marker.Item).toMatchObject({ status: 'pending' });
    expect(marker.Item?.ttl).toBeGreaterThan(Date.now() / 1000 + 6 * 86400);
  });

  it('enqueues in plain mode, including a body API Gateway base64-encoded', async () => {
    const { invoke } = makeHandler({}, 'plain');
    const plain = postEvent(JSON.stringify(completedDoc), { mode: 'plain' });
    expect((await invoke(plain)).body).toBe(ACK_BODY);
    const encoded = postEvent(JSON.stringify(deletedDoc), { mode: 'plain' });
    const asBase64 = { ...encoded, body: Buffer.from(encoded.body!).toString('base64'), isBase64Encoded: true };
    expect((await invoke(asBase64)).body).toBe(ACK_BODY);
    const messages = await receiveAll();
    expect(messages).toHaveLength(3);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'archive-file', recordFileId: '1318080818611111111' }),
        expect.objectContaining({ kind: 'archive-file', recordFileId: '1318080818611111112' }),
        expect.objectContaining({ kind: 'source-deleted', recordFileIds: ['1318080818611111111'] }),
      ]),
    );
  });

  it('sends more than one SQS batch when an event names more than ten files', async () => {
    const { invoke } = makeHandler();
    const files = Array.from({ length: 23 }, (_, i) => ({ record_file_id: String(5_000_000_000_000_000_000n + BigInt(i)) }));
    const doc = { ...completedDoc, payload: [{ ...completedDoc.payload[0], recording_files: files }] };
    expect((await invoke(postEvent(JSON.stringify(doc)))).body).toBe(ACK_BODY);
    const ids = (await receiveAll()).map((m) => (m as { recordFileId: string }).recordFileId).sort();
    expect(ids).toEqual(files.map((f) => f.record_file_id).sort());
  });

  it('enqueues a duplicated event (same trace_id, delivered 5 times) once', async () => {
    const { invoke } = makeHandler();
    const plaintext = JSON.stringify(statusDoc('recording.started'));
    const responses = await Promise.all(Array.from({ length: 5 }, () => invoke(postEvent(plaintext))));
    expect(responses.map((r) => [r.statusCode, r.body])).toEqual(Array.from({ length: 5 }, () => [200, ACK_BODY]));
    const messages = await receiveAll();
    expect(messages).toEqual([expect.objectContaining({ kind: 'recording-status', status: 'recording', traceId: 'trace-recording.started' })]);
  });

  it('dedupes a legacy event without trace_id by its content', async () => {
    const { invoke } = makeHandler();
    const { trace_id: _drop, ...noTrace } = statusDoc('recording.stopped');
    const plaintext = JSON.stringify(noTrace);
    for (let i = 0; i < 3; i++) expect((await invoke(postEvent(plaintext))).body).toBe(ACK_BODY);
    expect(await receiveAll()).toEqual([expect.objectContaining({ kind: 'recording-status', status: 'stopped' })]);
  });

  it('stores an STS token delivered by common.sts-token, and never puts it on the queue', async () => {
    const { invoke } = makeHandler();
    expect((await invoke(postEvent(JSON.stringify(stsTokenDoc)))).body).toBe(ACK_BODY);
    expect(await receiveAll()).toEqual([]);
    const stored = new StsTokenStore(resources.clients.dynamo, resources.tableName, () => 1752046225_000 - 60_000);
    expect(await stored.current()).toBe('sts-secret-value');
  });

  it('acknowledges an unknown event, counts it, and changes nothing', async () => {
    const { invoke, addMetric } = makeHandler();
    const response = await invoke(postEvent(JSON.stringify({ event: 'meeting.created', trace_id: 'u-1', payload: [{ operate_time: 1 }] })));
    expect(response).toMatchObject({ statusCode: 200, body: ACK_BODY });
    expect(addMetric).toHaveBeenCalledWith('WebhookUnknownEvent', expect.anything(), 1);
    await expectNothingChanged();
  });

  it('acknowledges recording.apply without enqueueing anything', async () => {
    const { invoke } = makeHandler();
    expect((await invoke(postEvent(JSON.stringify(applyDoc)))).body).toBe(ACK_BODY);
    await expectNothingChanged();
  });
});

describe('bad input changes nothing and says why', () => {
  const plaintext = JSON.stringify(completedDoc);
  const data = encodeWebhookData(plaintext, AES_KEY);
  const body = JSON.stringify({ data });

  const cases: Array<[string, () => APIGatewayProxyEventV2, number, RegExp]> = [
    ['missing signature headers', () => httpEvent('POST', { body }), 401, /missing_signature/],
    ['missing nonce only', () => httpEvent('POST', { headers: { ...signed(data), nonce: '' }, body }), 401, /missing_signature/],
    ['a wrong signature', () => httpEvent('POST', { headers: { ...signed(data), signature: '0'.repeat(40) }, body }), 401, /invalid_signature/],
    ['a signature from another token', () => httpEvent('POST', { headers: signed(data, 'AnotherToken0123456789abc'), body }), 401, /invalid_signature/],
    [
      'one byte of data changed after signing',
      () => {
        const tampered = `${data.slice(0, 10)}${data[10] === 'A' ? 'B' : 'A'}${data.slice(11)}`;
        return httpEvent('POST', { headers: signed(data), body: JSON.stringify({ data: tampered }) });
      },
      401,
      /invalid_signature/,
    ],
    ['a body that is not JSON', () => httpEvent('POST', { headers: signed(data), body: 'data=abc' }), 400, /invalid_body/],
    ['a body without data', () => httpEvent('POST', { headers: signed(data), body: '{"nodata":1}' }), 400, /invalid_body/],
    ['an oversized body', () => httpEvent('POST', { headers: signed(data), body: JSON.stringify({ data, pad: 'x'.repeat(70 * 1024) }) }), 413, /body_too_large/],
    ['a wrong method', () => httpEvent('PUT', { headers: signed(data), body }), 405, /method_not_allowed/],
  ];

  it.each(cases.map(([label, build, status, reason]) => ({ label, build, status, reason })))('$label → $status', async ({ build, status, reason }) => {
    const { invoke } = makeHandler();
    const response = await invoke(build());
    expect(response.statusCode).toBe(status);
    expect(response.body).toMatch(reason);
    expect(() => JSON.parse(response.body!)).not.toThrow();
    expectNoSecrets(response.body, JSON.stringify(response.headers));
    await expectNothingChanged();
  });

  it('never writes the token, the AES key, data or check_str into its logs', async () => {
    const { invoke } = makeHandler();
    const checkStr = encodeWebhookData('log-check', AES_KEY);
    await invoke(httpEvent('GET', { query: { check_str: checkStr }, headers: signed(checkStr) }));
    await invoke(postEvent(plaintext));
    await invoke(httpEvent('POST', { headers: signed(data, 'AnotherToken0123456789abc'), body }));
    const logs = output.join('');
    expect(logs).toContain('webhook event enqueued');
    expect(logs).toContain('1318080818611111111'); // ids are logged, so an operator can find the event
    for (const secret of [TOKEN, AES_KEY, data, checkStr, 'log-check']) expect(logs).not.toContain(secret);
  });
});

describe('validly signed events that do not fit are acknowledged and parked, never refused (open point #5)', () => {
  const plaintext = JSON.stringify(completedDoc);
  const drifted = JSON.stringify({ ...completedDoc, payload: [{ operate_time: 1700000000000, record_list: [{ file_id: '1318080818611111111' }] }] });
  const cases: Array<[string, () => APIGatewayProxyEventV2, string]> = [
    ['malformed base64', () => httpEvent('POST', { headers: signed('@@not*base64@@'), body: JSON.stringify({ data: '@@not*base64@@' }) }), 'decode'],
    [
      'AES data encrypted with another key',
      () => {
        const foreign = encodeWebhookData(plaintext, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg');
        return httpEvent('POST', { headers: signed(foreign), body: JSON.stringify({ data: foreign }) });
      },
      'decode',
    ],
    ['a plaintext that is not JSON', () => postEvent('this is not json'), 'parse'],
    ['a drifted shape (recording.completed with neither meeting_info nor recording_files)', () => postEvent(drifted), 'schema'],
  ];

  it.each(cases.map(([label, build, stage]) => ({ label, build, stage })))('$label → 200, one parked item ($stage), nothing enqueued', async ({ build, stage }) => {
    const { invoke, addMetric } = makeHandler();
    const response = await invoke(build());
    expect(response).toMatchObject({ statusCode: 200, body: ACK_BODY });
    expect(await receiveAll()).toEqual([]);
    expect(await dedupeRecords()).toEqual([]);
    const parked = await new ParkedEventStore(resources.clients.dynamo, resources.tableName).list();
    expect(parked).toEqual([expect.objectContaining({ status: 'parked', stage, deliveries: 1 })]);
    expect(addMetric).toHaveBeenCalledWith('WebhookEventParked', 'Count', 1);
    // Tencent's retry of the same event lands on the same item.
    await invoke(build());
    expect(await new ParkedEventStore(resources.clients.dynamo, resources.tableName).list()).toEqual([expect.objectContaining({ deliveries: 2 })]);
    expect(output.join('')).toContain('webhook event parked');
  });

  it('keeps no secret of a parked event: the STS token of a drifted common.sts-token is blanked, and expires with the retention', async () => {
    const { invoke } = makeHandler({ parkedRetentionDays: 2 });
    const driftedToken = JSON.stringify({ ...stsTokenDoc, payload: [{ token_info: { sts_token: 'sts-secret-value', expire_ts: 'tomorrow' } }] });
    expect((await invoke(postEvent(driftedToken))).statusCode).toBe(200);
    const scan = await resources.clients.dynamo.send(new ScanCommand({ TableName: resources.tableName }));
    expect(JSON.stringify(scan.Items)).not.toContain('sts-secret-value');
    const [item] = scan.Items ?? [];
    expect(item).toMatchObject({ pk: 'WEBHOOK#PARKED', ttl: Math.ceil((VECTOR_NOW_MS + 2 * 86_400_000) / 1000) });
    expect(output.join('')).not.toContain('sts-secret-value');
  });
});

describe('replay window on the signed timestamp (issue 13)', () => {
  it('refuses a captured delivery replayed after its 7-day dedupe marker expired (401), and enqueues nothing', async () => {
    const captured = postEvent(JSON.stringify(completedDoc));
    expect((await makeHandler().invoke(captured)).body).toBe(ACK_BODY);
    expect(await receiveAll()).toHaveLength(2);
    // Eight days later the marker is gone (its TTL), and the attacker sends the same request again.
    await resources.clients.dynamo.send(new DeleteCommand({ TableName: resources.tableName, Key: keys.event(completedDoc.trace_id) }));
    const later = makeHandler({ now: () => VECTOR_NOW_MS + 8 * 86_400_000 });
    const replayed = await later.invoke(captured);
    expect(replayed.statusCode).toBe(401);
    expect(JSON.parse(replayed.body!)).toEqual({ error: 'stale_timestamp', message: expect.any(String) });
    expect(later.addMetric).toHaveBeenCalledWith('WebhookStaleTimestamp', 'Count', 1);
    await expectNothingChanged();
  });
});

describe('enqueue failures lose nothing', () => {
  it('answers 503 and leaves no dedupe marker, so Tencent\'s retry is processed', async () => {
    const request = postEvent(JSON.stringify(completedDoc));
    const broken = makeHandler({ queueUrl: resources.ingestQueueUrl.replace(/[^/]+$/, `no-such-queue-${Date.now()}`) });
    const failed = await broken.invoke(request);
    expect(failed.statusCode).toBe(503);
    expect(failed.body).not.toBe(ACK_BODY);
    expect(await dedupeRecords()).toEqual([]);

    const { invoke } = makeHandler();
    expect((await invoke(request)).body).toBe(ACK_BODY);
    expect(await receiveAll()).toHaveLength(2);
  });

  it('a delivery that died after claiming (stale pending marker) does not swallow the retry', async () => {
    const traceId = completedDoc.trace_id;
    // The claim of an invocation that was killed a minute ago, before it could enqueue or release.
    const claim = await claimEvent(resources.clients.dynamo, resources.tableName, traceId, { now: () => Date.now() - 60_000 });
    expect(claim).toBeDefined();
    const { invoke } = makeHandler();
    expect((await invoke(postEvent(JSON.stringify(completedDoc)))).body).toBe(ACK_BODY);
    expect(await receiveAll()).toHaveLength(2);
  });

  it('a delivery racing an in-flight claim is acknowledged without a second enqueue', async () => {
    await claimEvent(resources.clients.dynamo, resources.tableName, completedDoc.trace_id);
    const { invoke } = makeHandler();
    expect((await invoke(postEvent(JSON.stringify(completedDoc)))).body).toBe(ACK_BODY);
    expect(await receiveAll()).toEqual([]);
  });
});

describe('Lambda entry', () => {
  it('builds itself from the environment on first use and serves requests', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      ARCHIVE_TABLE_NAME: resources.tableName,
      INGEST_QUEUE_URL: resources.ingestQueueUrl,
      AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT,
      AWS_ENDPOINT_URL_SQS: process.env.TEST_AWS_ENDPOINT,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      TENCENT_MEETING_APP_ID: '200000001',
      TENCENT_MEETING_SECRET_ID: 'AKIDlocal',
      TENCENT_MEETING_SECRET_KEY: 'local-secret-key',
      TENCENT_MEETING_OPERATOR_ID: 'admin',
      TENCENT_MEETING_WEBHOOK_TOKEN: TOKEN,
      TENCENT_MEETING_ENCODING_AES_KEY: AES_KEY,
    });
    try {
      const { context } = createLambdaContext({ functionName: 'webhook', timeoutMs: 10_000 });
      const response = (await lambdaEntry(
        httpEvent('GET', {
          query: { check_str: CHECK_STR },
          headers: { timestamp: '1700000000000', nonce: '12345678', signature: '9eaf8e804b651f896a25c4461440e41eddec837d' },
        }),
        context as Context,
      )) as APIGatewayProxyStructuredResultV2;
      expect(response).toMatchObject({ statusCode: 200, body: 'w1sNv0sY5Vd8QmZc' });
      // The real clock here: signed now, inside the replay window.
      const delivered = (await lambdaEntry(postEvent(JSON.stringify(completedDoc), { timestamp: String(Date.now()) }), context as Context)) as APIGatewayProxyStructuredResultV2;
      expect(delivered.body).toBe(ACK_BODY);
      expect(await receiveAll()).toHaveLength(2);
    } finally {
      process.env = saved;
    }
  });
});
