// Open point #5 and the replay window, end to end on real components: the simulator's webhook
// sender posts over HTTP to the local gateway, the real webhook handler acknowledges, repairs or
// parks, the ingest worker asks the simulator (over HTTP) and copies into fauxqs S3, the index and
// the parking store live in DynamoDB Local, and `npm run parked` lists and replays in-process.
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { startGateway, type Gateway } from '../../../infra/local/gateway.ts';
import { WebhookSender } from '../../../infra/local/simulator/webhook-sender.ts';
import { driftedShape, meetingFromRecording, recordingCompletedEvent, withoutMeetingInfo } from '../../../infra/local/simulator/webhook-events.ts';
import type { SimMeetingRecording } from '../../../infra/local/simulator/model.ts';
import { runParked } from '../../../infra/local/parked/command.ts';
import { runMeetingLifecycle } from '../../../infra/local/simulator/lifecycle.ts';
import { fileStatus } from '../../../shared/archive/model.ts';
import { ParkedEventStore } from '../../../shared/webhook/parked-events.ts';
import { drainQueue } from '../../support/aws.ts';
import { startHarness, type Harness } from '../../support/ingest-harness.ts';

const KiB = 1024;
const ROTATED_AES_KEY = 'R0tatedKeyABCDEFGHIJKLMNOPQRSTUVWXYZ0123456';

let h: Harness;
let gateway: Gateway;

async function start(): Promise<void> {
  h = await startHarness();
  gateway = await startGateway({
    port: 0,
    routes: [{ methods: ['GET', 'POST'], path: '/webhooks/tencent-meeting', functionName: 'webhook', handler: (event: APIGatewayProxyEventV2, context: Context) => h.webhook(event, context) }],
  });
}

/** Tencent's side: signed POSTs over HTTP, judged as Tencent judges them; no retries (each test looks at one attempt). */
function sender(options: { encodingAesKey?: string; faults?: ConstructorParameters<typeof WebhookSender>[0]['faults'] } = {}): WebhookSender {
  return new WebhookSender({
    url: `${gateway.url}/webhooks/tencent-meeting`,
    token: h.sim.credentials.webhookToken,
    encodingAesKey: options.encodingAesKey ?? h.encodingAesKey!,
    retryDelaysMs: [],
    ...(options.faults ? { faults: options.faults } : {}),
  });
}

afterEach(async () => {
  await gateway?.stop();
  await h?.stop();
});

function recordingWithFiles(subject: string, fileCount: number, meetingId?: string): SimMeetingRecording {
  return h.sim.model.createMeeting({
    subject,
    hostUserId: h.sim.credentials.operatorId,
    ...(meetingId ? { meetingId } : {}),
    files: Array.from({ length: fileCount }, (_, i) => ({ sizeBytes: 64 * KiB + i })),
  });
}

async function expectAllArchived(...recordings: SimMeetingRecording[]): Promise<void> {
  for (const simFile of recordings.flatMap((r) => r.files)) {
    const file = await h.index.getRecordFile(simFile.recordFileId);
    expect({ id: simFile.recordFileId, status: file ? fileStatus(file) : 'absent' }).toEqual({ id: simFile.recordFileId, status: 'archived' });
    expect(file!.artifacts.video).toMatchObject({ status: 'archived', bytes: simFile.artifacts.find((a) => a.kind === 'video')!.size });
  }
}

async function parkedCommand(argv: string[], env: NodeJS.ProcessEnv = h.sim.env()) {
  const lines: string[] = [];
  const errors: string[] = [];
  const outcome = await runParked([...argv, '--table', h.resources.tableName, '--queue-url', h.resources.ingestQueueUrl], {
    stdout: { write: (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)) },
    stderr: { write: (chunk: string) => errors.push(chunk) },
    env,
    clients: h.resources.clients,
  });
  expect(errors).toEqual([]);
  return { ...outcome, lines };
}

const parkedStore = () => new ParkedEventStore(h.resources.clients.dynamo, h.resources.tableName);

