// Archive query API: routes API Gateway (HTTP API, payload v2) requests to shared/query and maps
// every failure to Tencent's error shape. In AWS, API Gateway's IAM auth guards the routes; locally
// (or when ARCHIVE_API_TOKEN is set) a bearer token is required as well.
import { createHash, timingSafeEqual } from 'node:crypto';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import { ArchiveIndex } from '../../shared/archive/archive-index.ts';
import { RESOURCE_ENV } from '../../shared/archive/table-design.ts';
import { createDynamoClient, createS3Client } from '../../shared/aws/clients.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { ApiError, ERROR_CODES, badRequest, internalError, notFound, unauthenticated } from '../../shared/query/errors.ts';
import { openApiDocument } from '../../shared/query/openapi.ts';
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

type Route = (service: ArchiveQueryService, params: QueryParams, id: string) => Promise<unknown>;

// An optional leading segment tolerates a named API Gateway stage in rawPath.
const ROUTES: ReadonlyArray<{ pattern: RegExp; run: Route; public?: boolean }> = [
  { pattern: /^(?:\/[^/]+)?\/v1\/records\/?$/, run: (s, p) => s.listUserRecords(p) },
  { pattern: /^(?:\/[^/]+)?\/v1\/corp\/records\/?$/, run: (s, p) => s.listCorpRecords(p) },
  { pattern: /^(?:\/[^/]+)?\/v1\/records\/([^/]+)\/?$/, run: (s, _p, id) => s.getRecord(id) },
  { pattern: /^(?:\/[^/]+)?\/v1\/addresses\/([^/]+)\/?$/, run: (s, _p, id) => s.getAddresses(id) },
  { pattern: /^(?:\/[^/]+)?\/openapi\.json$/, run: async () => openApiDocument(), public: true },
];

export function createQueryHandler(deps: QueryHandlerDeps): QueryHandler {
  const service = new ArchiveQueryService({
    index: new ArchiveIndex({ dynamo: deps.dynamo, tableName: deps.tableName }),
    s3: deps.s3,
    ...(deps.bucketName ? { bucketName: deps.bucketName } : {}),
    ...(deps.presignTtlSeconds !== undefined ? { presignTtlSeconds: deps.presignTtlSeconds } : {}),
  });
  const tokenDigest = deps.apiToken ? digest(deps.apiToken) : undefined;

  const route = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
    const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
    let match: RegExpExecArray | null = null;
    const found = ROUTES.find((r) => (match = r.pattern.exec(path)) !== null);
    if (!found || !match) throw notFound(`no route for ${path.slice(0, 200)}`);
    const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, ERROR_CODES.methodNotAllowed, `method ${method.slice(0, 16)} not allowed`);
    if (!found.public && tokenDigest && !bearerMatches(event.headers ?? {}, tokenDigest)) throw unauthenticated();
    const id = decodePathSegment((match as RegExpExecArray)[1]);
    const body = await found.run(service, queryParams(event), id);
    return json(200, body);
  };

  const errors: MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> = {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof ApiError) {
        request.response = json(error.statusCode, error.body, error.statusCode === 401 ? { 'www-authenticate': 'Bearer' } : {});
        return;
      }
      deps.logger?.error('archive query failed', { error: error as Error, path: request.event.rawPath, requestId: request.context?.awsRequestId });
      request.response = json(500, internalError().body);
    },
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>().use(errors).handler(route) as unknown as QueryHandler;
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  // no-store: bodies carry presigned links and archive state that must not be cached by proxies.
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, body: JSON.stringify(body) };
}

/** Parameters from the raw query string, so a repeated parameter is an error, not a comma-joined value. */
function queryParams(event: APIGatewayProxyEventV2): QueryParams {
  if (event.rawQueryString === undefined) return { ...(event.queryStringParameters ?? {}) };
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(event.rawQueryString)) {
    if (name in out) throw badRequest(`invalid parameter ${name.slice(0, 64)}: given more than once`);
    out[name] = value;
  }
  return out;
}

function decodePathSegment(segment: string | undefined): string {
  if (segment === undefined) return '';
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('invalid path');
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time: both sides are hashed to equal length before comparing. */
function bearerMatches(headers: Record<string, string | undefined>, expected: Buffer): boolean {
  const header = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return false;
  return timingSafeEqual(digest(match[1]!), expected);
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
