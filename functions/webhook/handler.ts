// The Tencent Meeting webhook (API Gateway HTTP API, payload 2.0): wiring only. The sequence
// (verify, decode, validate, store an STS token, dedupe, enqueue) is shared/webhook/webhook-service.ts;
// this file routes by method, maps the service's outcomes to HTTP answers and renders refusals.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { createDynamoClient, createSqsClient } from '../../shared/aws/clients.ts';
import { webhookSettings } from '../../shared/config/environment.ts';
import type { FunctionEnvironment, FunctionPlatform } from '../../shared/config/platform.ts';
import { lambdaEntry, observed } from '../../shared/observability/lambda-entry.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { createMetrics, METRIC_SERVICES } from '../../shared/observability/metrics.ts';
import { loadWebhookSecrets } from '../../shared/tencent/config.ts';
import { HttpError, httpErrorRenderer } from '../../shared/http/http-error.ts';
import type { RejectionReason } from '../../shared/webhook/request.ts';
import { WebhookService, type DeliveryOutcome, type VerificationOutcome, type WebhookSecrets, type WebhookServiceDeps } from '../../shared/webhook/webhook-service.ts';

/** The literal Tencent expects; anything else counts as a failed delivery and is retried. */
export const ACK_BODY = 'successfully received callback';

/** The service's dependencies; logger and metrics have defaults, and the secrets are given or resolved. */
export type WebhookDeps = Omit<WebhookServiceDeps, 'secrets' | 'logger' | 'metrics'> & { readonly logger?: Logger; readonly metrics?: Metrics } & (
    | (WebhookSecrets & { readonly resolveSecrets?: undefined })
    /** Read per invocation (e.g. a cached Secrets Manager read), so a rotated token applies without a cold start. */
    | { readonly resolveSecrets: () => Promise<WebhookSecrets>; readonly token?: undefined; readonly encodingAesKey?: undefined }
  );

type Result = APIGatewayProxyStructuredResultV2;

const STATUS_BY_REJECTION: Readonly<Record<RejectionReason, number>> = {
  missing_check_str: 400, missing_signature: 401, invalid_signature: 401, stale_timestamp: 401, body_too_large: 413, invalid_body: 400, invalid_data: 400, invalid_event: 400,
};

/** A refusal: short JSON `{error, message}` saying what is wrong. */
const refusal = (statusCode: number, error: string, message: string, headers?: Record<string, string>) =>
  new HttpError(statusCode, `${error}: ${message}`, { error, message }, headers ? { headers } : {});

const text = (body: string): Result => ({ statusCode: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body });

function respond(outcome: VerificationOutcome | DeliveryOutcome): Result {
  switch (outcome.kind) {
    case 'verified':
      return text(outcome.plaintext);
    case 'enqueued':
    case 'duplicate':
    case 'nothing-to-archive':
    case 'unknown-event':
    case 'parked':
      return text(ACK_BODY);
    case 'enqueue-failed':
      throw refusal(503, 'enqueue_failed', 'the event could not be queued; retry later');
    case 'rejected':
      throw refusal(STATUS_BY_REJECTION[outcome.reason], outcome.reason, outcome.message);
  }
}

export function createWebhookHandler(deps: WebhookDeps) {
  const logger = deps.logger ?? createLogger('webhook');
  const metrics = deps.metrics ?? createMetrics(METRIC_SERVICES.webhook);
  const service = new WebhookService({
    ...deps,
    logger,
    metrics,
    secrets: async () =>
      deps.resolveSecrets ? deps.resolveSecrets() : { token: deps.token, ...(deps.encodingAesKey ? { encodingAesKey: deps.encodingAesKey } : {}) },
  });

  const route = async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const method = event.requestContext?.http?.method?.toUpperCase();
    const headers = event.headers ?? {};
    if (method === 'GET') return respond(await service.verify({ headers, checkStr: event.queryStringParameters?.check_str }));
    if (method === 'POST') return respond(await service.deliver({ headers, body: event.body, isBase64Encoded: event.isBase64Encoded }));
    throw refusal(405, 'method_not_allowed', 'use GET (verification) or POST (events)', { Allow: 'GET, POST' });
  };

  // The renderer is added last, so its onError runs first (middy unwinds in reverse): a refusal is
  // an answer, and the invocation ends normally with logger context and metrics flushed.
  return observed<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(route, { logger, metrics })
    .use(
      httpErrorRenderer({
        internalError: () => refusal(500, 'internal_error', 'the webhook failed; retry later'),
        onHttpError: (error) => {
          if (error.statusCode >= 500) return; // already logged with its cause
          logger.warn('webhook request rejected', { status: error.statusCode, reason: JSON.stringify(error.body) });
        },
        onUnexpected: (error) =>
          logger.error('webhook failed', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
      }),
    );
}

/** The webhook from its environment: the Lambda entry and `npm start` both build it this way. */
export async function webhookFromEnvironment(env: FunctionEnvironment, platform: FunctionPlatform = {}) {
  const settings = webhookSettings(env);
  // Fail the cold start, naming the variable, when the webhook secrets are missing.
  await loadWebhookSecrets(env);
  return createWebhookHandler({
    dynamo: platform.clients?.dynamo ?? createDynamoClient({}, env),
    sqs: platform.clients?.sqs ?? createSqsClient({}, env),
    tableName: settings.tableName,
    queueUrl: settings.queueUrl,
    replayWindowSeconds: settings.replayWindowSeconds,
    parkedRetentionDays: settings.parkedRetentionDays,
    // The secret is cached for minutes, so per-invocation reads are cheap.
    resolveSecrets: () => loadWebhookSecrets(env),
    ...(platform.logger ? { logger: platform.logger } : {}),
    ...(platform.metrics ? { metrics: platform.metrics } : {}),
  });
}

export const handler = lambdaEntry({ build: () => webhookFromEnvironment(process.env) });
