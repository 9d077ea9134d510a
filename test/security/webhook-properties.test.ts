// Property-based tests of the REAL webhook handler (middy chain, DynamoDB Local dedupe, fauxqs
// queue): whatever arrives — any method, headers, query, body (huge, binary, base64-flagged,
// malformed JSON, valid-shaped but unsigned, random signature headers) — the handler answers with
// one of the specified statuses, never throws, never echoes a secret, and only a request carrying a
// valid signature over a valid event can put anything on the queue or in the dedupe table; a
// validly signed event that does not fit is acknowledged and parked, and only such an event ever
// reaches the parking store; a validly signed POST outside the replay window is refused.
// fast-check prints the seed and the shrunk counterexample when a property fails.
import fc from 'fast-check';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createTestResources, destroyClients } from '../support/aws.ts';
import { webhookHandlerOn } from '../support/webhook.ts';
import { ACK_BODY } from '../../functions/webhook/handler.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { keys, PARKED_EVENTS_PARTITION } from '../../shared/archive/table-design.ts';
import { encodeWebhookData, webhookSignature } from '../../shared/webhook/codec.ts';
import {
  recordingCompletedEvent,
  recordingDeletedEvent,
  recordingStatusEvent,
  smartTranscriptsEvent,
  type EventMeeting,
  type TencentWebhookEvent,
} from '../../infra/local/simulator/webhook-events.ts';
import { captureOutput, dedupeMarkers, drainQueue, leaks, scanTable, webhookInvoker, type CapturedOutput, type Resources, type WebhookInvoke, type WebhookRequest } from './support.ts';

const TOKEN = 'Pr0pT0kenForFuzzing2024xy';
const AES_KEY = 'FuzzKey0123456789abcdefghijklmnopqrstuvwxyz';
const ALLOWED = new Set([200, 400, 401, 405, 413]);
const MAX_BODY = 64 * 1024;
/** The handler's clock; the replay window is its default, one hour either side. */
const NOW_MS = 1_700_000_000_000;
const WINDOW_MS = 3_600_000;

/** What the oracle expects of one generated request. */
type Expectation =
  | { kind: 'unsigned' }
  /** Signed, valid, archivable: 200 + ack, and its trace_id must reach the queue. */
  | { kind: 'accepted'; traceId: string }
  /** Signed, valid, but nothing to archive (unknown event): 200 + ack, nothing enqueued. */
  | { kind: 'acknowledged' }
  /** Signed GET: 200 with exactly the plaintext. */
  | { kind: 'verified'; plaintext: string }
  /** Signed, but data / event malformed: 200 + ack, parked, nothing enqueued. */
  | { kind: 'parked' }
  /** Signed POST outside the replay window: 401 stale_timestamp, nothing written. */
  | { kind: 'stale' };

