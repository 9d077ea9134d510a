// GET /v1/addresses/{record_file_id}: presigned links that download the exact archived bytes.
import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { createQueryHandler } from '../../../functions/query/handler.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { openApiDocument } from '../../../shared/query/openapi.ts';
import { validateResponse } from '../../unit/query/json-schema.ts';
import { T0, call, event } from './support.ts';

describe('GET /v1/addresses/{record_file_id}', () => {
  let resources: Awaited<ReturnType<typeof createTestResources>>;
  let index: ArchiveIndex;
  const objects = new Map<string, Buffer>();

  beforeAll(async () => {
    resources = await createTestResources();
    index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
    await index.upsertMeetingRecording({ meetingRecordId: '5001', meetingId: '6001', meetingCode: '700800900', subject: '季度复盘 Q1/2024', hostUserId: 'alice', mediaStartTimeMs: T0, state: 3 });
    await index.upsertRecordFile({ meetingRecordId: '5001', recordFileId: '5001001', meetingId: '6001', recordStartTimeMs: T0, recordEndTimeMs: T0 + 1000, recordSize: 300_000, sharing: { sharingState: 0 } });
    const artifacts = [
      { artifact: 'video', kind: 'video', fileType: 'mp4', size: 300_000, contentType: 'video/mp4' },
      { artifact: 'audio', kind: 'audio', fileType: 'm4a', size: 70_001, contentType: 'audio/mp4' },
      { artifact: 'transcript-0-txt', kind: 'transcript', fileType: 'txt', size: 513, contentType: 'text/plain' },
      { artifact: 'ai_minutes-0-docx', kind: 'ai_minutes', fileType: 'docx', size: 2048, contentType: undefined },
    ] as const;
    for (const a of artifacts) {
      const key = `recordings/5001/5001001/${a.artifact}.${a.fileType}`;
      const bytes = randomBytes(a.size);
      objects.set(a.artifact, bytes);
      await resources.clients.s3.send(new PutObjectCommand({ Bucket: resources.bucketName, Key: key, Body: bytes }));
      await index.setArtifactStatus('5001', '5001001', {
        artifact: a.artifact,
        kind: a.kind,
        fileType: a.fileType,
        status: 'archived',
        bucket: resources.bucketName,
        key,
        bytes: a.size,
        ...(a.contentType ? { contentType: a.contentType } : {}),
        archivedAt: new Date(T0).toISOString(),
      });
    }
    // Not archived yet: must not get a link.
    await index.setArtifactStatus('5001', '5001001', { artifact: 'ai_transcript-0-txt', kind: 'ai_transcript', fileType: 'txt', status: 'copying' });
  });

  afterAll(() => {
    destroyClients(resources.clients);
  });

  it('links every archived artifact with a presigned URL that downloads the archived bytes', async () => {
    const handler = createQueryHandler({ dynamo: resources.clients.dynamo, s3: resources.clients.s3, tableName: resources.tableName });
    const { statusCode, body } = await call(handler, event('/v1/addresses/5001001'));
    expect(statusCode).toBe(200);
    expect(validateResponse(openApiDocument(), '/v1/addresses/5001001', statusCode, body)).toEqual([]);
    expect(body).toMatchObject({
      record_file_id: '5001001',
      meeting_id: '6001',
      meeting_code: '700800900',
      download_address_file_type: 'mp4',
      audio_address_file_type: 'm4a',
      meeting_summary: [{ file_type: 'txt' }],
      ai_meeting_transcripts: [],
      ai_minutes: [{ file_type: 'docx' }],
    });
    const links: Array<[string, string]> = [
      ['video', body.download_address],
      ['audio', body.audio_address],
      ['transcript-0-txt', body.meeting_summary[0].download_address],
      ['ai_minutes-0-docx', body.ai_minutes[0].download_address],
    ];
    for (const [artifact, link] of links) {
      const url = new URL(link);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
      const disposition = url.searchParams.get('response-content-disposition')!;
      expect(disposition).toMatch(/^attachment; filename="[ -~]+"; filename\*=UTF-8''/);
      expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe(
        ({
          video: '季度复盘 Q1_2024-5001001.mp4',
          audio: '季度复盘 Q1_2024-5001001-audio.m4a',
          'transcript-0-txt': '季度复盘 Q1_2024-5001001-transcript-0-txt.txt',
          'ai_minutes-0-docx': '季度复盘 Q1_2024-5001001-ai_minutes-0-docx.docx',
        })[artifact],
      );
      const response = await fetch(link);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(objects.get(artifact)!)).toBe(true);
    }
  });

  it('honours a configured link lifetime, capped at one hour', async () => {
    for (const [configured, expected] of [[120, '120'], [7200, '3600'], [0, '600']] as const) {
      const handler = createQueryHandler({ dynamo: resources.clients.dynamo, s3: resources.clients.s3, tableName: resources.tableName, presignTtlSeconds: configured });
      const { body } = await call(handler, event('/v1/addresses/5001001'));
      expect(new URL(body.download_address).searchParams.get('X-Amz-Expires')).toBe(expected);
    }
  });
});
