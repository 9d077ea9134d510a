// The whole pipeline under every reading of Tencent's sources the simulator plays (profiles.ts):
// a cloud recording and an uploaded one (query_record_type 2, open point #12) are archived with
// exact bytes whichever operator form the account accepts (#2, #3), through the webhook and through
// the reconcile sweep; and an expired STS token waits for a fresh one instead of the DLQ (#13).
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { PROFILE_NAMES } from '../../../infra/local/simulator/profiles.ts';
import { asTencentSends, meetingFromRecording, recordingCompletedEvent, recordingDeletedEvent, stsTokenEvent, withoutMeetingInfo } from '../../../infra/local/simulator/webhook-events.ts';
import { fileStatus } from '../../../shared/archive/model.ts';
import { createSweepDeps } from '../../../shared/reconcile/sources.ts';
import { runSweep } from '../../../shared/reconcile/sweep.ts';
import { parseTencentConfig } from '../../../shared/tencent/config.ts';
import { expectArchivedExactly } from '../../support/archive-assertions.ts';
import { startHarness, type Harness } from '../../support/ingest-harness.ts';

const MiB = 1024 * 1024;
/** Tencent's record_type of an uploaded recording (SDK-GO); query_record_type 1, its default, lists only cloud recordings. */
const UPLOADED = 2;

async function deadLetters(h: Harness): Promise<string[]> {
  const dead = await h.resources.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: h.resources.ingestDeadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
  );
  return (dead.Messages ?? []).map((m) => m.MessageAttributes?.failure?.StringValue ?? '');
}

/** One reconcile sweep over the last day, as the scheduled function runs it. */
async function sweepLastDay(h: Harness): Promise<void> {
  const deps = createSweepDeps({
    dynamo: h.resources.clients.dynamo,
    sqs: h.resources.clients.sqs,
    tableName: h.resources.tableName,
    queueUrl: h.resources.ingestQueueUrl,
    tencent: parseTencentConfig(h.sim.env()),
  });
  const endSec = Math.floor(Date.now() / 1000) + 60;
  const result = await runSweep(deps, { name: 'sweep', owner: 'test', plan: () => ({ startSec: endSec - 86_400, endSec }), whenComplete: 'restart', reason: 'reconcile' });
  expect(result.status).toBe('complete');
}

describe.each(PROFILE_NAMES)('simulator profile %s', (profile) => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('archives a cloud recording and an uploaded recording announced by webhooks, with exact bytes', async () => {
    h = await startHarness({ simulator: { profile } });
    const host = h.sim.credentials.operatorId;
    const cloud = h.sim.model.createMeeting({ subject: '云录制 ☁️', hostUserId: host, files: [{ sizeBytes: MiB + 17, audioBytes: 4096, transcripts: [{ fileType: 'txt' }] }] });
    const uploaded = h.sim.model.createMeeting({ subject: '上传录制 📤', hostUserId: host, recordType: UPLOADED, files: [{ sizeBytes: 2 * MiB + 5 }] });
    for (const recording of [cloud, uploaded]) {
      // As this profile's Tencent sends it (under `wild`, an uploaded recording's event has no meeting_info).
      const event = asTencentSends(recordingCompletedEvent(meetingFromRecording(recording), recording.files.map((f) => f.recordFileId)), recording, h.sim.settings.readings);
      const ack = await h.deliver(event);
      expect(ack).toMatchObject({ statusCode: 200, body: 'successfully received callback' });
    }
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, cloud);
    await expectArchivedExactly(h, uploaded);
    expect(await deadLetters(h)).toEqual([]);
  });

  it('archives an uploaded recording no webhook announced, through the reconcile sweep', async () => {
    h = await startHarness({ simulator: { profile } });
    const uploaded = h.sim.model.createMeeting({ subject: 'uploaded, missed', hostUserId: 'someone-else', recordType: UPLOADED, files: [{ sizeBytes: MiB }] });
    await sweepLastDay(h);
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, uploaded);
  });
});

