// GET /v1/addresses/{record_file_id} answers from ONE consistent GetItem: the file's base-table
// pointer carries its address copy (shared/archive/address-copies.ts). After every kind of state
// change the one-read answer must be exactly what the two-read path (pointer, then MEETING item)
// answers: each check below also asks again with the pointer's copy taken off, which forces the
// two-read path, and compares the two answers (links compared by object and download name, since
// a presigned link's signature carries the second it was signed in).
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { countDynamoCalls, type CallCounter, type DynamoCalls } from '../../support/aws-calls.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { ArchiveListing } from '../../../shared/archive/archive-list.ts';
import { ArchiveMarks } from '../../../shared/archive/archive-marks.ts';
import { MAX_ADDRESS_COPIES } from '../../../shared/archive/address-copies.ts';
import type { ArtifactKind, ArtifactRecord } from '../../../shared/archive/model.ts';
import { keys } from '../../../shared/archive/table-design.ts';
import { ArchiveQueryService } from '../../../shared/query/service.ts';
import type { Caller } from '../../../shared/query/caller.ts';
import { T0 } from './support.ts';
import { EVERY_ARTIFACT_KIND } from '../../support/archive-names.ts';

let resources: Awaited<ReturnType<typeof createTestResources>>;
let index: ArchiveIndex;
let marks: ArchiveMarks;
let service: ArchiveQueryService;
let calls: CallCounter<DynamoCalls>;

beforeAll(async () => {
  resources = await createTestResources();
  const { dynamo, s3 } = resources.clients;
  index = new ArchiveIndex({ dynamo, tableName: resources.tableName });
  marks = new ArchiveMarks({ dynamo, tableName: resources.tableName });
  service = new ArchiveQueryService({ index, listing: new ArchiveListing({ dynamo, tableName: resources.tableName }), marks, s3, bucketName: resources.bucketName });
  calls = countDynamoCalls(dynamo);
});
afterAll(() => destroyClients(resources.clients));

const ACCOUNT: Caller = { scope: 'account' };

/** The answer a caller sees (404 as `{ status: 404 }`), with each link as its object and download name. */
async function answer(recordFileId: string, caller: Caller = ACCOUNT): Promise<unknown> {
  const shape = (value: unknown): unknown => {
    if (typeof value === 'string' && value.startsWith('http')) {
      const url = new URL(value);
      return `${url.pathname} ${url.searchParams.get('response-content-disposition')}`;
    }
    if (Array.isArray(value)) return value.map(shape);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
    return value;
  };
  try {
    return shape(await service.getAddresses(recordFileId, caller));
  } catch (error) {
    return { status: (error as { statusCode?: number }).statusCode };
  }
}

/** What the two-read path answers: the same call with the pointer's copy taken off for the moment. */
async function twoReadAnswer(recordFileId: string, caller: Caller = ACCOUNT): Promise<unknown> {
  const { dynamo } = resources.clients;
  const raw = (await dynamo.send(new GetCommand({ TableName: resources.tableName, Key: keys.fileById(recordFileId), ConsistentRead: true }))).Item;
  if (!raw?.address) return answer(recordFileId, caller);
  const { address: _copy, ...pointer } = raw;
  await dynamo.send(new PutCommand({ TableName: resources.tableName, Item: pointer }));
  try {
    return await answer(recordFileId, caller);
  } finally {
    await dynamo.send(new PutCommand({ TableName: resources.tableName, Item: raw }));
  }
}

/** The answer, the items it read, and a check that the two-read path answers the same. */
async function check(recordFileId: string, caller: Caller = ACCOUNT): Promise<{ body: any; itemsRead: number; requests: number }> {
  calls.reset();
  const body = await answer(recordFileId, caller);
  const { itemsRead, requests } = calls.calls;
  expect(await twoReadAnswer(recordFileId, caller)).toEqual(body);
  return { body, itemsRead, requests };
}

