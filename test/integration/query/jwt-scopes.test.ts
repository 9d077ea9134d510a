// The archive API in JWT mode, with real RS256 tokens: API Gateway's authorizer (test/support/jwt.ts)
// verifies them and passes the claims on, the query function (built from its environment, as the
// Lambda is) decides what each caller sees. An admin-scoped token sees the account; a read-scoped
// token sees only the recordings its Tencent userid hosted, and naming someone else is refused.
// IAM mode (and the local bearer token) stays account-wide.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { queryFromEnvironment, type QueryHandler } from '../../../functions/query/handler.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { openApiDocument } from '../../../shared/query/openapi.ts';
import { validateResponse } from '../../unit/query/json-schema.ts';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { authorizeAtGateway, createIssuer, withJwt } from '../../support/jwt.ts';
import { DAY, T0, call, event, recordId, seedRecording } from './support.ts';

const idp = createIssuer();
const ROUTE_SCOPES = ['archive/read', 'archive/admin'];
const range = { start_time: Math.floor(T0 / 1000) - 86_400, end_time: Math.floor((T0 + 10 * DAY) / 1000) };

let resources: Awaited<ReturnType<typeof createTestResources>>;
let jwtMode: QueryHandler;
let iamMode: QueryHandler;
const alice = { meetingRecordId: recordId(1), meetingId: 'm-shared', meetingCode: '111', hostUserId: 'alice', startMs: T0 };
const bob = { meetingRecordId: recordId(2), meetingId: 'm-shared', meetingCode: '111', hostUserId: 'bob', startMs: T0 + DAY };
const fileOf = (r: { meetingRecordId: string }) => `${r.meetingRecordId}1`;

beforeAll(async () => {
  resources = await createTestResources();
  const index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
  for (const r of [alice, bob]) await seedRecording(index, r, true, resources.bucketName);
  const env = { ARCHIVE_TABLE_NAME: resources.tableName, ARCHIVE_BUCKET_NAME: resources.bucketName };
  const platform = { clients: { dynamo: resources.clients.dynamo, s3: resources.clients.s3 } };
  jwtMode = queryFromEnvironment({ ...env, ARCHIVE_API_AUTH: 'jwt', ARCHIVE_USERID_CLAIM: 'tencent_userid' }, platform);
  iamMode = queryFromEnvironment(env, platform);
});
afterAll(() => destroyClients(resources.clients));

/** Signs a token, passes it through the gateway's authorizer, and calls the handler with what the gateway forwards. */
async function asCaller(claims: Record<string, unknown>, path: string, query: Record<string, string | number> = {}, handler = jwtMode) {
  const gate = authorizeAtGateway(idp, idp.token(claims), ROUTE_SCOPES);
  if (!('jwt' in gate)) throw new Error(`the gateway refused the token (${gate.refused})`);
  return call(handler, withJwt(event(path, query), gate.jwt));
}

const ids = (body: { record_meetings: Array<{ meeting_record_id: string }> }) => body.record_meetings.map((m) => m.meeting_record_id).sort();

