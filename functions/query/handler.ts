// Archive query API: routes API Gateway (HTTP API, payload v2) requests to shared/query and maps
// every failure to Tencent's error shape. In AWS, API Gateway's IAM auth guards the routes; locally
// (or when ARCHIVE_API_TOKEN is set) a bearer token is required as well.
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import { ArchiveIndex } from '../../shared/archive/archive-index.ts';
import { RESOURCE_ENV } from '../../shared/archive/table-design.ts';
import { createDynamoClient, createS3Client } from '../../shared/aws/clients.ts';
import { HttpError, httpErrorRenderer, jsonResponse } from '../../shared/http/http-error.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { internalError, methodNotAllowed, notFound, unauthenticated } from '../../shared/query/errors.ts';
import { bearerTokenCheck, decodePathParameters, queryParams, requestMethod, requestPath } from '../../shared/query/http-request.ts';
import { openApiDocument } from '../../shared/query/openapi.ts';
import { createRouteMatcher } from '../../shared/query/route-matcher.ts';
import { ArchiveQueryService, type QueryParams } from '../../shared/query/service.ts';

export interface QueryHandlerDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly tableName: string;
  readonly bucketName?: string;
  /** When set, every /v1 request needs `Authorization: Bearer <apiToken>`. */
  readonly apiToken?: string;
  readonly presignTtlSeconds?: number;
  readonly logger?: Logger;
}

export type QueryHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

interface Route {
  readonly run: (service: ArchiveQueryService, query: QueryParams, path: Readonly<Record<string, string>>) => Promise<unknown>;
  /** Served without the bearer token. */
  readonly public?: boolean;
}

const matchRoute = createRouteMatcher<Route>([
  { path: '/v1/records', route: { run: (s, q) => s.listUserRecords(q) } },
  { path: '/v1/corp/records', route: { run: (s, q) => s.listCorpRecords(q) } },
  { path: '/v1/records/{meeting_record_id}', route: { run: (s, _q, p) => s.getRecord(p.meeting_record_id!) } },
  { path: '/v1/addresses/{record_file_id}', route: { run: (s, _q, p) => s.getAddresses(p.record_file_id!) } },
  { path: '/openapi.json', route: { run: async () => openApiDocument(), public: true }, noTrailingSlash: true },
]);

export function createQueryHandler(deps: QueryHandlerDeps): QueryHandler {
  const service = new ArchiveQueryService({
    index: new ArchiveIndex({ dynamo: deps.dynamo, tableName: deps.tableName }),
    s3: deps.s3,
    ...(deps.bucketName ? { bucketName: deps.bucketName } : {}),
    ...(deps.presignTtlSeconds !== undefined ? { presignTtlSeconds: deps.presignTtlSeconds } : {}),
  });
  const authorized = deps.apiToken ? bearerTokenCheck(deps.apiToken) : () => true;

  // One policy for every route, in this order: unknown path 404, other methods 405, then the token.
  const route = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
    const path = requestPath(event);
    const match = await matchRoute(path);
    if (!match) throw notFound(`no route for ${path.slice(0, 200)}`);
    const method = requestMethod(event);
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method);
    if (!match.route.public && !authorized(event.headers ?? {})) throw unauthenticated();
    const pathParameters = decodePathParameters(match.pathParameters);
    return jsonResponse(200, await match.route.run(service, queryParams(event), pathParameters));
  };

  // Runs before the renderer: httpErrorRenderer's onUnexpected sees the event only, and this line
  // names the Lambda request that failed.
  const logUnexpected: MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context> = {
    onError: async (request) => {
      if (request.error instanceof HttpError) return;
      deps.logger?.error('archive query failed', { error: request.error as Error, path: request.event.rawPath, requestId: request.context?.awsRequestId });
    },
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(httpErrorRenderer({ internalError }))
    .use(logUnexpected)
    .handler(route) as unknown as QueryHandler;
}

let lazy: QueryHandler | undefined;

/** The Lambda entry point: clients and configuration are built on the first invocation. */
export const handler: QueryHandler = async (event, context) => {
  lazy ??= createFromEnv(process.env);
  return lazy(event, context);
};

export function createFromEnv(env: NodeJS.ProcessEnv): QueryHandler {
  const tableName = env[RESOURCE_ENV.table];
  if (!tableName) throw new Error(`${RESOURCE_ENV.table} is not set`);
  const dynamo = createDynamoClient({}, env);
  const s3 = createS3Client({}, env);
  const ttl = env.PRESIGN_TTL_SECONDS ? Number(env.PRESIGN_TTL_SECONDS) : undefined;
  const bucketName = env[RESOURCE_ENV.bucket];
  return createQueryHandler({
    dynamo,
    s3,
    tableName,
    ...(bucketName ? { bucketName } : {}),
    ...(env.ARCHIVE_API_TOKEN ? { apiToken: env.ARCHIVE_API_TOKEN } : {}),
    ...(ttl !== undefined ? { presignTtlSeconds: ttl } : {}),
    logger: createLogger('archive-query'),
  });
}