const disposition = (link: string) => decodeURIComponent(String(link).split("UTF-8''")[1] ?? '');

function artifact(meetingRecordId: string, recordFileId: string, name: string, kind: ArtifactKind, fileType: string, status: ArtifactRecord['status'] = 'archived'): ArtifactRecord {
  return { artifact: name, kind, fileType, status, bucket: resources.bucketName, key: `recordings/${meetingRecordId}/${recordFileId}/${name}.${fileType}`, bytes: 1000, archivedAt: new Date(T0).toISOString() };
}

async function indexRecording(meetingRecordId: string, fileIds: readonly string[], subject: string, hostUserId = 'alice'): Promise<void> {
  await index.upsertMeetingRecording({ meetingRecordId, meetingId: `m${meetingRecordId}`, meetingCode: `c${meetingRecordId}`, subject, hostUserId, mediaStartTimeMs: T0, state: 3 });
  for (const [i, recordFileId] of fileIds.entries()) {
    await index.upsertRecordFile({ meetingRecordId, recordFileId, meetingId: `m${meetingRecordId}`, recordStartTimeMs: T0 + i * 1000, recordEndTimeMs: T0 + i * 1000 + 900, recordSize: 1000, sharing: { sharingState: 0 } });
    await index.setArtifactStatus(meetingRecordId, recordFileId, artifact(meetingRecordId, recordFileId, 'video', 'video', 'mp4'));
  }
}

describe('an inline recording: every change keeps the one-read answer exact', () => {
  const M = '71001';
  const [F1, F2] = ['7100101', '7100102'];
  beforeAll(() => indexRecording(M, [F1, F2], 'Weekly sync'));

  it('answers archived links from one GetItem, and an unknown file with one too', async () => {
    const { body, itemsRead, requests } = await check(F1);
    expect({ itemsRead, requests }).toEqual({ itemsRead: 1, requests: 1 });
    expect(body).toMatchObject({ record_file_id: F1, meeting_id: `m${M}`, meeting_code: `c${M}`, download_address_file_type: 'mp4' });
    expect(disposition(body.download_address)).toBe(`Weekly sync-${F1}.mp4`);
    expect((await check('7100199')).body).toEqual({ status: 404 });
    expect((await check('7100199')).itemsRead).toBe(1);
  });

  it('never serves a copy whose pointer was rewritten to another meeting', async () => {
    const { dynamo } = resources.clients;
    await indexRecording('71002', ['7100201'], 'Other');
    expect((await check('7100201')).itemsRead).toBe(1);
    const pointer = (await dynamo.send(new GetCommand({ TableName: resources.tableName, Key: keys.fileById('7100201'), ConsistentRead: true }))).Item!;
    await dynamo.send(new PutCommand({ TableName: resources.tableName, Item: { ...pointer, meetingRecordId: M } }));
    expect((await check('7100201')).body).toEqual({ status: 404 });
  });

  it('shows an artifact the moment it is archived, and not while it copies', async () => {
    await index.setArtifactStatus(M, F1, artifact(M, F1, 'audio', 'audio', 'm4a', 'copying'));
    let seen = await check(F1);
    expect(seen.itemsRead).toBe(1);
    expect(seen.body.audio_address).toBeUndefined();
    await index.setArtifactStatus(M, F1, artifact(M, F1, 'audio', 'audio', 'm4a'));
    seen = await check(F1);
    expect(seen.itemsRead).toBe(1);
    expect(seen.body.audio_address_file_type).toBe('m4a');
  });

  it('drops the link of a copy deleted under mirror, and of one expired; a source-deleted flag changes nothing', async () => {
    await index.markSourceDeleted({ recordFileIds: [F1] }, T0 + 1000);
    expect((await check(F1)).body.download_address_file_type).toBe('mp4');
    await index.setArtifactStatus(M, F1, { ...artifact(M, F1, 'video', 'video', 'mp4'), status: 'deleted', removedBy: 'mirror' });
    let seen = await check(F1);
    expect(seen.itemsRead).toBe(1);
    expect(seen.body.download_address).toBeUndefined();
    expect(seen.body.audio_address_file_type).toBe('m4a');
    await index.setArtifactStatus(M, F1, { ...artifact(M, F1, 'audio', 'audio', 'm4a'), status: 'deleted', removedBy: 'expiry' });
    seen = await check(F1);
    expect(seen.itemsRead).toBe(1);
    expect(seen.body.audio_address).toBeUndefined();
    // The other file of the recording is untouched.
    expect((await check(F2)).body.download_address_file_type).toBe('mp4');
  });

  it('answers the same under a legal hold and after it is lifted', async () => {
    const before = (await check(F2)).body;
    expect((await marks.setLegalHold(M, { by: 'legal@example.com', since: new Date(T0).toISOString() }))?.changed).toBe(true);
    const held = await check(F2);
    expect(held).toMatchObject({ itemsRead: 1, body: before });
    await marks.setLegalHold(M, undefined);
    expect((await check(F2)).body).toEqual(before);
  });

  it('names downloads after a renamed subject, and follows a new host, on every file of the recording', async () => {
    await index.upsertMeetingRecording({ meetingRecordId: M, meetingId: `m${M}`, meetingCode: `c${M}`, subject: 'Weekly sync (renamed)', hostUserId: 'bob', mediaStartTimeMs: T0, state: 3 });
    const seen = await check(F2);
    expect(seen.itemsRead).toBe(1);
    expect(disposition(seen.body.download_address)).toBe(`Weekly sync (renamed)-${F2}.mp4`);
    expect((await check(F2, { scope: 'user', userId: 'alice' })).body).toEqual({ status: 404 });
    expect((await check(F2, { scope: 'user', userId: 'bob' })).body).toMatchObject({ record_file_id: F2 });
    expect((await check(F1, { scope: 'user', userId: 'bob' })).itemsRead).toBe(1);
  });

  it('serves the transcripts call from the same one item', async () => {
    calls.reset();
    expect(await service.getTranscripts(F2)).toEqual({ record_file_id: F2, transcripts: [] });
    expect(calls.calls).toMatchObject({ requests: 1, itemsRead: 1 });
  });
});