describe('STS token expiry (open point #13)', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('defers the message while the STS token is expired and archives once a fresh token arrives, never via the DLQ', async () => {
    h = await startHarness({ simulator: { requireStsToken: true } });
    const nowSec = Math.floor(Date.now() / 1000);
    await h.deliver(stsTokenEvent('an-expired-token', nowSec - 60));
    const recording = h.sim.model.createMeeting({ subject: 'needs a token', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [recording.files[0]!.recordFileId]));

    const waiting = await h.drain({ maxInvocations: 3 });
    expect(waiting.failed).toBe(0);
    expect(await deadLetters(h)).toEqual([]);
    expect(h.sim.counters.endpoints.fileAddress.byErrorCode['190303']).toBeUndefined();
    expect(fileStatus((await h.index.getRecordFile(recording.files[0]!.recordFileId))!)).not.toBe('archived');

    await h.deliver(stsTokenEvent(h.sim.credentials.stsToken, nowSec + 3600));
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
    expect(await deadLetters(h)).toEqual([]);
  });

  // Both ways a stored token is unusable: expired by our clock, or refused by Tencent (190303) while
  // our clock still calls it valid. A fresh token always expires later than the unusable one.
  const unusable = {
    expired: (nowSec: number) => stsTokenEvent('an-expired-token', nowSec - 60),
    refused: (nowSec: number) => stsTokenEvent('a-token-tencent-refuses', nowSec + 3600),
  };
  /** More receives than the queue's maxReceiveCount (5): a message that fails instead of deferring reaches the DLQ. */
  const PAST_MAX_RECEIVES = 8;

  it('a token Tencent refuses (190303) while our clock says it is valid waits for a fresh one, never the DLQ', async () => {
    h = await startHarness({ simulator: { requireStsToken: true } });
    const nowSec = Math.floor(Date.now() / 1000);
    await h.deliver(unusable.refused(nowSec));
    const recording = h.sim.model.createMeeting({ subject: 'token refused', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [recording.files[0]!.recordFileId]));

    const waiting = await h.drain({ maxInvocations: PAST_MAX_RECEIVES });
    expect(waiting.failed).toBe(0);
    expect(await deadLetters(h)).toEqual([]);
    expect(h.sim.counters.endpoints.fileAddress.byErrorCode['190303']).toBeGreaterThan(0);
    expect(fileStatus((await h.index.getRecordFile(recording.files[0]!.recordFileId))!)).not.toBe('archived');

    await h.deliver(stsTokenEvent(h.sim.credentials.stsToken, nowSec + 7200));
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);
    expect(await deadLetters(h)).toEqual([]);
  });

  it.each(Object.keys(unusable) as (keyof typeof unusable)[])('an uploaded recording’s event without meeting_info defers for a fresh token (%s), never the DLQ', async (how) => {
    h = await startHarness({ simulator: { requireStsToken: true } });
    const nowSec = Math.floor(Date.now() / 1000);
    await h.deliver(unusable[how](nowSec));
    const uploaded = h.sim.model.createMeeting({ subject: 'uploaded', hostUserId: h.sim.credentials.operatorId, recordType: UPLOADED, files: [{ sizeBytes: MiB }] });
    await h.deliver(withoutMeetingInfo(recordingCompletedEvent(meetingFromRecording(uploaded), [uploaded.files[0]!.recordFileId])));
    const waiting = await h.drain({ maxInvocations: PAST_MAX_RECEIVES });
    expect(waiting.failed).toBe(0);
    expect(await deadLetters(h)).toEqual([]);

    await h.deliver(stsTokenEvent(h.sim.credentials.stsToken, nowSec + 7200));
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, uploaded);
    expect(await deadLetters(h)).toEqual([]);
  });

  it.each(Object.keys(unusable) as (keyof typeof unusable)[])('a deletion defers for a fresh token (%s), then is confirmed, never the DLQ', async (how) => {
    // Archived while the app needed no token; from then on it does, and the one it holds is unusable.
    h = await startHarness();
    const nowSec = Math.floor(Date.now() / 1000);
    const recording = h.sim.model.createMeeting({ subject: 'deleted later', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: MiB }] });
    const recordFileId = recording.files[0]!.recordFileId;
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [recordFileId]));
    expect((await h.drain()).failed).toBe(0);
    await expectArchivedExactly(h, recording);

    h.sim.settings.requireStsToken = true;
    await h.deliver(unusable[how](nowSec));
    h.sim.model.deleteFile(recordFileId);
    await h.deliver(recordingDeletedEvent(meetingFromRecording(recording), [recordFileId]));
    const waiting = await h.drain({ maxInvocations: PAST_MAX_RECEIVES });
    expect(waiting.failed).toBe(0);
    expect(await deadLetters(h)).toEqual([]);
    expect((await h.index.getRecordFile(recordFileId))!.sourceDeletedAt).toBeUndefined();

    await h.deliver(stsTokenEvent(h.sim.credentials.stsToken, nowSec + 7200));
    expect((await h.drain()).failed).toBe(0);
    expect((await h.index.getRecordFile(recordFileId))!.sourceDeletedAt).toBeDefined();
    expect(await deadLetters(h)).toEqual([]);
  });
});
