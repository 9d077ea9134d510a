// Archive query API: routes API Gateway (HTTP API, payload v2) requests to shared/query and maps
// every failure to Tencent's error shape. In AWS, API Gateway's IAM auth guards the routes; locally
// (or when ARCHIVE_API_TOKEN is set) a bearer token is required as well.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { ArchiveIndex } from '../../shared/archive/archive-index.ts';
import { ArchiveListing } from '../../shared/archive/archive-list.ts';
import { ArchiveMarks } from '../../shared/archive/archive-marks.ts';
import { createDynamoClient, createS3Client } from '../../shared/aws/clients.ts';
import { querySettings } from '../../shared/config/environment.ts';
import type { FunctionEnvironment, FunctionPlatform } from '../../shared/config/platform.ts';
import { httpErrorRenderer, jsonResponse } from '../../shared/http/http-error.ts';
import { lambdaEntry, observed } from '../../shared/observability/lambda-entry.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { createMetrics, METRIC_SERVICES, MetricUnit } from '../../shared/observability/metrics.ts';
import { matchApiRoute, runnerOf } from '../../shared/query/api-routes.ts';
import { ACCOUNT_CALLER, callerOf, type JwtAuthorization } from '../../shared/query/caller.ts';
import { internalError, methodNotAllowed, notFound, unauthenticated } from '../../shared/query/errors.ts';
import { bearerTokenCheck, decodePathParameters, queryParams, requestMethod, requestPath } from '../../shared/query/http-request.ts';
import { ArchiveQueryService } from '../../shared/query/service.ts';
import { checkpointProgressReader } from '../../shared/query/copy-progress.ts';
import { consoleAuthOf, createConsoleSite, readConsoleAssets, type ConsoleAssets } from '../../shared/console/site.ts';
import type { ConsoleOidcSettings } from '../../shared/config/environment.ts';

export interface QueryHandlerDeps {
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly tableName: string;
  readonly bucketName?: string;
  /** When set, every /v1 request needs `Authorization: Bearer <apiToken>`. */
  readonly apiToken?: string;
  readonly presignTtlSeconds?: number;
  /** JWT mode: scopes and the userid claim limit what a caller sees; otherwise account-wide. */
  readonly jwtAuthorization?: JwtAuthorization;
  /** The console's bundle: with it, `/` and `/console/*` serve the console (without auth). */
  readonly consoleAssets?: ConsoleAssets;
  readonly consoleOidc?: ConsoleOidcSettings;
  /** The bucket has S3 Object Lock: legal holds are also put on the objects. */
  readonly objectLock?: boolean;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

export type QueryHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export function createQueryHandler(deps: QueryHandlerDeps): QueryHandler {
  const logger = deps.logger ?? createLogger('archive-query');
  const metrics = deps.metrics ?? createMetrics(METRIC_SERVICES.query);
  const service = new ArchiveQueryService({
    index: new ArchiveIndex({ dynamo: deps.dynamo, tableName: deps.tableName }),
    listing: new ArchiveListing({ dynamo: deps.dynamo, tableName: deps.tableName }),
    marks: new ArchiveMarks({ dynamo: deps.dynamo, tableName: deps.tableName }),
    objectLock: deps.objectLock ?? false,
    s3: deps.s3,
    ...(deps.bucketName ? { bucketName: deps.bucketName } : {}),
    ...(deps.presignTtlSeconds !== undefined ? { presignTtlSeconds: deps.presignTtlSeconds } : {}),
    copyProgress: checkpointProgressReader(deps.dynamo, deps.tableName),
  });
  const site = deps.consoleAssets
    ? createConsoleSite({ assets: deps.consoleAssets, auth: consoleAuthOf(deps), mediaOrigin: () => service.linkOrigin() })
    : undefined;
  const authorized = deps.apiToken ? bearerTokenCheck(deps.apiToken) : () => true;

  // One policy for every route, in this order: unknown path 404, other methods 405, then the token.
  const route = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
    // Every invocation publishes at least this (Powertools warns on each empty flush).
    metrics.addMetric('ApiRequests', MetricUnit.Count, 1);
    const path = requestPath(event);
    const page = requestMethod(event) === 'GET' ? await site?.(path) : undefined;
    if (page) return page;
    const match = await matchApiRoute(path);
    if (!match) throw notFound(`no route for ${path.slice(0, 200)}`);
    const method = requestMethod(event);
    const run = runnerOf(match.route, method);
    if (!run) throw methodNotAllowed(method);
    if (!match.route.public && !authorized(event.headers ?? {})) throw unauthenticated();
    const caller = match.route.public ? ACCOUNT_CALLER : callerOf(event, deps.jwtAuthorization);
    const pathParameters = decodePathParameters(match.pathParameters);
    return jsonResponse(200, await run(service, queryParams(event), pathParameters, caller, event));
  };

  return observed<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(route, { logger, metrics }).use(
    httpErrorRenderer({
      internalError,
      // Names the Lambda request that failed; the client sees only internal_error.
      onUnexpected: (error, request) =>
        logger.error('archive query failed', { error: error as Error, path: request.event.rawPath, requestId: request.context?.awsRequestId }),
    }),
  ) as unknown as QueryHandler;
}

/** The archive API from its environment: the Lambda entry and `npm start` both build it this way. */
export function queryFromEnvironment(env: FunctionEnvironment, platform: FunctionPlatform = {}, consoleAssets?: ConsoleAssets): QueryHandler {
  const settings = querySettings(env);
  return createQueryHandler({
    ...(consoleAssets ? { consoleAssets } : {}),
    dynamo: platform.clients?.dynamo ?? createDynamoClient({}, env),
    s3: platform.clients?.s3 ?? createS3Client({}, env),
    ...settings,
    ...(platform.logger ? { logger: platform.logger } : {}),
    ...(platform.metrics ? { metrics: platform.metrics } : {}),
  });
}

// The console's bundle sits beside index.mjs in the Lambda package (built by the construct's bundling hook).
export const handler = lambdaEntry({ build: async () => queryFromEnvironment(process.env, {}, readConsoleAssets(new URL('./console/', import.meta.url))) });
