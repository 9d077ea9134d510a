// The simulator's WebhookSender against the real webhook handler, served over HTTP by the local
// gateway (API Gateway v2 events) on 127.0.0.1, with DynamoDB Local + fauxqs behind it.
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestResources, drainQueue } from '../../support/aws.ts';
import { startGateway, type Gateway, type HttpFunction } from '../../../infra/local/gateway.ts';
import { createWebhookHandler } from '../../../functions/webhook/handler.ts';
import { WebhookSender } from '../../../infra/local/simulator/webhook-sender.ts';
import { recordingCompletedEvent, recordingStatusEvent, type EventMeeting } from '../../../infra/local/simulator/webhook-events.ts';
import { runMeetingLifecycle } from '../../../infra/local/simulator/lifecycle.ts';
import { startSimulator, type Simulator } from '../../../infra/local/simulator/server.ts';

const TOKEN = 'Tok3nTok3nTok3nTok3nTok3n';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const MEETING: EventMeeting = {
  meetingId: '13339451618278424869',
  meetingCode: '445999969',
  subject: 'weekly sync',
  creatorUserId: 'alice',
  startTimeSec: 1_700_000_000,
  endTimeSec: 1_700_003_600,
};

type Resources = Awaited<ReturnType<typeof createTestResources>>;
let resources: Resources;
const stops: Array<() => Promise<void>> = [];

beforeEach(async () => {
  resources = await createTestResources(resources?.clients);
  // Powertools logs and metrics go to stdout; keep the test output readable.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(async () => {
  jest.restoreAllMocks();
  while (stops.length > 0) await stops.pop()!();
});

