// Open points #2 and #3: the SDKs name the operator with operator_id + operator_id_type, the seed
// documents with `userid`. Whichever form the account accepts, and whatever the other form answers
// (an undocumented error code or an empty answer), the client lists, addresses and downloads, and
// from then on sends the accepted form only.
import type { Simulator } from '../../../infra/local/simulator/server.ts';
import { PROFILE_NAMES, PROFILES } from '../../../infra/local/simulator/profiles.ts';
import { seededChunk } from '../../../infra/local/simulator/seeded-bytes.ts';
import { simulatorPerTest } from '../../support/simulator.ts';
import { TencentMeetingClient, type OperatorFormFound } from '../../../shared/tencent/client.ts';
import { parseTencentConfig } from '../../../shared/tencent/config.ts';
import { TencentApiError, TencentGoneError } from '../../../shared/tencent/errors.ts';

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const sec = (ms: number): number => Math.floor(ms / 1000);
const RANGE = { startTimeSec: sec(T0 - DAY_MS), endTimeSec: sec(T0 + DAY_MS) };

let sim: Simulator;
const start = simulatorPerTest((started) => (sim = started));

function clientFor(s: Simulator, found: OperatorFormFound[] = []): TencentMeetingClient {
  return new TencentMeetingClient(parseTencentConfig(s.env()), { retry: { baseDelayMs: 5, maxDelayMs: 20 }, onOperatorForm: (f) => found.push(f) });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** The operator form of every request the simulator logged since the last reset. */
function formsSent(): Array<'sdk' | 'seed'> {
  return sim.counters.log.map((entry) => {
    const query = new URL(entry.target, 'http://simulator').searchParams;
    return query.has('operator_id') ? 'sdk' : 'seed';
  });
}

function meetingWithTwoFiles() {
  return sim.model.createMeeting({
    subject: 'forms',
    hostUserId: sim.credentials.operatorId,
    startTimeMs: T0,
    files: [{ sizeBytes: 4096, transcripts: [{ fileType: 'txt' }] }, { sizeBytes: 2048 }],
  });
}

describe.each(PROFILE_NAMES)('operator form, simulator profile %s', (profile) => {
  const accepted = PROFILES[profile].operatorForm;

  it('lists, addresses and downloads in the form the account accepts, and sends only that form afterwards', async () => {
    await start({ profile });
    const recording = meetingWithTwoFiles();
    const found: OperatorFormFound[] = [];
    const client = clientFor(sim, found);

    const listed = await client.listRecords({ meetingId: recording.meetingId, ...RANGE });
    expect(listed.record_meetings.map((m) => m.meeting_record_id)).toEqual([recording.meetingRecordId]);
    const addresses = await collect(client.iterateMeetingAddresses(recording.meetingRecordId));
    expect(addresses.map((f) => f.record_file_id)).toEqual(recording.files.map((f) => f.recordFileId));
    const video = recording.files[0]!.artifacts[0]!;
    const detail = await client.getFileAddress(recording.files[0]!.recordFileId);
    const bytes = Buffer.from(await (await fetch(detail.download_address!)).arrayBuffer());
    expect(bytes.equals(seededChunk(video.seed, 0, video.size))).toBe(true);
    expect(detail.meeting_summary).toHaveLength(1);

    expect(client.operatorForms()).toEqual({ records: accepted, addresses: accepted, 'file-address': accepted });
    expect(found.map((f) => [f.endpoint, f.form])).toEqual([
      ['records', accepted],
      ['addresses', accepted],
      ['file-address', accepted],
    ]);

    sim.counters.reset();
    await client.listRecords({ meetingId: recording.meetingId, ...RANGE });
    await client.getFileAddress(recording.files[1]!.recordFileId);
    await client.getMeetingAddresses(recording.meetingRecordId);
    expect(formsSent()).toEqual([accepted, accepted, accepted]);
  });
});

describe('operator form negotiation', () => {
  it('believes the accepted form’s empty answer once it is proven: a recording not listed yet costs one request', async () => {
    await start({ profile: 'seed-empty' });
    const recording = meetingWithTwoFiles();
    const client = clientFor(sim);
    await client.listRecords({ meetingId: recording.meetingId, ...RANGE });
    sim.counters.reset();
    const notYet = await client.listRecords({ meetingId: '1999999999999999999', ...RANGE });
    expect(notYet.record_meetings).toEqual([]);
    expect(formsSent()).toEqual(['seed']);
  });

  it('never concludes "not listed" from one unproven form: an empty answer is asked again in the other form', async () => {
    await start({ profile: 'seed-empty' });
    const recording = meetingWithTwoFiles();
    const listed = await clientFor(sim).listRecords({ meetingId: recording.meetingId, ...RANGE });
    expect(listed.record_meetings).toHaveLength(1);
    // The SDK form first (the official SDKs' form), answered empty; then the seed form, which lists it.
    expect(formsSent()).toEqual(['sdk', 'seed']);
  });

  it('an empty account: both forms answer empty, nothing is remembered, and the next call asks both again', async () => {
    await start({ profile: 'sdk-empty' });
    const client = clientFor(sim);
    expect((await client.listRecords(RANGE)).record_meetings).toEqual([]);
    expect(client.operatorForms()).toEqual({});
    const recording = meetingWithTwoFiles();
    expect((await client.listRecords(RANGE)).record_meetings.map((m) => m.meeting_record_id)).toEqual([recording.meetingRecordId]);
    expect(client.operatorForms()).toEqual({ records: 'sdk' });
    expect(formsSent()).toEqual(['sdk', 'seed', 'sdk']);
  });

  it('the other form refusing while one answers empty proves the answering form', async () => {
    await start({ profile: 'seed' });
    const client = clientFor(sim);
    expect((await client.listRecords(RANGE)).record_meetings).toEqual([]);
    expect(client.operatorForms()).toEqual({ records: 'seed' });
  });

  it('follows an account that moves to the other form (the proven form starts refusing)', async () => {
    await start({ profile: 'sdk' });
    const recording = meetingWithTwoFiles();
    const client = clientFor(sim);
    await client.listRecords({ meetingId: recording.meetingId, ...RANGE });
    sim.settings.readings = { ...sim.settings.readings, operatorForm: 'seed' };
    const after = await client.listRecords({ meetingId: recording.meetingId, ...RANGE });
    expect(after.record_meetings).toHaveLength(1);
    expect(client.operatorForms().records).toBe('seed');
  });

  it('a file deleted at the source is reported gone whichever form says so', async () => {
    await start({ profile: 'seed-empty' });
    const recording = meetingWithTwoFiles();
    const fileId = recording.files[0]!.recordFileId;
    sim.model.deleteFile(fileId);
    // The SDK form answers a file without links (proves nothing), the seed form 4051.
    await expect(clientFor(sim).getFileAddress(fileId)).rejects.toBeInstanceOf(TencentGoneError);
  });

  it('an account answering 9003 to the form it does not accept: an unproven form’s 9003 tries the other form, and the file is found', async () => {
    await start({ readings: { operatorForm: 'seed', otherFormAnswer: 'meeting-missing' } });
    const recording = meetingWithTwoFiles();
    const found: OperatorFormFound[] = [];
    const client = clientFor(sim, found);
    const detail = await client.getFileAddress(recording.files[0]!.recordFileId);
    expect(detail.download_address).toBeDefined();
    const listed = await client.listRecords({ meetingId: recording.meetingId, ...RANGE });
    expect(listed.record_meetings.map((m) => m.meeting_record_id)).toEqual([recording.meetingRecordId]);
    expect(found.map((f) => [f.endpoint, f.form])).toEqual([
      ['file-address', 'seed'],
      ['records', 'seed'],
    ]);
    // Once seed is proven, a file deleted at the source is reported gone by it, in one request.
    const deletedId = recording.files[1]!.recordFileId;
    sim.model.deleteFile(deletedId);
    sim.counters.reset();
    await expect(client.getFileAddress(deletedId)).rejects.toBeInstanceOf(TencentGoneError);
    expect(formsSent()).toEqual(['seed']);
  });

  it('a deleted file’s 9003 from one form, beside the other form’s empty answer, proves no form: the next file is still found', async () => {
    // The wild reading: the account takes `userid`, answers the SDK form empty, and a deleted file 9003.
    await start({ readings: { operatorForm: 'seed', otherFormAnswer: 'empty', deletedFileAnswer: 9003 } });
    const recording = meetingWithTwoFiles();
    const [served, deleted] = [recording.files[0]!.recordFileId, recording.files[1]!.recordFileId];
    sim.model.deleteFile(deleted);
    const client = clientFor(sim);
    // The first address ever asked is the deleted file's: SDK form empty, seed form 9003.
    await client.getFileAddress(deleted).catch(() => undefined);
    expect(client.operatorForms()['file-address']).not.toBe('sdk');
    const detail = await client.getFileAddress(served);
    expect(detail.download_address).toBeDefined();
    expect(client.operatorForms()['file-address']).toBe('seed');
  });

  it('when both forms are refused, the error of the first one tried is thrown, typed and not retryable', async () => {
    await start({ profile: 'sdk' });
    const client = clientFor(sim);
    const error = await client.getFileAddress('1000000000000000001').catch((e: unknown) => e);
    // A file that never existed: 4051 from the SDK form is Tencent's answer, whatever the seed form says.
    expect(error).toBeInstanceOf(TencentGoneError);
    const refused = await client.listRecords({ ...RANGE, startTimeSec: RANGE.endTimeSec + 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TencentApiError);
    expect(refused).toMatchObject({ errorCode: 190004, retryable: false });
  });
});