describe('pointers written before address copies (no copy on the item)', () => {
  const M = '72001';
  const F = '7200101';
  beforeAll(() => indexRecording(M, [F], 'Legacy'));

  it('answer through the two-read path (or the record-file index, with no pointer at all) until the file next changes, then from one item', async () => {
    const { dynamo } = resources.clients;
    // The pointer exactly as the earlier code wrote it: ids only.
    await dynamo.send(new PutCommand({ TableName: resources.tableName, Item: { ...keys.fileById(F), kind: 'file-id', meetingRecordId: M, recordFileId: F } }));
    let seen = await check(F);
    expect(seen).toMatchObject({ itemsRead: 2, requests: 2 });
    expect(seen.body.download_address_file_type).toBe('mp4');
    // No base-table pointer: the missing pointer, the index entry, the MEETING item, as before.
    await dynamo.send(new DeleteCommand({ TableName: resources.tableName, Key: keys.fileById(F) }));
    seen = await check(F);
    expect(seen.itemsRead).toBe(3);
    expect(seen.body).toMatchObject({ record_file_id: F, download_address_file_type: 'mp4' });
    // The next change of its archived artifacts writes the pointer with its copy.
    await index.upsertRecordFile({ meetingRecordId: M, recordFileId: F, meetingId: `m${M}`, recordStartTimeMs: T0, recordEndTimeMs: T0 + 900, recordSize: 1000, sharing: { sharingState: 0 } });
    await index.setArtifactStatus(M, F, artifact(M, F, 'audio', 'audio', 'm4a'));
    seen = await check(F);
    expect(seen.itemsRead).toBe(1);
    expect(seen.body.audio_address_file_type).toBe('m4a');
  });
});

