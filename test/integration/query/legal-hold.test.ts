// PUT / DELETE /v1/records/{meeting_record_id}/legal-hold on DynamoDB Local: who may place a hold,
// what every response then shows, that it is idempotent, and (with S3 Object Lock) the Object Lock
// legal hold on each archived object. fauxqs implements no Object Lock, so those S3 calls go through
// the test S3 proxy, which answers PutObjectLegalHold as S3 does and records each request.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createQueryHandler, queryFromEnvironment, type QueryHandler } from '../../../functions/query/handler.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { openApiDocument } from '../../../shared/query/openapi.ts';
import { validateResponse } from '../../unit/query/json-schema.ts';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { authorizeAtGateway, createIssuer, withJwt } from '../../support/jwt.ts';
import { s3ClientThrough, startS3Proxy, type S3Call, type S3Proxy } from '../../support/s3-proxy.ts';
import { DAY, T0, call, event, recordId, seedRecording, type Response } from './support.ts';

const TOKEN = 'legal-hold-token-0123456789';
const idp = createIssuer();
const held = { meetingRecordId: recordId(11), meetingId: 'm-held', meetingCode: '311', hostUserId: 'alice', startMs: T0 };
const other = { meetingRecordId: recordId(12), meetingId: 'm-other', meetingCode: '312', hostUserId: 'bob', startMs: T0 + DAY };
const holdPath = (id: string) => `/v1/records/${id}/legal-hold`;

let resources: Awaited<ReturnType<typeof createTestResources>>;
let proxy: S3Proxy;
let handler: QueryHandler;
let lockedHandler: QueryHandler;
const responses: Array<{ path: string; method: 'get' | 'put' | 'delete'; response: Response }> = [];

beforeAll(async () => {
  resources = await createTestResources();
  const index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
  for (const r of [held, other]) await seedRecording(index, r, true, resources.bucketName);
  proxy = await startS3Proxy(process.env.TEST_AWS_ENDPOINT!);
  const base = { dynamo: resources.clients.dynamo, tableName: resources.tableName, bucketName: resources.bucketName, apiToken: TOKEN };
  handler = createQueryHandler({ ...base, s3: s3ClientThrough(proxy) });
  lockedHandler = createQueryHandler({ ...base, s3: s3ClientThrough(proxy), objectLock: true });
});
afterAll(async () => {
  await proxy?.close();
  destroyClients(resources.clients);
});
beforeEach(() => {
  proxy.clear();
  (proxy.calls as S3Call[]).splice(0);
});

async function send(method: 'GET' | 'PUT' | 'DELETE' | 'POST', path: string, options: { token?: string; on?: QueryHandler; ev?: APIGatewayProxyEventV2 } = {}): Promise<Response> {
  const ev = options.ev ?? event(path, {}, { method, ...(options.token === undefined ? { token: TOKEN } : options.token ? { token: options.token } : {}) });
  const response = await call(options.on ?? handler, ev);
  if (method !== 'POST') responses.push({ path, method: method.toLowerCase() as 'get' | 'put' | 'delete', response });
  return response;
}

