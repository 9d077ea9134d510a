// What the archive console needs from the archive API, on DynamoDB Local and fauxqs: the subject
// filter, copy progress and failure reasons on artifacts, transcript text, and the console's own
// public routes (shell under a strict CSP, assets, sign-in config) beside the authenticated API.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { createQueryHandler, type QueryHandler } from '../../../functions/query/handler.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { DynamoCheckpointStore } from '../../../shared/copy/checkpoint-store.ts';
import { openApiDocument } from '../../../shared/query/openapi.ts';
import { MAX_TRANSCRIPT_BYTES } from '../../../shared/query/service.ts';
import { validateResponse } from '../../unit/query/json-schema.ts';
import { HOUR, T0, call, event } from './support.ts';

const TOKEN = 'console-test-token-0123';
const ASSETS = { script: 'console.log("archive console")', style: 'body{margin:0}' };
const range = { start_time: Math.floor(T0 / 1000) - 86_400, end_time: Math.floor(T0 / 1000) + 30 * 86_400 };

describe('the archive API for the console', () => {
  let resources: Awaited<ReturnType<typeof createTestResources>>;
  let index: ArchiveIndex;
  let handler: QueryHandler;
  const longTranscript = `${'会议纪要 minutes. '.repeat(80_000)}`;

  const meeting = async (id: string, subject: string, host: string, hoursAfterT0: number) => {
    await index.upsertMeetingRecording({ meetingRecordId: id, meetingId: `6${id}`, meetingCode: `7${id}`, subject, hostUserId: host, mediaStartTimeMs: T0 + hoursAfterT0 * HOUR, state: 3 });
    await index.upsertRecordFile({ meetingRecordId: id, recordFileId: `${id}1`, meetingId: `6${id}`, recordStartTimeMs: T0 + hoursAfterT0 * HOUR, recordEndTimeMs: T0 + hoursAfterT0 * HOUR + 60_000, recordSize: 1000, sharing: { sharingState: 0 } });
  };
  const archivedText = async (id: string, artifact: string, kind: 'transcript' | 'ai_minutes', fileType: string, text: string) => {
    const key = `recordings/${id}/${artifact}.${fileType}`;
    await resources.clients.s3.send(new PutObjectCommand({ Bucket: resources.bucketName, Key: key, Body: Buffer.from(text, 'utf8') }));
    await index.setArtifactStatus(id, `${id}1`, { artifact, kind, fileType, status: 'archived', bucket: resources.bucketName, key, bytes: Buffer.byteLength(text), checksum: 'CRC32:AAAAAA==', archivedAt: new Date(T0).toISOString() });
  };

  beforeAll(async () => {
    resources = await createTestResources();
    index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
    handler = createQueryHandler({ dynamo: resources.clients.dynamo, s3: resources.clients.s3, tableName: resources.tableName, bucketName: resources.bucketName, apiToken: TOKEN, consoleAssets: ASSETS });
    await meeting('9001', '产品周会 Product weekly', 'alice', 1);
    await meeting('9002', 'Quarterly review', 'alice', 30);
    await meeting('9003', '周会 (design)', 'bob', 60);
    await meeting('9004', 'Design 周会 follow-up', 'alice', 90);
    await meeting('9005', 'All hands', 'bob', 120);
    await index.setArtifactStatus('9002', '90021', { artifact: 'video', kind: 'video', fileType: 'mp4', status: 'failed', expectedBytes: 1000, lastError: 'GET https://dl.example.com/v.mp4?sign=abc123&t=1 answered 403 Forbidden' });
    await index.setArtifactStatus('9003', '90031', { artifact: 'video', kind: 'video', fileType: 'mp4', status: 'copying', expectedBytes: 50_000_000 });
    await index.setArtifactStatus('9003', '90031', { artifact: 'audio', kind: 'audio', fileType: 'm4a', status: 'copying', expectedBytes: 4_000_000 });
    await new DynamoCheckpointStore({ dynamo: resources.clients.dynamo, tableName: resources.tableName }).save(
      { recordFileId: '90031', artifact: 'video' },
      { bucket: resources.bucketName, key: 'recordings/9003/video.mp4', uploadId: 'u-1', partSize: 8_388_608, totalBytes: 50_000_000, checksumType: 'FULL_OBJECT', parts: [], nextByte: 16_777_216, bytesDone: 16_777_216, phase: 'uploading', updatedAt: new Date(T0).toISOString() },
    );
    await archivedText('9001', 'transcript-0-txt', 'transcript', 'txt', '[00:00:05] 王芳: 大家好，我们开始。\n[00:00:09] David: Hello.\n');
    await archivedText('9001', 'ai_minutes-0-docx', 'ai_minutes', 'docx', 'PK binary');
    await archivedText('9004', 'transcript-0-txt', 'transcript', 'txt', longTranscript);
  });

  afterAll(() => destroyClients(resources.clients));

  const get = (path: string, query: Record<string, string | number> = {}) => call(handler, event(path, query, { token: TOKEN }));
  const subjects = (body: any) => (body.record_meetings as any[]).map((m) => m.subject);

  describe('subject filter', () => {
    it('lists only the recordings whose subject contains the text, newest first, with an exact total and pages', async () => {
      const first = await get('/v1/corp/records', { ...range, subject: '周会', page_size: 2 });
      expect(first.statusCode).toBe(200);
      expect(first.body).toMatchObject({ total_count: 3, total_page: 2, current_page: 1, current_size: 2 });
      expect(subjects(first.body)).toEqual(['Design 周会 follow-up', '周会 (design)']);
      const second = await get('/v1/corp/records', { ...range, subject: '周会', page_size: 2, page: 2 });
      expect(subjects(second.body)).toEqual(['产品周会 Product weekly']);
      expect(second.body).toMatchObject({ total_count: 3, current_size: 1 });
    });

    it("narrows a host's list and a meeting code's list too", async () => {
      expect(subjects((await get('/v1/records', { ...range, userid: 'alice', subject: '周会' })).body)).toEqual(['Design 周会 follow-up', '产品周会 Product weekly']);
      expect(subjects((await get('/v1/records', { ...range, meeting_code: '79003', subject: 'design' })).body)).toEqual(['周会 (design)']);
      expect((await get('/v1/records', { ...range, meeting_code: '79003', subject: 'Design' })).body.total_count).toBe(0);
    });

    it('leaves the lists as they were without it, and refuses an over-long one by name', async () => {
      expect((await get('/v1/corp/records', range)).body.total_count).toBe(5);
      const refused = await get('/v1/corp/records', { ...range, subject: 'x'.repeat(201) });
      expect(refused.statusCode).toBe(400);
      expect(refused.body.error_info.message).toContain('invalid parameter subject');
    });
  });

  it("serves a failed artifact's reason without the signed link it quoted", async () => {
    const { body } = await get('/v1/records/9002');
    const video = body.record_files[0].archive.artifacts[0];
    expect(video).toMatchObject({ status: 'failed', failure_reason: 'GET <link> answered 403 Forbidden', bytes_copied: null, expected_bytes: 1000 });
    expect(JSON.stringify(body)).not.toContain('sign=abc123');
  });

  it('serves how far a copy in parts has got, from its checkpoint (null for a copy without one)', async () => {
    const { body } = await get('/v1/corp/records', { ...range, subject: '(design)' });
    const artifacts = body.record_meetings[0].record_files[0].archive.artifacts;
    expect(artifacts.map((a: any) => [a.artifact, a.status, a.bytes_copied, a.expected_bytes, a.failure_reason])).toEqual([
      ['audio', 'copying', null, 4_000_000, null],
      ['video', 'copying', 16_777_216, 50_000_000, null],
    ]);
  });

  describe('GET /v1/transcripts/{record_file_id}', () => {
    it('returns the archived txt transcripts as text (Chinese intact), not the other formats', async () => {
      const { statusCode, body } = await get('/v1/transcripts/90011');
      expect(statusCode).toBe(200);
      expect(body).toEqual({
        record_file_id: '90011',
        transcripts: [{ artifact: 'transcript-0-txt', kind: 'transcript', file_type: 'txt', text: '[00:00:05] 王芳: 大家好，我们开始。\n[00:00:09] David: Hello.\n', truncated: false }],
      });
    });

    it('cuts a transcript longer than 1 MiB and says so', async () => {
      const { body } = await get('/v1/transcripts/90041');
      expect(body.transcripts[0].truncated).toBe(true);
      expect(Buffer.byteLength(body.transcripts[0].text)).toBeGreaterThan(MAX_TRANSCRIPT_BYTES - 4);
      expect(longTranscript.startsWith(body.transcripts[0].text.replace(/\uFFFD+$/, ''))).toBe(true);
    });

    it('answers 404 for an unknown file and 401 without the token', async () => {
      expect((await get('/v1/transcripts/404404')).statusCode).toBe(404);
      expect((await call(handler, event('/v1/transcripts/90011'))).statusCode).toBe(401);
    });
  });

  describe('console routes', () => {
    const raw = async (path: string) => (await handler(event(path), {} as never)) as { statusCode: number; headers: Record<string, string>; body: string };

    it('serves the page shell without auth under a strict CSP whose media-src is the bucket origin', async () => {
      const shell = await raw('/');
      expect(shell.statusCode).toBe(200);
      expect(shell.headers['content-type']).toBe('text/html; charset=utf-8');
      const csp = shell.headers['content-security-policy']!;
      // Presigned links point at the S3 endpoint (fauxqs here, path-style): that origin and no other.
      const endpoint = new URL(process.env.TEST_AWS_ENDPOINT!);
      expect(csp.split('; ')).toEqual([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        `media-src ${endpoint.origin}`,
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ]);
      expect(shell.headers['referrer-policy']).toBe('no-referrer');
      // No inline script: the one script is the bundle, loaded from this origin.
      expect(shell.body).toMatch(/<script type="module" src="\/console\/console\.js\?v=[\w-]+"><\/script>/);
      expect(shell.body).not.toMatch(/<script>(?!<)/);
    });

    it('serves the bundle and the sign-in config; nothing else under /console', async () => {
      expect((await raw('/console/console.js')).body).toBe(ASSETS.script);
      expect((await raw('/console/console.css')).body).toBe(ASSETS.style);
      expect(JSON.parse((await raw('/console/config.json')).body)).toEqual({ apiBase: '/v1', auth: { mode: 'token' } });
      expect((await raw('/console/../v1/corp/records')).statusCode).toBe(404);
      expect((await raw('/console/secrets.json')).statusCode).toBe(404);
    });

    it('points JWT deployments at the issuer (connect-src) and tells IAM-only ones the console needs JWT mode', async () => {
      const jwt = createQueryHandler({
        dynamo: resources.clients.dynamo,
        s3: resources.clients.s3,
        tableName: resources.tableName,
        bucketName: resources.bucketName,
        consoleAssets: ASSETS,
        consoleOidc: { issuer: 'https://idp.example.com/pool-1', clientId: 'console-client', scopes: ['openid', 'archive/read'], tokenEndpoint: 'https://auth.example.net/oauth2/token' },
      });
      const shell = (await jwt(event('/'), {} as never)) as { headers: Record<string, string> };
      expect(shell.headers['content-security-policy']).toContain("connect-src 'self' https://idp.example.com https://auth.example.net;");
      const config = JSON.parse(((await jwt(event('/console/config.json'), {} as never)) as { body: string }).body);
      expect(config.auth).toEqual({ mode: 'oidc', issuer: 'https://idp.example.com/pool-1', clientId: 'console-client', scopes: ['openid', 'archive/read'], tokenEndpoint: 'https://auth.example.net/oauth2/token' });

      const iam = createQueryHandler({ dynamo: resources.clients.dynamo, s3: resources.clients.s3, tableName: resources.tableName, consoleAssets: ASSETS });
      const iamConfig = JSON.parse(((await iam(event('/console/config.json'), {} as never)) as { body: string }).body);
      expect(iamConfig.auth.mode).toBe('unavailable');
      expect(iamConfig.auth.reason).toContain('JWT');
    });

    it('without the bundle (a build without the console) serves no console routes', async () => {
      const bare = createQueryHandler({ dynamo: resources.clients.dynamo, s3: resources.clients.s3, tableName: resources.tableName, apiToken: TOKEN });
      expect(((await bare(event('/'), {} as never)) as { statusCode: number }).statusCode).toBe(404);
    });
  });

  it('every API response above matches the OpenAPI document', async () => {
    const document = openApiDocument();
    for (const path of ['/v1/transcripts/90011', '/v1/records/9002', '/v1/records/9003']) {
      const response = await get(path);
      expect({ path, errors: validateResponse(document, path, response.statusCode, response.body) }).toEqual({ path, errors: [] });
    }
    const list = await get('/v1/corp/records', { ...range, subject: '周会' });
    expect(validateResponse(document, '/v1/corp/records', 200, list.body)).toEqual([]);
  });
});