describe('files moved apart, and recordings with more files than copies are kept for', () => {

  it('answers every file exactly once files move apart, and follows changes to inline and apart files', async () => {
    const M = '73001';
    const { dynamo } = resources.clients;
    await index.upsertMeetingRecording({ meetingRecordId: M, meetingId: `m${M}`, meetingCode: `c${M}`, subject: 'All hands', hostUserId: 'alice', mediaStartTimeMs: T0, state: 3 });
    const ids: string[] = [];
    const apart = async () => (await dynamo.send(new GetCommand({ TableName: resources.tableName, Key: keys.meeting(M), ConsistentRead: true }))).Item!.filesApart === true;
    for (let i = 0; !(await apart()); i++) {
      const F = `73001${String(i).padStart(3, '0')}`;
      ids.push(F);
      await index.upsertRecordFile({ meetingRecordId: M, recordFileId: F, meetingId: `m${M}`, recordStartTimeMs: T0 + i, recordEndTimeMs: T0 + i + 1, recordSize: 1000, sharing: { sharingState: 0 } });
      for (const [name, kind, type] of EVERY_ARTIFACT_KIND) await index.setArtifactStatus(M, F, artifact(M, F, name, kind, type));
      if (!(await apart())) expect((await check(F)).itemsRead).toBe(1);
    }
    expect(ids.length).toBeGreaterThan(2);
    const [first, last] = [ids[0]!, ids.at(-1)!];
    for (const F of [first, last]) {
      const seen = await check(F);
      expect(seen.itemsRead).toBeGreaterThanOrEqual(2);
      expect(seen.body).toMatchObject({ record_file_id: F, download_address_file_type: 'mp4', ai_minutes: [{ file_type: 'docx' }, { file_type: 'pdf' }] });
    }
    // A file that stayed inline and the one that moved: changes show at once.
    await index.setArtifactStatus(M, first, { ...artifact(M, first, 'video', 'video', 'mp4'), status: 'deleted', removedBy: 'mirror' });
    await index.setArtifactStatus(M, last, { ...artifact(M, last, 'audio', 'audio', 'm4a'), status: 'deleted', removedBy: 'expiry' });
    expect((await check(first)).body.download_address).toBeUndefined();
    expect((await check(last)).body.audio_address).toBeUndefined();
    await index.upsertMeetingRecording({ meetingRecordId: M, meetingId: `m${M}`, meetingCode: `c${M}`, subject: 'All hands (renamed)', hostUserId: 'alice', mediaStartTimeMs: T0, state: 3 });
    expect(disposition((await check(first)).body.audio_address)).toBe(`All hands (renamed)-${first}-audio.m4a`);
    expect(disposition((await check(last)).body.download_address)).toBe(`All hands (renamed)-${last}.mp4`);
  }, 120_000);

  it(`stops keeping copies past ${MAX_ADDRESS_COPIES} files, and answers all of them exactly after a rename`, async () => {
    const M = '74001';
    const ids = Array.from({ length: MAX_ADDRESS_COPIES + 1 }, (_, i) => `74001${String(i).padStart(3, '0')}`);
    await indexRecording(M, ids.slice(0, MAX_ADDRESS_COPIES), 'Town hall');
    expect((await check(ids[0]!)).itemsRead).toBe(1);
    await indexRecording(M, ids, 'Town hall');
    expect((await check(ids[0]!)).itemsRead).toBe(2);
    await index.upsertMeetingRecording({ meetingRecordId: M, meetingId: `m${M}`, meetingCode: `c${M}`, subject: 'Town hall (renamed)', hostUserId: 'alice', mediaStartTimeMs: T0, state: 3 });
    for (const F of [ids[0]!, ids.at(-1)!]) expect(disposition((await check(F)).body.download_address)).toBe(`Town hall (renamed)-${F}.mp4`);
  }, 120_000);
});