describe('legal hold API', () => {
  it('places a hold that every response shows, keeps the first placement when placed again, and lifts it', async () => {
    const placed = await send('PUT', holdPath(held.meetingRecordId));
    expect(placed.statusCode).toBe(200);
    expect(placed.body.meeting_record_id).toBe(held.meetingRecordId);
    expect(placed.body.archive).toMatchObject({ legal_hold: true, legal_hold_by: 'api-token' });
    expect(typeof placed.body.archive.legal_hold_since).toBe('number');
    expect(placed.body.record_files.map((f: any) => f.archive.legal_hold)).toEqual([true]);

    const again = await send('PUT', holdPath(held.meetingRecordId));
    expect(again.statusCode).toBe(200);
    expect(again.body.archive.legal_hold_since).toBe(placed.body.archive.legal_hold_since);

    const one = await send('GET', `/v1/records/${held.meetingRecordId}`);
    expect(one.body.archive.legal_hold).toBe(true);
    const list = await call(handler, event('/v1/records', { meeting_id: held.meetingId, start_time: Math.floor(T0 / 1000) - 60, end_time: Math.floor(T0 / 1000) + 3600 }, { token: TOKEN }));
    expect(list.body.record_meetings.map((m: any) => m.archive.legal_hold)).toEqual([true]);
    const notHeld = await send('GET', `/v1/records/${other.meetingRecordId}`);
    expect(notHeld.body.archive).toMatchObject({ legal_hold: false, legal_hold_by: null, legal_hold_since: null });

    const lifted = await send('DELETE', holdPath(held.meetingRecordId));
    expect(lifted.statusCode).toBe(200);
    expect(lifted.body.archive).toMatchObject({ legal_hold: false, legal_hold_by: null });
    const liftedAgain = await send('DELETE', holdPath(held.meetingRecordId));
    expect(liftedAgain.statusCode).toBe(200);
    expect(liftedAgain.body.archive.legal_hold).toBe(false);
    // Without Object Lock the bucket is not asked anything.
    expect(proxy.count('PutObjectLegalHold')).toBe(0);
  });

  it('answers 404 for a recording the archive does not hold, 401 without the token, 405 for other methods', async () => {
    const unknown = await send('PUT', holdPath('999999999'));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body.error_info.error_code).toBe(9003);
    expect((await send('DELETE', holdPath('999999999'))).statusCode).toBe(404);
    expect((await send('PUT', holdPath(held.meetingRecordId), { token: '' })).statusCode).toBe(401);
    expect((await send('PUT', holdPath(held.meetingRecordId), { token: 'wrong-token' })).statusCode).toBe(401);
    expect((await send('POST', holdPath(held.meetingRecordId))).statusCode).toBe(405);
    expect((await send('GET', holdPath(held.meetingRecordId))).statusCode).toBe(405);
    // Nothing was held by any of these.
    expect((await send('GET', `/v1/records/${held.meetingRecordId}`)).body.archive.legal_hold).toBe(false);
  });

  it('in JWT mode needs the admin scope, and records the token subject; in IAM mode records the IAM caller', async () => {
    const env = { ARCHIVE_TABLE_NAME: resources.tableName, ARCHIVE_BUCKET_NAME: resources.bucketName };
    const platform = { clients: { dynamo: resources.clients.dynamo, s3: resources.clients.s3 } };
    const jwtMode = queryFromEnvironment({ ...env, ARCHIVE_API_AUTH: 'jwt' }, platform);
    const asCaller = (claims: Record<string, unknown>, method: 'PUT' | 'DELETE') => {
      const gate = authorizeAtGateway(idp, idp.token(claims), ['archive/read', 'archive/admin']);
      if (!('jwt' in gate)) throw new Error(`the gateway refused the token (${gate.refused})`);
      return send(method, holdPath(other.meetingRecordId), { on: jwtMode, ev: withJwt(event(holdPath(other.meetingRecordId), {}, { method }), gate.jwt) });
    };
    const reader = await asCaller({ sub: 'bob-app', scope: 'archive/read', tencent_userid: 'bob' }, 'PUT');
    expect(reader.statusCode).toBe(403);
    expect((await send('GET', `/v1/records/${other.meetingRecordId}`)).body.archive.legal_hold).toBe(false);
    const admin = await asCaller({ sub: 'legal-team', scope: 'archive/admin' }, 'PUT');
    expect(admin.statusCode).toBe(200);
    expect(admin.body.archive.legal_hold_by).toBe('jwt:legal-team');
    expect((await asCaller({ sub: 'bob-app', scope: 'archive/read', tencent_userid: 'bob' }, 'DELETE')).statusCode).toBe(403);
    expect((await asCaller({ sub: 'legal-team', scope: 'archive/admin' }, 'DELETE')).body.archive.legal_hold).toBe(false);

    const iamMode = queryFromEnvironment(env, platform);
    const iamEvent = event(holdPath(other.meetingRecordId), {}, { method: 'PUT' });
    (iamEvent.requestContext as any).authorizer = { iam: { userArn: 'arn:aws:iam::111122223333:user/counsel' } };
    const iam = await send('PUT', holdPath(other.meetingRecordId), { on: iamMode, ev: iamEvent });
    expect(iam.body.archive.legal_hold_by).toBe('iam:arn:aws:iam::111122223333:user/counsel');
    await send('DELETE', holdPath(other.meetingRecordId));
  });

  it('with Object Lock, puts an Object Lock legal hold ON and then OFF on every archived object of the recording', async () => {
    proxy.arm('PutObjectLegalHold', { kind: 'answer', status: 200 }, 4);
    expect((await send('PUT', holdPath(held.meetingRecordId), { on: lockedHandler })).statusCode).toBe(200);
    expect((await send('DELETE', holdPath(held.meetingRecordId), { on: lockedHandler })).statusCode).toBe(200);
    const holds = proxy.calls.filter((c) => c.operation === 'PutObjectLegalHold');
    const key = `/${resources.bucketName}/recordings/${held.meetingRecordId}/${held.meetingRecordId}1.mp4`;
    expect(holds.map((c) => [c.path, /<Status>(ON|OFF)<\/Status>/.exec(c.body ?? '')?.[1]])).toEqual([
      [key, 'ON'],
      [key, 'OFF'],
    ]);
  });

  it('a refused Object Lock call fails the request, the index hold stays, and a repeated PUT converges', async () => {
    proxy.arm('PutObjectLegalHold', { kind: 'refuse', status: 403, code: 'AccessDenied' }, 1);
    expect((await send('PUT', holdPath(other.meetingRecordId), { on: lockedHandler })).statusCode).toBe(500);
    expect((await send('GET', `/v1/records/${other.meetingRecordId}`)).body.archive.legal_hold).toBe(true);
    proxy.arm('PutObjectLegalHold', { kind: 'answer', status: 200 }, 1);
    expect((await send('PUT', holdPath(other.meetingRecordId), { on: lockedHandler })).statusCode).toBe(200);
    expect(proxy.calls.filter((c) => c.operation === 'PutObjectLegalHold').map((c) => c.status)).toEqual([403, 200]);
  });

  it('answers in the shapes the OpenAPI document declares', () => {
    const document = openApiDocument();
    expect(responses.length).toBeGreaterThan(10);
    for (const { path, method, response } of responses) {
      if (response.statusCode === 405 || response.statusCode === 500) continue;
      expect({ path, method, errors: validateResponse(document, path, response.statusCode, response.body, method) }).toEqual({ path, method, errors: [] });
    }
  });
});