/** Serves the real handler at /webhooks/tencent-meeting; `wrap` can inject failures in front of it. */
async function serve(
  mode: 'aes' | 'plain',
  wrap?: (real: HttpFunction) => HttpFunction,
  secrets: { token: string; encodingAesKey: string } = { token: TOKEN, encodingAesKey: AES_KEY },
): Promise<string> {
  const webhook = createWebhookHandler({
    dynamo: resources.clients.dynamo,
    sqs: resources.clients.sqs,
    tableName: resources.tableName,
    queueUrl: resources.ingestQueueUrl,
    token: secrets.token,
    ...(mode === 'aes' ? { encodingAesKey: secrets.encodingAesKey } : {}),
    logger: new Logger({ serviceName: 'webhook-test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'test', serviceName: 'webhook' }),
  });
  const real: HttpFunction = (event: APIGatewayProxyEventV2, context: Context) => webhook(event, context);
  const gateway: Gateway = await startGateway({
    port: 0,
    routes: [{ methods: ['GET', 'POST'], path: '/webhooks/tencent-meeting', functionName: 'webhook', handler: wrap ? wrap(real) : real }],
  });
  stops.push(() => gateway.stop());
  return `${gateway.url}/webhooks/tencent-meeting`;
}

const receiveAll = () => drainQueue(resources);

describe('WebhookSender.verify', () => {
  it.each(['aes', 'plain'] as const)('completes the check_str handshake in %s mode and reports latency', async (mode) => {
    const url = await serve(mode);
    const sender = new WebhookSender({ url, token: TOKEN, ...(mode === 'aes' ? { encodingAesKey: AES_KEY } : {}) });
    const result = await sender.verify();
    expect(result.ok).toBe(true);
    expect(result.status).toBe(200);
    expect(result.body).toBe(result.expected);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    // Unpadded base64 and second-resolution timestamps are accepted too.
    sender.faults = { unpaddedBase64: true, timestampUnit: 's' };
    expect((await sender.verify('a+b/c=d')).ok).toBe(true);
  });

  it('fails the handshake when the receiver has another token', async () => {
    const url = await serve('aes');
    const result = await new WebhookSender({ url, token: 'WrongTokenWrongTokenWrong', encodingAesKey: AES_KEY }).verify();
    expect(result).toMatchObject({ ok: false, status: 401 });
  });
});

describe('WebhookSender.deliver', () => {
  it.each(['aes', 'plain'] as const)('delivers a signed event in %s mode, acknowledged on the first attempt', async (mode) => {
    const url = await serve(mode);
    const sender = new WebhookSender({ url, token: TOKEN, ...(mode === 'aes' ? { encodingAesKey: AES_KEY } : {}) });
    const [record] = await sender.deliver(recordingCompletedEvent(MEETING, ['1318080818611111111'], { traceId: `t-${mode}` }));
    expect(record).toMatchObject({ event: 'recording.completed', traceId: `t-${mode}`, ok: true });
    expect(record?.attempts).toHaveLength(1);
    expect(await receiveAll()).toEqual([expect.objectContaining({ kind: 'archive-file', recordFileId: '1318080818611111111', traceId: `t-${mode}` })]);
  });

  it('duplicated deliveries are all acknowledged and enqueued once', async () => {
    const url = await serve('aes');
    const sender = new WebhookSender({ url, token: TOKEN, encodingAesKey: AES_KEY, faults: { duplicates: 4 } });
    const records = await sender.deliver(recordingCompletedEvent(MEETING, ['1', '2'], { traceId: 'dup-1' }));
    expect(records.map((r) => [r.copy, r.ok])).toEqual([[0, true], [1, true], [2, true], [3, true], [4, true]]);
    expect((await receiveAll()).map((m) => m.recordFileId).sort()).toEqual(['1', '2']);
  });

  it('the legacy envelope, unpadded base64 and second timestamps are accepted', async () => {
    const url = await serve('plain');
    const sender = new WebhookSender({ url, token: TOKEN, faults: { legacyEnvelope: true, unpaddedBase64: true, timestampUnit: 's' } });
    const [record] = await sender.deliver(recordingCompletedEvent(MEETING, ['77'], { traceId: 'legacy-1', operateTimeMs: 1_700_003_700_000 }));
    expect(record?.ok).toBe(true);
    expect(await receiveAll()).toEqual([
      // Both legacy datetimes parsed: operate_time (ms) and the meeting's start_time (s).
      expect.objectContaining({ kind: 'archive-file', recordFileId: '77', traceId: 'legacy-1', operateTimeMs: 1_700_003_700_000, occurrenceStartSec: MEETING.startTimeSec }),
    ]);
  });

  it('reorders a batch and still gets every event through', async () => {
    const url = await serve('aes');
    const sender = new WebhookSender({ url, token: TOKEN, encodingAesKey: AES_KEY, faults: { reorder: true } });
    const events = Array.from({ length: 8 }, (_, i) => recordingStatusEvent('recording.started', MEETING, { traceId: `order-${i}` }));
    const records = await sender.deliverAll(events);
    const sent = records.map((r) => r.traceId);
    expect([...sent].sort()).toEqual(events.map((e) => e.trace_id).sort());
    expect(sent).not.toEqual(events.map((e) => e.trace_id)); // identity has probability 1/8!
    expect(records.every((r) => r.ok)).toBe(true);
    expect(await receiveAll()).toHaveLength(8);
  });

  it('retries per the schedule until acknowledged', async () => {
    let failuresLeft = 2;
    const url = await serve('aes', (real) => async (event, context) => {
      if (event.requestContext.http.method === 'POST' && failuresLeft-- > 0) return { statusCode: 500, body: 'busy' };
      return real(event, context);
    });
    const sender = new WebhookSender({ url, token: TOKEN, encodingAesKey: AES_KEY, retryDelaysMs: [5, 5, 5] });
    const [record] = await sender.deliver(recordingStatusEvent('recording.stopped', MEETING, { traceId: 'retry-1' }));
    expect(record?.ok).toBe(true);
    expect(record?.attempts.map((a) => [a.status, a.ok])).toEqual([[500, false], [500, false], [200, true]]);
    expect(await receiveAll()).toEqual([expect.objectContaining({ kind: 'recording-status', status: 'stopped' })]);
  });

  it('gives up after the last retry, and counts a wrong body or a timeout as a failure', async () => {
    let calls = 0;
    const url = await serve('aes', () => async () => {
      calls++;
      if (calls === 2) await sleep(300); // slower than the sender's timeout
      return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
    });
    const sender = new WebhookSender({ url, token: TOKEN, encodingAesKey: AES_KEY, retryDelaysMs: [1, 1], timeoutMs: 100 });
    const [record] = await sender.deliver(recordingStatusEvent('recording.started', MEETING));
    expect(record?.ok).toBe(false);
    expect(record?.attempts).toHaveLength(3);
    expect(record?.attempts[0]).toMatchObject({ status: 200, body: 'ok', ok: false });
    expect(record?.attempts[1]?.error).toMatch(/Timeout/i);
  });
});

describe('meeting lifecycle through the simulator', () => {
  it('announces started → stopped → completed → transcripts, each producing its messages', async () => {
    const simulator: Simulator = await startSimulator({ port: 0 });
    stops.push(() => simulator.stop());
    // The archive is configured with the simulator's generated credentials, as `npm run simulator` prints them.
    const secrets = { token: simulator.credentials.webhookToken, encodingAesKey: simulator.credentials.encodingAesKey };
    const url = await serve('aes', undefined, secrets);
    const sender = new WebhookSender({ url, ...secrets });
    expect((await sender.verify()).ok).toBe(true);
    const result = await runMeetingLifecycle(simulator, sender, {
      subject: 'quarterly review',
      hostUserId: 'alice',
      files: [{ sizeBytes: 1024 }, { sizeBytes: 2048 }],
      transcripts: true,
      pauseResume: true,
    });
    expect(result.ok).toBe(true);
    expect(result.deliveries.map((d) => d.event)).toEqual([
      'recording.started',
      'recording.paused',
      'recording.resumed',
      'recording.stopped',
      'recording.completed',
      'smart.transcripts',
    ]);
    expect(simulator.model.getRecording(result.recording.meetingRecordId)?.state).toBe(3);
    const messages = await receiveAll();
    const fileIds = result.recording.files.map((f) => f.recordFileId).sort();
    expect(messages.filter((m) => m.kind === 'recording-status').map((m) => m.status).sort()).toEqual(['paused', 'recording', 'recording', 'stopped']);
    const archive = messages.filter((m) => m.kind === 'archive-file');
    expect(archive.filter((m) => m.reason === 'recording.completed').map((m) => m.recordFileId).sort()).toEqual(fileIds);
    expect(archive.filter((m) => m.reason === 'smart.transcripts').map((m) => m.recordFileId).sort()).toEqual(fileIds);
    expect(archive.every((m) => m.meetingId === result.recording.meetingId)).toBe(true);
  });
});
