// Tampering and replay against the REAL webhook handler (DynamoDB Local + fauxqs): a valid delivery
// with one character changed anywhere the signature covers, signatures made with another token,
// check_str / data encrypted with another EncodingAESKey, replays of a valid delivery. Every forgery
// is refused and leaves nothing behind; a replay is acknowledged but enqueued once; no answer (or
// log line) ever carries the token, the AES key, the data or a decrypted plaintext.
import fc from 'fast-check';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createTestResources, destroyClients } from '../support/aws.ts';
import { webhookHandlerOn } from '../support/webhook.ts';
import { ACK_BODY } from '../../functions/webhook/handler.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { keys } from '../../shared/archive/table-design.ts';
import { encodeWebhookData, webhookSignature } from '../../shared/webhook/codec.ts';
import { recordingCompletedEvent, type EventMeeting } from '../../infra/local/simulator/webhook-events.ts';
import { captureOutput, dedupeMarkers, drainQueue, leaks, parkedItems, webhookInvoker, type CapturedOutput, type Resources, type WebhookInvoke, type WebhookRequest } from './support.ts';

const TOKEN = 'T4mperT0kenABCDEFGHIJ1234';
const OTHER_TOKEN = 'Att4ckerT0kenZYXWVUTS9876';
const AES_KEY = 'TamperKey0123456789abcdefghijklmnopqrstuvwx';
const OTHER_KEY = 'OtherKey9876543210ZYXWVUTSRQPONMLKJIHGFEDCB';
const TRACE_ID = '5d0c7e52-8c1e-4d57-9a3b-6f1c2e9d4b70';
const FILE_IDS = ['1964787070499246081', '1964787070499246082'];
const MEETING: EventMeeting = {
  meetingId: '13339451618278424869',
  meetingCode: '445999969',
  subject: 'board meeting: confidential',
  creatorUserId: 'tester-2',
  startTimeSec: 1_699_996_400,
  endTimeSec: 1_699_999_800,
};
const PLAINTEXT = JSON.stringify(recordingCompletedEvent(MEETING, FILE_IDS, { traceId: TRACE_ID, operateTimeMs: 1_700_000_000_123 }));
const CHECK_PLAINTEXT = 'Ch3ckStrPlaintext42';
/** The handler's clock: the deliveries below are signed at 1700000001000. */
const VECTOR_NOW_MS = 1_700_000_001_000;

interface Delivery {
  data: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

/** `key: 'plain'` = plain-mode base64 (no AES), as a receiver without an EncodingAESKey expects. */
function delivery(plaintext = PLAINTEXT, options: { token?: string; key?: string; timestamp?: string; nonce?: string } = {}): Delivery {
  const key = options.key ?? AES_KEY;
  const data = encodeWebhookData(plaintext, key === 'plain' ? undefined : key);
  const timestamp = options.timestamp ?? '1700000001000';
  const nonce = options.nonce ?? '87654321';
  return { data, timestamp, nonce, signature: webhookSignature(options.token ?? TOKEN, timestamp, nonce, data) };
}

const post = (d: Delivery): WebhookRequest => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', timestamp: d.timestamp, nonce: d.nonce, signature: d.signature },
  body: JSON.stringify({ data: d.data }),
});

const get = (d: Delivery): WebhookRequest => ({
  method: 'GET',
  headers: { timestamp: d.timestamp, nonce: d.nonce, signature: d.signature },
  query: { check_str: d.data },
});

/** Replaces the character at `index` (modulo the length) with `replacement`. */
function mutate(value: string, index: number, replacement: string): string {
  const i = index % value.length;
  return value.slice(0, i) + replacement + value.slice(i + 1);
}