describe('JWT mode', () => {
  it('an admin-scoped token lists the whole account', async () => {
    const { statusCode, body } = await asCaller({ sub: 'ops', scope: 'archive/admin' }, '/v1/corp/records', range);
    expect(statusCode).toBe(200);
    expect(ids(body)).toEqual([alice.meetingRecordId, bob.meetingRecordId].sort());
  });

  it('a read-scoped token lists only the recordings its userid hosted, by default and when it names itself', async () => {
    const mine = await asCaller({ sub: 'u1', scope: 'archive/read', tencent_userid: 'alice' }, '/v1/records', range);
    expect(mine.statusCode).toBe(200);
    expect(ids(mine.body)).toEqual([alice.meetingRecordId]);
    const named = await asCaller({ sub: 'u1', scope: 'archive/read', tencent_userid: 'alice' }, '/v1/records', { ...range, userid: 'alice' });
    expect(ids(named.body)).toEqual([alice.meetingRecordId]);
  });

  it.each([
    ['a userid naming someone else', '/v1/records', { userid: 'bob' }, /userid names another user/],
    ['an operator_id naming someone else', '/v1/records', { operator_id: 'bob' }, /userid names another user/],
    ['a meeting_id list (it spans hosts)', '/v1/records', { meeting_id: 'm-shared' }, /needs the admin scope/],
    ['the account-wide list', '/v1/corp/records', {}, /needs the admin scope/],
  ])('a read-scoped token is refused %s (403, in Tencent\'s error shape)', async (_what, path, extra, message) => {
    const { statusCode, body } = await asCaller({ sub: 'u1', scope: 'archive/read', tencent_userid: 'alice' }, path, { ...range, ...extra });
    expect(statusCode).toBe(403);
    expect(body.error_info).toEqual({ error_code: 9042, message: expect.stringMatching(message) });
    expect(validateResponse(openApiDocument(), path, statusCode, body)).toEqual([]);
  });

  it("someone else's recording and download links answer as unknown; one's own are served", async () => {
    const claims = { sub: 'u1', scope: 'archive/read', tencent_userid: 'alice' };
    expect((await asCaller(claims, `/v1/records/${bob.meetingRecordId}`)).statusCode).toBe(404);
    expect((await asCaller(claims, `/v1/addresses/${fileOf(bob)}`)).statusCode).toBe(404);
    expect((await asCaller(claims, `/v1/records/${alice.meetingRecordId}`)).statusCode).toBe(200);
    const links = await asCaller(claims, `/v1/addresses/${fileOf(alice)}`);
    expect(links.statusCode).toBe(200);
    expect(links.body.download_address).toMatch(/^http/);
  });

  it('a read-scoped token without the userid claim is refused, naming the claim', async () => {
    const { statusCode, body } = await asCaller({ sub: 'u1', scope: 'archive/read' }, '/v1/records', range);
    expect(statusCode).toBe(403);
    expect(body.error_info.message).toMatch(/no tencent_userid claim/);
  });

  it('a token with neither scope is refused by the gateway, and by the function should a route lack the scopes', async () => {
    const token = idp.token({ sub: 'u1', scope: 'profile', tencent_userid: 'alice' });
    expect(authorizeAtGateway(idp, token, ROUTE_SCOPES)).toEqual({ refused: 403 });
    const passed = authorizeAtGateway(idp, token, []);
    if (!('jwt' in passed)) throw new Error('expected the scope-less route to pass the token');
    const { statusCode, body } = await call(jwtMode, withJwt(event('/v1/records', range), passed.jwt));
    expect(statusCode).toBe(403);
    expect(body.error_info.message).toMatch(/neither the archive\/read nor the archive\/admin scope/);
  });

  it('a request without verified claims (a direct invocation, a route without the authorizer) is refused, not served account-wide', async () => {
    const { statusCode } = await call(jwtMode, event('/v1/corp/records', range));
    expect(statusCode).toBe(401);
  });

  it('reads the userid from the claim ARCHIVE_USERID_CLAIM names, and Cognito-style `scp` lists', async () => {
    const custom = queryFromEnvironment(
      { ARCHIVE_TABLE_NAME: resources.tableName, ARCHIVE_BUCKET_NAME: resources.bucketName, ARCHIVE_API_AUTH: 'jwt', ARCHIVE_USERID_CLAIM: 'custom:tencent_userid' },
      { clients: { dynamo: resources.clients.dynamo, s3: resources.clients.s3 } },
    );
    const { statusCode, body } = await asCaller({ sub: 'u2', scp: ['archive/read'], 'custom:tencent_userid': 'bob', tencent_userid: 'alice' }, '/v1/records', range, custom);
    expect(statusCode).toBe(200);
    expect(ids(body)).toEqual([bob.meetingRecordId]);
  });
});

describe('IAM mode', () => {
  it('stays account-wide: any caller API Gateway lets through reads every user, as documented', async () => {
    const iamEvent = (path: string, query: Record<string, string | number>): APIGatewayProxyEventV2 =>
      ({ ...event(path, query), requestContext: { ...event(path, query).requestContext, authorizer: { iam: { userArn: 'arn:aws:iam::111122223333:user/tool' } } } }) as APIGatewayProxyEventV2;
    expect(ids((await call(iamMode, iamEvent('/v1/corp/records', range))).body)).toEqual([alice.meetingRecordId, bob.meetingRecordId].sort());
    expect(ids((await call(iamMode, iamEvent('/v1/records', { ...range, userid: 'bob' }))).body)).toEqual([bob.meetingRecordId]);
  });
});