interface Case {
  readonly request: WebhookRequest;
  readonly expect: Expectation;
  /** Plaintexts this request carries that a refusal must never reveal. */
  readonly hidden: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const SIG_NAMES = new Set(['timestamp', 'nonce', 'signature']);
const hex40 = fc.stringMatching(/^[0-9a-f]{40}$/);
const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[1-9][0-9]{${min - 1},${max - 1}}$`));

const anyString = fc.oneof(
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 32 }),
  fc.constantFrom('', ' ', '\u0000', 'null', 'undefined', '__proto__', 'constructor', '%', '%%', '=', '+/+/', '{}', '[]'),
);

const methodArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('GET', 'POST', 'get', 'Post') },
  { weight: 2, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** Random headers other than the three signature headers (those are generated on purpose below). */
const otherHeadersArb = fc.dictionary(
  fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom('content-type', 'Content-Type', 'x-forwarded-for', 'content-length', 'authorization')),
  anyString,
  { maxKeys: 5 },
).map((headers) => Object.fromEntries(Object.entries(headers).filter(([name]) => !SIG_NAMES.has(name.toLowerCase()))));

const headerCase = fc.constantFrom<(name: string) => string>(
  (n) => n,
  (n) => n.toUpperCase(),
  (n) => n[0]!.toUpperCase() + n.slice(1),
);

/** timestamp / nonce / signature: each absent, empty, random, or plausible; with random header-name casing. */
const randomSignatureHeadersArb = fc
  .record(
    {
      timestamp: fc.oneof(anyString, digits(10, 13)),
      nonce: fc.oneof(anyString, digits(6, 10)),
      signature: fc.oneof(anyString, hex40, hex40.map((h) => h.toUpperCase()), hex40.map((h) => ` ${h} `)),
    },
    { requiredKeys: [] },
  )
  .chain((values) =>
    headerCase.map((casing) => Object.fromEntries(Object.entries(values).map(([name, value]) => [casing(name), value])) as Record<string, string>),
  );

// Tencent-shaped events.
const idArb = digits(8, 19);
const meetingArb: fc.Arbitrary<EventMeeting> = fc.record({
  meetingId: idArb,
  meetingCode: digits(9, 9),
  subject: fc.string({ maxLength: 40 }),
  creatorUserId: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
  startTimeSec: fc.integer({ min: 1_600_000_000, max: 1_800_000_000 }),
  endTimeSec: fc.integer({ min: 1_800_000_001, max: 1_800_100_000 }),
});
const operateTimeMs = 1_700_000_000_123;

/** A known event that always produces ingest messages, with a unique trace_id. */
const archivableEventArb: fc.Arbitrary<TencentWebhookEvent> = fc
  .tuple(meetingArb, fc.uniqueArray(idArb, { minLength: 1, maxLength: 4 }), fc.uuid({ version: 4 }), fc.integer({ min: 0, max: 3 }))
  .map(([meeting, files, traceId, which]) => {
    const options = { traceId, operateTimeMs };
    if (which === 0) return recordingCompletedEvent(meeting, files, options);
    if (which === 1) return smartTranscriptsEvent(meeting, files, options);
    if (which === 2) return recordingDeletedEvent(meeting, files, options);
    return recordingStatusEvent('recording.started', meeting, options);
  });

const unknownEventArb = fc
  .tuple(fc.stringMatching(/^[a-z]{3,10}\.[a-z]{3,10}$/), fc.uuid({ version: 4 }), fc.jsonValue({ maxDepth: 2 }))
  .filter(([name]) => !name.startsWith('recording.') && !name.startsWith('smart.') && !name.startsWith('common.') && !name.startsWith('meeting.'))
  .map(([name, traceId, extra]) => ({ event: name, trace_id: traceId, payload: [{ operate_time: operateTimeMs, extra }] }));

/** Plaintexts that are not a valid event: not JSON, JSON of the wrong shape, a known event missing its fields. */
// Never empty: in plain mode an empty plaintext is an empty `data`, a body carrying no event at all,
// which is refused (400 invalid_body) before any signature is looked at; there is nothing to keep.
const invalidPlaintextArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 200 }).filter((s) => !s.trim().startsWith('{')),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)).filter((s) => !s.startsWith('{')),
  fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== 'event'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((o) => JSON.stringify(o)),
  fc.constantFrom('recording.completed', 'recording.deleted', 'smart.fullsummary').map((event) => JSON.stringify({ event, trace_id: 'x', payload: [{}] })),
);

// ---------------------------------------------------------------------------------------------
// Request generators

function sign(data: string, timestamp: string, nonce: string, casing: (n: string) => string, upper: boolean): Record<string, string> {
  const signature = webhookSignature(TOKEN, timestamp, nonce, data);
  return { [casing('timestamp')]: timestamp, [casing('nonce')]: nonce, [casing('signature')]: upper ? signature.toUpperCase() : signature };
}

interface Signing {
  readonly timestamp: string;
  /** Inside the replay window. */
  readonly fresh: boolean;
  readonly nonce: string;
  readonly casing: (name: string) => string;
  readonly upper: boolean;
  readonly headers: Record<string, string>;
  readonly method: string;
  readonly asBase64: boolean;
}

function makeArbitraries(mode: 'aes' | 'plain') {
  const key = mode === 'aes' ? AES_KEY : undefined;
  const encode = (plaintext: string) => encodeWebhookData(plaintext, key);

  /** `{"data": …}` bodies, some of them carrying a perfectly encoded (but unsigned) event. */
  const dataValueArb = fc.oneof(
    anyString,
    fc.base64String({ maxLength: 200 }),
    archivableEventArb.map((e) => encode(JSON.stringify(e))),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const bodyArb: fc.Arbitrary<{ body: string | undefined; isBase64Encoded: boolean; hidden: readonly string[] }> = fc.oneof(
    fc.constant({ body: undefined, isBase64Encoded: false, hidden: [] }),
    fc.record({ body: fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), isBase64Encoded: fc.boolean(), hidden: fc.constant([]) }),
    // Malformed JSON: truncated, or valid JSON of the wrong shape.
    fc.jsonValue({ maxDepth: 3 }).chain((v) =>
      fc.record({ body: fc.constantFrom(JSON.stringify(v), JSON.stringify(v).slice(0, -1), `${JSON.stringify(v)}}`), isBase64Encoded: fc.constant(false), hidden: fc.constant([]) }),
    ),
    dataValueArb.map((data) => ({ body: JSON.stringify({ data }), isBase64Encoded: false, hidden: [] })),
    // Valid-shaped and well-encoded, but unsigned: the event's plaintext must never come back.
    archivableEventArb.map((e) => ({ body: JSON.stringify({ data: encode(JSON.stringify(e)) }), isBase64Encoded: false, hidden: [e.trace_id!] })),
    // The same, base64-flagged as API Gateway does for binary payloads.
    archivableEventArb.map((e) => ({ body: Buffer.from(JSON.stringify({ data: encode(JSON.stringify(e)) })).toString('base64'), isBase64Encoded: true, hidden: [] })),
    // Binary bodies, flagged base64.
    fc.uint8Array({ maxLength: 2048 }).map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true, hidden: [] })),
    // Huge bodies around and far over the 64 KiB limit (raw and base64-flagged).
    fc.tuple(fc.integer({ min: MAX_BODY - 16, max: 3 * MAX_BODY }), fc.boolean()).map(([size, flagged]) => {
      const json = `{"data":"${'A'.repeat(size)}"}`;
      return { body: flagged ? Buffer.from(json).toString('base64') : json, isBase64Encoded: flagged, hidden: [] };
    }),
  );
  const queryArb: fc.Arbitrary<{ query: Record<string, string> | undefined; hidden: readonly string[] }> = fc.oneof(
    fc.constant({ query: undefined, hidden: [] }),
    fc.dictionary(fc.string({ maxLength: 10 }), anyString, { maxKeys: 3 }).map((query) => ({ query, hidden: [] })),
    fc.oneof(anyString, fc.base64String({ maxLength: 64 })).map((checkStr) => ({ query: { check_str: checkStr }, hidden: [] })),
    // A correctly encoded check_str, but unsigned: the plaintext must never come back.
    fc.stringMatching(/^[A-Za-z0-9]{8,32}$/).map((random) => {
      const plaintext = `chk-${random}`;
      return { query: { check_str: encode(plaintext) }, hidden: [plaintext] };
    }),
  );

  const unsignedArb: fc.Arbitrary<Case> = fc
    .record({ method: methodArb, headers: otherHeadersArb, sig: randomSignatureHeadersArb, q: queryArb, b: bodyArb })
    .map(({ method, headers, sig, q, b }) => ({
      request: { method, headers: { ...headers, ...sig }, query: q.query, body: b.body, isBase64Encoded: b.isBase64Encoded },
      expect: { kind: 'unsigned' },
      hidden: [...q.hidden, ...b.hidden],
    }));

  // Tencent's unit is undocumented: fresh timestamps come in seconds and in milliseconds.
  const freshTimestampArb = fc
    .tuple(fc.integer({ min: -(WINDOW_MS - 2_000), max: WINDOW_MS - 2_000 }), fc.boolean())
    .map(([offsetMs, inSeconds]) => (inSeconds ? String(Math.floor((NOW_MS + offsetMs) / 1000)) : String(NOW_MS + offsetMs)));
  const staleTimestampArb = digits(10, 13).filter((t) => {
    const n = Number(t);
    return Math.abs((n < 1e11 ? n * 1000 : n) - NOW_MS) > WINDOW_MS + 2_000;
  });
  const timestampArb = fc.oneof(
    { weight: 5, arbitrary: freshTimestampArb.map((timestamp) => ({ timestamp, fresh: true })) },
    { weight: 1, arbitrary: staleTimestampArb.map((timestamp) => ({ timestamp, fresh: false })) },
  );
  const signingArb: fc.Arbitrary<Signing> = fc.record({
    t: timestampArb,
    nonce: digits(6, 10),
    casing: headerCase,
    upper: fc.boolean(),
    headers: otherHeadersArb,
    method: fc.constantFrom('POST', 'post'),
    asBase64: fc.boolean(),
  }).map(({ t, ...rest }) => ({ ...rest, ...t }));
  /** What a signed POST expects: its own outcome inside the window, a refusal outside it. */
  const posted = (s: Signing, inWindow: Expectation): Expectation => (s.fresh ? inWindow : { kind: 'stale' });

  const signedPost = (data: string, s: Signing): WebhookRequest => {
    const body = JSON.stringify({ data });
    return {
      method: s.method,
      headers: { ...s.headers, ...sign(data, s.timestamp, s.nonce, s.casing, s.upper) },
      body: s.asBase64 ? Buffer.from(body).toString('base64') : body,
      isBase64Encoded: s.asBase64,
    };
  };

  const signedArb: fc.Arbitrary<Case> = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(archivableEventArb, signingArb).map(([event, s]): Case => ({
      request: signedPost(encode(JSON.stringify(event)), s),
      expect: posted(s, { kind: 'accepted', traceId: event.trace_id! }),
      hidden: [],
    })) },
    { weight: 1, arbitrary: fc.tuple(unknownEventArb, signingArb).map(([event, s]): Case => ({
      request: signedPost(encode(JSON.stringify(event)), s),
      expect: posted(s, { kind: 'acknowledged' }),
      hidden: [],
    })) },
    { weight: 1, arbitrary: fc.tuple(invalidPlaintextArb, signingArb).map(([plaintext, s]): Case => ({
      request: signedPost(encode(plaintext), s),
      expect: posted(s, { kind: 'parked' }),
      hidden: [],
    })) },
    // Signed data that is not what this mode can decode: junk base64, or the other mode's encoding.
    { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.stringMatching(/^[^A-Za-z0-9+/=]{1,20}$/), archivableEventArb.map((e) => encodeWebhookData(JSON.stringify(e), key ? undefined : AES_KEY))), signingArb)
      .map(([data, s]): Case => ({ request: signedPost(data, s), expect: posted(s, { kind: 'parked' }), hidden: [] })) },
    { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z0-9 ]{1,40}$/), signingArb).map(([plaintext, s]): Case => {
      const checkStr = encode(plaintext);
      return {
        request: { method: s.method === 'POST' ? 'GET' : 'get', headers: { ...s.headers, ...sign(checkStr, s.timestamp, s.nonce, s.casing, s.upper) }, query: { check_str: checkStr } },
        expect: { kind: 'verified', plaintext },
        hidden: [],
      };
    }) },
  );

  return fc.oneof({ weight: 3, arbitrary: unsignedArb }, { weight: 1, arbitrary: signedArb });
}

// ---------------------------------------------------------------------------------------------

describe.each(['aes', 'plain'] as const)('webhook handler under arbitrary input (%s mode)', (mode) => {
  const NUM_RUNS = mode === 'aes' ? 400 : 200;
  let resources: Resources;
  let invoke: WebhookInvoke;
  let output: CapturedOutput;
  const acceptedTraceIds = new Set<string>();
  let parkedDeliveries = 0;
  let staleRefusals = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    resources = await createTestResources();
    process.env.LOG_LEVEL = 'DEBUG';
    output = captureOutput();
    invoke = webhookInvoker(
      webhookHandlerOn(resources, {
        token: TOKEN,
        ...(mode === 'aes' ? { encodingAesKey: AES_KEY } : {}),
        // The product's logger (with its redaction), writing to the captured stdout.
        logger: createLogger('webhook'),
        metrics: new Metrics({ namespace: 'security-test', serviceName: 'webhook' }),
        now: () => NOW_MS,
      }),
    );
  });

  afterAll(() => {
    output.restore();
    delete process.env.LOG_LEVEL;
    destroyClients(resources.clients);
  });

  it(`answers every request with a specified status, never throws, and only signed events are accepted (${NUM_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(makeArbitraries(mode), async ({ request, expect: expectation, hidden }) => {
        let response: APIGatewayProxyStructuredResultV2;
        try {
          response = await invoke(request);
        } catch (error) {
          throw new Error(`the handler threw: ${String(error)}`);
        }
        const status = response.statusCode ?? -1;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(ALLOWED.has(status)).toBe(true);
        const body = String(response.body ?? '');
        expect(leaks(body, { token: TOKEN, aesKey: AES_KEY })).toEqual([]);
        switch (expectation.kind) {
          case 'unsigned':
            // Refused without a valid signature; a refusal never reveals a decoded plaintext.
            expect(status).not.toBe(200);
            for (const secret of hidden) expect(body).not.toContain(secret);
            break;
          case 'accepted':
            expect(status).toBe(200);
            expect(body).toBe(ACK_BODY);
            acceptedTraceIds.add(expectation.traceId);
            break;
          case 'acknowledged':
            expect(status).toBe(200);
            expect(body).toBe(ACK_BODY);
            break;
          case 'verified':
            expect(status).toBe(200);
            expect(body).toBe(expectation.plaintext);
            break;
          case 'parked':
            expect(status).toBe(200);
            expect(body).toBe(ACK_BODY);
            parkedDeliveries += 1;
            break;
          case 'stale':
            expect(status).toBe(401);
            expect(JSON.parse(body)).toMatchObject({ error: 'stale_timestamp' });
            staleRefusals += 1;
            break;
        }
        if (status === 405) expect(response.headers?.Allow).toBe('GET, POST');
        // Every refusal is a short JSON {error, message}, never an echo of the request.
        if (status !== 200) expect(JSON.parse(body)).toEqual({ error: expect.any(String), message: expect.any(String) });
      }),
      { numRuns: NUM_RUNS },
    );

    // Over the whole run: the queue holds exactly the validly signed archivable events' messages,
    // and the dedupe table only their markers. Nothing else left a trace.
    const messages = await drainQueue(resources);
    const enqueuedTraceIds = new Set(messages.map((m) => m.traceId as string));
    expect([...enqueuedTraceIds].filter((id) => !acceptedTraceIds.has(id))).toEqual([]);
    expect([...acceptedTraceIds].filter((id) => !enqueuedTraceIds.has(id))).toEqual([]);
    const markers = await dedupeMarkers(resources);
    const expectedMarkers = new Set([...acceptedTraceIds].map((id) => keys.event(id).pk));
    expect(markers.map((m) => m.pk as string).filter((pk) => !expectedMarkers.has(pk))).toEqual([]);
    // Claimed and not released; no worker ran, so none is confirmed yet (dedupe.ts).
    expect(markers.every((m) => m.status === 'pending')).toBe(true);
    expect(markers.length).toBe(acceptedTraceIds.size);
    // The parking store holds the signed misfits and nothing else: every parked delivery (a retry
    // of the same misfit counts on its item) and not one unsigned or stale request.
    const parked = (await scanTable(resources)).filter((item) => item.pk === PARKED_EVENTS_PARTITION);
    expect(parked.reduce((sum, item) => sum + Number(item.deliveries), 0)).toBe(parkedDeliveries);
    expect(parked.every((item) => item.status === 'parked')).toBe(true);
    expect(parkedDeliveries).toBeGreaterThan(0);
    expect(staleRefusals).toBeGreaterThan(0);

    // The run exercised every branch (a guard against a generator that silently degenerates).
    expect(acceptedTraceIds.size).toBeGreaterThan(0);
    for (const code of [200, 400, 401, 405, 413]) expect(statuses.get(code) ?? 0).toBeGreaterThan(0);

    // Logs: written (capture works), and never a secret.
    expect(output.entries().some((entry) => entry.message === 'webhook event enqueued')).toBe(true);
    expect(leaks(output.text(), { token: TOKEN, aesKey: AES_KEY })).toEqual([]);
  });
});