describe('webhook tampering and replay', () => {
  let resources: Resources;
  let invoke: WebhookInvoke;
  let output: CapturedOutput;
  /** Every answer of the whole file, for the no-echo check at the end. */
  const responses: APIGatewayProxyStructuredResultV2[] = [];

  beforeAll(() => {
    process.env.LOG_LEVEL = 'DEBUG';
    output = captureOutput();
  });

  beforeEach(async () => {
    // A fresh table and queue per test: "nothing enqueued" is simply "empty".
    resources = await createTestResources(resources?.clients);
    const handler = webhookHandlerOn(resources, {
      token: TOKEN,
      encodingAesKey: AES_KEY,
      logger: createLogger('webhook'),
      metrics: new Metrics({ namespace: 'security-test', serviceName: 'webhook' }),
      now: () => VECTOR_NOW_MS,
    });
    const raw = webhookInvoker(handler);
    invoke = async (request) => {
      const response = await raw(request);
      responses.push(response);
      return response;
    };
  });

  afterAll(() => {
    output.restore();
    delete process.env.LOG_LEVEL;
    destroyClients(resources.clients);
  });

  async function expectNothingEnqueued(): Promise<void> {
    expect(await drainQueue(resources)).toEqual([]);
    expect(await dedupeMarkers(resources)).toEqual([]);
    // A wrongly signed but well-formed body parks nothing either.
    expect(await parkedItems(resources)).toEqual([]);
  }

  it('accepts the untampered delivery (the baseline every forgery below is derived from)', async () => {
    const response = await invoke(post(delivery()));
    expect(response).toMatchObject({ statusCode: 200, body: ACK_BODY });
    const messages = await drainQueue(resources);
    expect(messages.map((m) => m.recordFileId).sort()).toEqual([...FILE_IDS].sort());
    expect(messages.every((m) => m.traceId === TRACE_ID)).toBe(true);
  });

  it('refuses a valid delivery with one character changed in data, signature, timestamp or nonce (401, nothing enqueued)', async () => {
    const valid = delivery();
    const alphabets = {
      data: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=',
      signature: '0123456789abcdefABCDEFxyz',
      timestamp: '0123456789',
      nonce: '0123456789',
    } as const;
    const fieldArb = fc.constantFrom(...(Object.keys(alphabets) as Array<keyof typeof alphabets>));
    await fc.assert(
      fc.asyncProperty(
        fieldArb.chain((field) =>
          fc.record({
            field: fc.constant(field),
            index: fc.nat(),
            // Mostly same-alphabet substitutions (the hardest to notice), sometimes any character.
            replacement: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...alphabets[field]) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) }),
          }),
        ),
        async ({ field, index, replacement }) => {
          const tampered = { ...valid, [field]: mutate(valid[field], index, replacement) };
          // Not a change: the same character, or (hex signatures are case-insensitive) the same digit.
          fc.pre(field === 'signature' ? tampered.signature.toLowerCase() !== valid.signature : tampered[field] !== valid[field]);
          // Header values are trimmed; a change that only adds edge whitespace is no change either.
          fc.pre(field === 'data' || tampered[field].trim() !== valid[field]);
          const response = await invoke(post(tampered));
          expect(response.statusCode).toBe(401);
          expect(JSON.parse(String(response.body))).toEqual({ error: 'invalid_signature', message: expect.any(String) });
        },
      ),
      { numRuns: 300 },
    );
    await expectNothingEnqueued();
  });

  it('refuses a flipped bit in the ciphertext, and a body re-signed over the plaintext instead of the data', async () => {
    const valid = delivery();
    const bytes = Buffer.from(valid.data, 'base64');
    for (const position of [0, 15, 16, bytes.length - 17, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[position] = flipped[position]! ^ 0x01;
      const response = await invoke(post({ ...valid, data: flipped.toString('base64') }));
      expect(response.statusCode).toBe(401);
    }
    // Classic integration bug: signing the decrypted plaintext. Must not verify.
    const overPlaintext = { ...valid, signature: webhookSignature(TOKEN, valid.timestamp, valid.nonce, PLAINTEXT) };
    expect((await invoke(post(overPlaintext))).statusCode).toBe(401);
    // Headers of one valid delivery with the body of another.
    const other = delivery(PLAINTEXT.replace(TRACE_ID, 'ffffffff-8c1e-4d57-9a3b-6f1c2e9d4b70'), { nonce: '11112222' });
    expect((await invoke(post({ ...valid, data: other.data }))).statusCode).toBe(401);
    expect((await invoke(post({ ...other, signature: valid.signature }))).statusCode).toBe(401);
    await expectNothingEnqueued();
  });

  it('refuses a signature made with another token, on POST and GET (401), and never reveals the check_str plaintext', async () => {
    const forgedPost = await invoke(post(delivery(PLAINTEXT, { token: OTHER_TOKEN })));
    expect(forgedPost.statusCode).toBe(401);
    const forgedGet = await invoke(get(delivery(CHECK_PLAINTEXT, { token: OTHER_TOKEN })));
    expect(forgedGet.statusCode).toBe(401);
    expect(String(forgedGet.body)).not.toContain(CHECK_PLAINTEXT);
    // Missing or empty signature headers are no better.
    const valid = delivery();
    const incomplete: Array<Record<string, string>> = [{}, { timestamp: valid.timestamp, nonce: valid.nonce }, { timestamp: valid.timestamp, nonce: valid.nonce, signature: '' }, { timestamp: '', nonce: valid.nonce, signature: valid.signature }];
    for (const headers of incomplete) {
      const response = await invoke({ method: 'POST', headers, body: JSON.stringify({ data: valid.data }) });
      expect(response.statusCode).toBe(401);
    }
    await expectNothingEnqueued();
  });

  it('refuses a check_str encrypted with the wrong AES key (4xx) and never answers its plaintext', async () => {
    for (const plaintext of [CHECK_PLAINTEXT, 'w1sNv0sY5Vd8QmZc', 'Zq', 'heartbeat-0123456789-abcdefghij-0123456789']) {
      for (const key of [OTHER_KEY, undefined /* plain-mode base64 sent to an AES-mode receiver */]) {
        const data = encodeWebhookData(plaintext, key);
        const timestamp = '1700000000000';
        const nonce = '12345678';
        const response = await invoke(get({ data, timestamp, nonce, signature: webhookSignature(TOKEN, timestamp, nonce, data) }));
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        expect(String(response.body)).not.toContain(plaintext);
      }
    }
    // The same check_str under the right key is answered: the refusals above are about the key.
    const right = await invoke(get(delivery(CHECK_PLAINTEXT)));
    expect(right).toMatchObject({ statusCode: 200, body: CHECK_PLAINTEXT });
    await expectNothingEnqueued();
  });

  it('acknowledges data encrypted with the wrong AES key when correctly signed: parked, nothing enqueued, nothing decrypted shown', async () => {
    for (const key of [OTHER_KEY, 'plain']) {
      const response = await invoke(post(delivery(PLAINTEXT, { key })));
      expect(response).toMatchObject({ statusCode: 200, body: ACK_BODY });
      expect(String(response.body)).not.toContain(TRACE_ID);
      expect(String(response.body)).not.toContain(MEETING.subject!);
    }
    expect(await drainQueue(resources)).toEqual([]);
    expect(await dedupeMarkers(resources)).toEqual([]);
    const parked = await parkedItems(resources);
    expect(parked.map((item) => item.stage)).toEqual(['decode', 'decode']);
    // Kept for a replay once the key is fixed, never as anything the webhook token alone would reveal.
    expect(JSON.stringify(parked)).not.toContain(AES_KEY);
  });

  it('acknowledges a replayed delivery (same request, Tencent retries with new nonce/timestamp, concurrent copies) but enqueues it once', async () => {
    const original = delivery();
    for (let i = 0; i < 3; i++) expect(await invoke(post(original))).toMatchObject({ statusCode: 200, body: ACK_BODY });
    // Tencent's retries re-sign the same event with a fresh timestamp and nonce.
    for (let i = 0; i < 3; i++) {
      const retry = delivery(PLAINTEXT, { timestamp: String(1_700_000_060_000 + i), nonce: String(30_000_000 + i) });
      expect(await invoke(post(retry))).toMatchObject({ statusCode: 200, body: ACK_BODY });
    }
    // And racing copies of it.
    const racing = await Promise.all(
      Array.from({ length: 6 }, (_, i) => invoke(post(delivery(PLAINTEXT, { nonce: String(40_000_000 + i) })))),
    );
    for (const response of racing) expect(response).toMatchObject({ statusCode: 200, body: ACK_BODY });

    const messages = await drainQueue(resources);
    expect(messages.map((m) => m.recordFileId).sort()).toEqual([...FILE_IDS].sort());
    const markers = await dedupeMarkers(resources);
    // One claim, and no worker has received its message yet (the worker confirms it: dedupe.ts).
    expect(markers).toEqual([expect.objectContaining({ pk: keys.event(TRACE_ID).pk, status: 'pending' })]);
  });

  it('never echoed the token, the AES keys, the data or a plaintext in any answer or log line of this file', () => {
    expect(responses.length).toBeGreaterThan(300);
    const answers = responses.map((r) => `${JSON.stringify(r.headers ?? {})}\n${String(r.body ?? '')}`).join('\n');
    const secrets = {
      token: TOKEN,
      otherToken: OTHER_TOKEN,
      aesKey: AES_KEY,
      otherKey: OTHER_KEY,
      data: delivery().data,
      eventPlaintext: PLAINTEXT,
      subject: MEETING.subject,
    };
    expect(leaks(answers, secrets)).toEqual([]);
    const logs = output.text();
    expect(output.entries().some((entry) => entry.message === 'webhook request rejected')).toBe(true);
    expect(leaks(logs, { ...secrets, checkPlaintext: CHECK_PLAINTEXT })).toEqual([]);
  });
});