describe('a validly signed event is always acknowledged (open point #5)', () => {
  jest.setTimeout(180_000);

  it('an empty recording_files archives every file Tencent lists for the meeting', async () => {
    await start();
    const first = recordingWithFiles('weekly sync', 2);
    const second = recordingWithFiles('weekly sync, part 2', 1, first.meetingId);
    const [delivery] = await sender().deliver(recordingCompletedEvent(meetingFromRecording(second), [], { traceId: 'empty-files' }));
    expect(delivery).toMatchObject({ ok: true, attempts: [expect.objectContaining({ status: 200 })] });
    await h.drain();
    await expectAllArchived(first, second);
    // Kept for the record as repaired, not as parked: nothing for an operator to do.
    expect(await parkedStore().list()).toEqual([expect.objectContaining({ eventId: 'empty-files', status: 'repaired', repairs: ['every-file-of-meeting'] })]);
  });

  it('an empty recording_files of a recurring meeting recorded weeks before the event (series times in meeting_info) widens the search and archives the file', async () => {
    await start();
    const DAY_MS = 86_400_000;
    const recording = h.sim.model.createMeeting({
      subject: 'monthly review',
      hostUserId: h.sim.credentials.operatorId,
      startTimeMs: Date.now() - 20 * DAY_MS,
      recurring: {},
      files: [{ sizeBytes: 64 * KiB }],
    });
    const meeting = meetingFromRecording(recording, undefined, { seriesTimesInEvents: true });
    const [delivery] = await sender().deliver(recordingCompletedEvent(meeting, [], { traceId: 'empty-files-recurring' }));
    expect(delivery).toMatchObject({ ok: true });
    await h.drain();
    // The event's own window (7 days before operate_time) lists nothing: only a widened one does.
    await expectAllArchived(recording);
  });

  it('an empty recording_files naming an occurrence weeks old is not satisfied by a later occurrence the nearest window lists: the named one is archived', async () => {
    await start();
    const DAY_MS = 86_400_000;
    const named = h.sim.model.createMeeting({ subject: 'weekly', hostUserId: h.sim.credentials.operatorId, startTimeMs: Date.now() - 40 * DAY_MS, recurring: {}, files: [{ sizeBytes: 64 * KiB }] });
    // The same series' occurrence two days ago: the event's own window lists only it.
    h.sim.model.createMeeting({ subject: 'weekly', meetingId: named.meetingId, hostUserId: h.sim.credentials.operatorId, startTimeMs: Date.now() - 2 * DAY_MS, recurring: {}, files: [{ sizeBytes: 64 * KiB }] });
    const meeting = meetingFromRecording(named, undefined, { seriesTimesInEvents: true });
    const [delivery] = await sender().deliver(recordingCompletedEvent(meeting, [], { traceId: 'empty-files-occurrence' }));
    expect(delivery).toMatchObject({ ok: true });
    await h.drain();
    await expectAllArchived(named);
  });

  it('file ids without meeting_info resolve their meeting through /v1/addresses/{id} and are archived', async () => {
    await start();
    const recording = recordingWithFiles('no meeting_info', 2);
    const event = withoutMeetingInfo(recordingCompletedEvent(meetingFromRecording(recording), recording.files.map((f) => f.recordFileId), { traceId: 'no-info' }));
    const [delivery] = await sender().deliver(event);
    expect(delivery).toMatchObject({ ok: true });
    await h.drain();
    await expectAllArchived(recording);
    const addressCalls = h.sim.counters.log.filter((r) => r.endpoint === 'fileAddress' && r.status === 200);
    expect(addressCalls.length).toBeGreaterThanOrEqual(2);
  });

  it('a drifted shape is acknowledged, parked, listed by `npm run parked`, and stays parked when replayed by code that still does not understand it', async () => {
    await start();
    const recording = recordingWithFiles('drifted', 1);
    const fileId = recording.files[0]!.recordFileId;
    const event = driftedShape(recordingCompletedEvent(meetingFromRecording(recording), [fileId], { traceId: 'drifted-1' }));
    const [delivery] = await sender().deliver(event);
    expect(delivery).toMatchObject({ ok: true, attempts: [expect.objectContaining({ status: 200 })] });
    expect(await drainQueue(h.resources)).toEqual([]);

    const listed = await parkedCommand([]);
    expect(listed.listed).toEqual([expect.objectContaining({ eventId: 'drifted-1', eventName: 'recording.completed', stage: 'schema', status: 'parked' })]);
    expect(listed.lines.join('\n')).toMatch(/parked\s+recording\.completed\s+stage schema\s+id drifted-1/);
    expect(listed.lines.at(-1)).toMatch(/^1 parked event in the/);

    const replay = await parkedCommand(['--replay']);
    expect(replay).toMatchObject({ replayed: 0, stillParked: 1 });
    expect(await parkedStore().list()).toEqual([expect.objectContaining({ eventId: 'drifted-1', status: 'parked', replays: 1, lastReplayOutcome: expect.stringMatching(/^still not understood/) })]);
    expect(await drainQueue(h.resources)).toEqual([]);
  });

  it('an event parked for a transient reason (EncodingAESKey rotated at Tencent first) is archived by `npm run parked --replay` once the key is fixed', async () => {
    await start();
    const recording = recordingWithFiles('rotated key', 1);
    const event = recordingCompletedEvent(meetingFromRecording(recording), recording.files.map((f) => f.recordFileId), { traceId: 'rotated-1' });
    const [delivery] = await sender({ encodingAesKey: ROTATED_AES_KEY }).deliver(event);
    expect(delivery).toMatchObject({ ok: true });
    expect(await parkedStore().list()).toEqual([expect.objectContaining({ stage: 'decode', status: 'parked' })]);

    // The operator puts the new key in the secret (here: the environment the command reads) and replays.
    const replay = await parkedCommand(['--replay'], { ...h.sim.env(), TENCENT_MEETING_ENCODING_AES_KEY: ROTATED_AES_KEY });
    expect(replay).toMatchObject({ replayed: 1, stillParked: 0 });
    await h.drain();
    await expectAllArchived(recording);
    expect((await parkedCommand([])).listed).toEqual([]);
    expect((await parkedCommand(['--all'])).listed).toEqual([expect.objectContaining({ status: 'replayed', lastReplayOutcome: 'enqueued' })]);
  });

  it('an event parked by an older rule (empty recording_files, before this release repaired it) is archived by the replay', async () => {
    await start();
    const recording = recordingWithFiles('parked by an older release', 2);
    const plaintext = JSON.stringify(recordingCompletedEvent(meetingFromRecording(recording), [], { traceId: 'older-rule' }));
    // What an earlier release that parked instead of repairing left in the table.
    await parkedStore().keep(
      { eventId: 'older-rule', stage: 'schema', eventName: 'recording.completed', reason: 'recording.completed event is invalid: payload.0.recording_files: Too small', payload: { plaintext }, meetingIds: [recording.meetingId], recordFileIds: [] },
      'parked',
    );
    const replay = await parkedCommand(['--replay']);
    expect(replay).toMatchObject({ replayed: 1, stillParked: 0 });
    expect(replay.lines[0]).toMatch(/^replayed\s+id older-rule\s+enqueued/);
    await h.drain();
    await expectAllArchived(recording);
  });
});

