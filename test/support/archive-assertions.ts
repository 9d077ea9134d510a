// What a user of the archive checks after a run: every artifact archived once with exactly the
// simulator's bytes, and how many body bytes the copies downloaded.
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import type { Harness } from './ingest-harness.ts';
import { seededSha256 } from '../../infra/local/simulator/seeded-bytes.ts';
import type { SimMeetingRecording } from '../../infra/local/simulator/model.ts';
import { meetingFromRecording, recordingCompletedEvent } from '../../infra/local/simulator/webhook-events.ts';
import { fileStatus } from '../../shared/archive/model.ts';

/** A one-file (1 MiB) recording, completed, archived without a failure: the recording, its file id and its video's key. */
export async function archiveOne(h: Harness, subject: string): Promise<{ recording: SimMeetingRecording; fileId: string; key: string }> {
  const recording = h.sim.model.createMeeting({ subject, hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 1024 * 1024 }] });
  const fileId = recording.files[0]!.recordFileId;
  await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
  expect((await h.drain()).failed).toBe(0);
  const file = (await h.index.getRecordFile(fileId))!;
  expect(fileStatus(file)).toBe('archived');
  return { recording, fileId, key: file.artifacts.video!.key! };
}

export async function objectSha256(h: Harness, key: string, bucket = h.resources.bucketName): Promise<string> {
  const object = await h.resources.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

export async function objectExists(h: Harness, key: string): Promise<boolean> {
  try {
    await h.resources.clients.s3.send(new HeadObjectCommand({ Bucket: h.resources.bucketName, Key: key }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFound') return false;
    throw error;
  }
}

/** Messages in the ingest dead-letter queue, visible or in flight. */
export async function dlqDepth(h: Harness): Promise<number> {
  const { Attributes: a = {} } = await h.resources.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: h.resources.ingestDeadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/**
 * Every artifact of every file of the recording is archived once, with exactly the simulator's
 * bytes: each simulator artifact matches one archived artifact of its kind and type by content
 * (the archive names transcripts by their link, not by the simulator's names).
 */
export async function expectArchivedExactly(h: Harness, recording: SimMeetingRecording): Promise<void> {
  for (const simFile of recording.files) {
    const file = await h.index.getRecordFile(simFile.recordFileId);
    expect(file).toBeDefined();
    expect(fileStatus(file!)).toBe('archived');
    const archived = Object.values(file!.artifacts);
    expect(archived.map((a) => `${a.kind}.${a.fileType}`).sort()).toEqual(simFile.artifacts.map((a) => `${a.kind}.${a.fileType}`).sort());
    const contents = new Map<string, string>();
    for (const artifact of archived) {
      expect(artifact.status).toBe('archived');
      expect(artifact.checksum).toMatch(/^CRC32/);
      contents.set(artifact.artifact, `${artifact.kind}.${artifact.fileType}:${artifact.bytes}:${await objectSha256(h, artifact.key!, artifact.bucket!)}`);
    }
    const expected = await Promise.all(simFile.artifacts.map(async (a) => `${a.kind}.${a.fileType}:${a.size}:${await seededSha256(a.seed, a.size)}`));
    expect([...contents.values()].sort()).toEqual(expected.sort());
  }
}

/** Body bytes the download host served for copies: its 1-byte size probes left out. */
export function copiedBytes(h: Harness): number {
  const probes = h.sim.downloads.log.filter((entry) => entry.status === 206 && entry.range?.start === 0 && entry.range.end === 0).length;
  return h.sim.downloads.stats.bytesServed - probes;
}