describe('webhook logs when Powertools event logging is switched on (POWERTOOLS_LOGGER_LOG_EVENT=true)', () => {
  it('still never logs the raw delivery: a plain-mode data is only base64 of the event, STS token included', async () => {
    const resources = await createTestResources();
    const stsToken = 'StsT0ken-NeverInLogs-0123456789';
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    const output = captureOutput();
    try {
      // Built after the variable is set: Powertools reads it when the Logger is constructed.
      const invoke = webhookInvoker(
        webhookHandlerOn(resources, {
          token: TOKEN,
          logger: createLogger('webhook'),
          metrics: new Metrics({ namespace: 'security-test', serviceName: 'webhook' }),
          now: () => VECTOR_NOW_MS,
        }),
      );
      const plaintext = JSON.stringify({ event: 'common.sts-token', trace_id: TRACE_ID, payload: [{ operate_time: 1_700_000_000_123, token_info: { req_id: 'r-1', sts_token: stsToken, expire_ts: 1_800_000_000 } }] });
      const d = delivery(plaintext, { key: 'plain' });
      expect(await invoke(post(d))).toMatchObject({ statusCode: 200, body: ACK_BODY });
      const checkStr = encodeWebhookData(CHECK_PLAINTEXT);
      expect(await invoke(get({ data: checkStr, timestamp: d.timestamp, nonce: d.nonce, signature: webhookSignature(TOKEN, d.timestamp, d.nonce, checkStr) }))).toMatchObject({ statusCode: 200 });
      // The delivery was logged (by its ids), just never as the raw event.
      expect(output.entries().some((entry) => entry.trace_id === TRACE_ID)).toBe(true);
      expect(output.entries().some((entry) => 'event' in entry && typeof entry.event === 'object')).toBe(false);
      expect(leaks(output.text(), { data: d.data, stsToken, token: TOKEN, checkStr, checkPlaintext: CHECK_PLAINTEXT })).toEqual([]);
    } finally {
      output.restore();
      delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
      destroyClients(resources.clients);
    }
  });
});
