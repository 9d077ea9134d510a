// `npm run archive`'s selectors against the simulator over HTTP and the emulators: a meeting code
// resolves through GET /v1/meetings?meeting_code= under every reading of a miss, a recycled code
// still finds the meeting the archive holds under it, and a file goes out as the sweep's
// archive-file (known to the index) or as resolve-file (unknown).
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { NotFoundError } from '../../../shared/errors.ts';
import { enqueueArchive, meetingsOfCode } from '../../../shared/operations/archive-now.ts';
import { enqueuedMarkerKey } from '../../../shared/reconcile/enqueue.ts';
import { ConditionalItemStore } from '../../../shared/aws/conditional-item-store.ts';
import { TencentMeetingClient } from '../../../shared/tencent/client.ts';
import { parseTencentConfig } from '../../../shared/tencent/config.ts';
import type { Simulator } from '../../../infra/local/simulator/server.ts';
import { createTestResources, destroyClients, drainQueue, tableAndQueueOf } from '../../support/aws.ts';
import { simulatorPerTest } from '../../support/simulator.ts';

let sim: Simulator;
const start = simulatorPerTest((s) => (sim = s));

describe('npm run archive: what goes on the queue', () => {
  let resources: Awaited<ReturnType<typeof createTestResources>>;
  beforeAll(async () => {
    resources = await createTestResources();
  });
  afterAll(() => destroyClients(resources.clients));

  const deps = () => ({
    ...tableAndQueueOf(resources),
    tencent: async () => new TencentMeetingClient(parseTencentConfig(sim.env())),
  });

  it.each(['error-9003', 'empty'] as const)('resolves a meeting code to its meeting, and names no meeting for an unknown code (a miss answered %s)', async (meetingCodeMiss) => {
    await start({ readings: { meetingCodeMiss } });
    const recording = sim.model.createMeeting({ subject: 'by code', hostUserId: sim.credentials.operatorId, files: [{ sizeBytes: 100 }] });
    await expect(meetingsOfCode(deps(), recording.meetingCode)).resolves.toEqual([recording.meetingId]);
    await expect(meetingsOfCode(deps(), '123123123')).rejects.toThrow(NotFoundError);
    expect(sim.counters.endpoints.meetingsByCode.requests).toBe(2);
  });

  it('finds the meeting the archive holds under a code Tencent has since given to another meeting', async () => {
    await start();
    const operator = sim.credentials.operatorId;
    const old = sim.model.createMeeting({ subject: 'old', hostUserId: operator, startTimeMs: Date.now() - 20 * 86_400_000, files: [{ sizeBytes: 100 }] });
    const index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
    await index.upsertMeetingRecording({ meetingRecordId: old.meetingRecordId, meetingId: old.meetingId, meetingCode: old.meetingCode, subject: 'old', hostUserId: operator, mediaStartTimeMs: old.mediaStartTimeMs, state: 3 });
    const current = sim.model.createMeeting({ subject: 'current', hostUserId: operator, meetingCode: old.meetingCode, files: [{ sizeBytes: 100 }] });
    expect(current.meetingId).not.toBe(old.meetingId);
    const ids = await meetingsOfCode(deps(), old.meetingCode);
    expect(ids.sort()).toEqual([current.meetingId, old.meetingId].sort());

    const enqueued = await enqueueArchive(deps(), { by: 'meetingCode', meetingCode: old.meetingCode });
    const bodies = await drainQueue(resources);
    expect(bodies.map((b) => [b.kind, b.meetingId, b.reason]).sort()).toEqual(ids.map((id) => ['archive-meeting', id, 'operator']).sort());
    expect(enqueued.messages).toHaveLength(2);
  });

  it('sends the sweep’s archive-file (and its marker) for a file the index knows, and resolve-file for one it does not', async () => {
    await start();
    const recording = sim.model.createMeeting({ subject: 'file', hostUserId: sim.credentials.operatorId, files: [{ sizeBytes: 100 }] });
    const file = recording.files[0]!;
    const index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
    const ids = { meetingRecordId: recording.meetingRecordId, meetingId: recording.meetingId };
    await index.upsertMeetingRecording({ ...ids, meetingCode: recording.meetingCode, subject: 'file', hostUserId: 'alice', mediaStartTimeMs: recording.mediaStartTimeMs, state: 3 });
    await index.upsertRecordFile({ ...ids, recordFileId: file.recordFileId, recordStartTimeMs: file.recordStartTimeMs, recordEndTimeMs: file.recordEndTimeMs, recordSize: file.recordSize, sharing: { sharingState: 0 } });

    await enqueueArchive(deps(), { by: 'recordFileId', recordFileId: file.recordFileId });
    await enqueueArchive(deps(), { by: 'recordFileId', recordFileId: 'not-indexed-1' });
    const bodies = await drainQueue(resources);
    const known = bodies.find((b) => b.kind === 'archive-file')!;
    expect(known).toMatchObject({ reason: 'operator', ...ids, recordFileId: file.recordFileId, creatorUserId: 'alice' });
    // Its window holds the recording, from what the index knows.
    expect(Number(known.windowStartSec)).toBeLessThanOrEqual(file.recordStartTimeMs / 1000);
    expect(Number(known.windowEndSec)).toBeGreaterThanOrEqual(file.recordEndTimeMs / 1000);
    expect(bodies.find((b) => b.kind === 'resolve-file')).toMatchObject({ reason: 'operator', recordFileId: 'not-indexed-1' });
    // The sweep will not send the file again while this one is on its way.
    const marker = await new ConditionalItemStore(resources.clients.dynamo, resources.tableName).get(enqueuedMarkerKey(file.recordFileId));
    expect(marker).toMatchObject({ recordFileId: file.recordFileId, by: 'operator' });
  });
});