describe('replay window on the signed timestamp (issue 13)', () => {
  jest.setTimeout(120_000);

  it('refuses a delivery whose timestamp is two hours old, and accepts ones in ms and in seconds inside the window', async () => {
    await start();
    const recording = recordingWithFiles('window', 1);
    const event = (traceId: string) => recordingCompletedEvent(meetingFromRecording(recording), recording.files.map((f) => f.recordFileId), { traceId });

    const [stale] = await sender({ faults: { timestampOffsetMs: -2 * 3_600_000 } }).deliver(event('stale'));
    expect(stale).toMatchObject({ ok: false, attempts: [expect.objectContaining({ status: 401 })] });
    expect(JSON.parse(stale!.attempts[0]!.body!)).toMatchObject({ error: 'stale_timestamp' });
    expect(await drainQueue(h.resources)).toEqual([]);
    expect(await parkedStore().list()).toEqual([]);

    const [inMs] = await sender({ faults: { timestampOffsetMs: -10 * 60_000 } }).deliver(event('in-ms'));
    const [inSeconds] = await sender({ faults: { timestampUnit: 's', timestampOffsetMs: 10 * 60_000 } }).deliver(event('in-seconds'));
    expect([inMs?.ok, inSeconds?.ok]).toEqual([true, true]);
    expect(new Set((await drainQueue(h.resources)).map((m) => m.traceId))).toEqual(new Set(['in-ms', 'in-seconds']));
  });
});

describe('simulator facet eventsWithoutMeetingInfo', () => {
  jest.setTimeout(120_000);

  it("a simulated uploaded recording's lifecycle events without meeting_info are acknowledged and become resolve-file work", async () => {
    await start();
    h.sim.settings.readings = { ...h.sim.settings.readings, eventsWithoutMeetingInfo: true };
    const { recording, ok } = await runMeetingLifecycle(h.sim, sender(), {
      subject: 'uploaded',
      hostUserId: h.sim.credentials.operatorId,
      recordType: 2,
      files: [{ sizeBytes: 4 * KiB }],
    });
    expect(ok).toBe(true);
    const messages = await drainQueue(h.resources);
    expect(messages.filter((m) => m.kind === 'resolve-file').map((m) => m.recordFileId)).toEqual(recording.files.map((f) => f.recordFileId));
  });
});
