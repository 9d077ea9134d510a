// The Tencent Meeting webhook (API Gateway HTTP API, payload 2.0). It does the minimum and
// answers fast: verify, decode, validate, dedupe, enqueue, acknowledge. It never calls Tencent and
// never downloads. Bad input is rejected before anything is written, so it changes nothing.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { createDynamoClient, createSqsClient } from '../../shared/aws/clients.ts';
import { RESOURCE_ENV } from '../../shared/archive/table-design.ts';
import { createLogger } from '../../shared/observability/logger.ts';
import { loadTencentConfig, requireWebhookSecrets } from '../../shared/tencent/config.ts';
import { decodeWebhookData, verifyWebhookSignature, WebhookDecodeError } from '../../shared/webhook/codec.ts';
import { claimEvent, deriveEventId, type ClaimOptions } from '../../shared/webhook/dedupe.ts';
import { sendIngestMessages } from '../../shared/ingest/queue.ts';
import { parseWebhookEvent, WebhookEventError, type WebhookEvent } from '../../shared/webhook/events.ts';
import { stsTokensOf, toIngestMessages } from '../../shared/webhook/to-messages.ts';
import { StsTokenStore } from '../../shared/tencent/sts-token-store.ts';
import type { IngestMessage } from '../../shared/ingest/messages.ts';

/** The literal Tencent expects; anything else counts as a failed delivery and is retried. */
export const ACK_BODY = 'successfully received callback';
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export interface WebhookSecrets {
  readonly token: string;
  readonly encodingAesKey?: string;
}

interface WebhookDepsBase {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly maxBodyBytes?: number;
  /** Dedupe marker TTL and claim lease (see shared/webhook/dedupe.ts). */
  readonly dedupe?: ClaimOptions;
}

export type WebhookDeps = WebhookDepsBase &
  (
    | (WebhookSecrets & { readonly resolveSecrets?: undefined })
    /** Read per invocation (e.g. a cached Secrets Manager read), so a rotated token applies without a cold start. */
    | { readonly resolveSecrets: () => Promise<WebhookSecrets>; readonly token?: undefined; readonly encodingAesKey?: undefined }
  );

type Result = APIGatewayProxyStructuredResultV2;

/** An answer to bad input: short JSON saying what is wrong (rendered by http-error-handler). */
class WebhookHttpError extends Error {
  readonly statusCode: number;
  readonly expose = true;
  readonly headers: Record<string, string> | undefined;

  constructor(statusCode: number, error: string, message: string, headers?: Record<string, string>) {
    super(JSON.stringify({ error, message }));
    this.name = 'WebhookHttpError';
    this.statusCode = statusCode;
    this.headers = headers;
  }
}

function text(body: string): Result {
  return { statusCode: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body };
}

/** HTTP API lower-cases header names, other front doors may not: look them up case-insensitively. */
function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function signatureHeaders(event: APIGatewayProxyEventV2): { timestamp: string; nonce: string; signature: string } {
  const timestamp = header(event, 'timestamp')?.trim();
  const nonce = header(event, 'nonce')?.trim();
  const signature = header(event, 'signature')?.trim();
  if (!timestamp || !nonce || !signature) {
    throw new WebhookHttpError(401, 'missing_signature', 'timestamp, nonce and signature headers are required');
  }
  return { timestamp, nonce, signature };
}

const invalidSignature = () => new WebhookHttpError(401, 'invalid_signature', 'signature does not match the request');

function badRequest(error: unknown): never {
  if (error instanceof WebhookDecodeError || error instanceof WebhookEventError) {
    throw new WebhookHttpError(400, error instanceof WebhookDecodeError ? 'invalid_data' : 'invalid_event', error.message);
  }
  throw error;
}

function bodyText(event: APIGatewayProxyEventV2, maxBodyBytes: number): string {
  const raw = event.body ?? '';
  // Cheap bound first, so an oversized body is never even base64-decoded.
  if (raw.length > maxBodyBytes * 2) throw tooLarge(maxBodyBytes);
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
  return bytes.toString('utf8');
}

const tooLarge = (max: number) => new WebhookHttpError(413, 'body_too_large', `request body exceeds ${max} bytes`);

function dataField(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new WebhookHttpError(400, 'invalid_body', 'body must be JSON: {"data": "<base64>"}');
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (typeof data !== 'string' || data.length === 0) {
    throw new WebhookHttpError(400, 'invalid_body', 'body must be JSON: {"data": "<base64>"}');
  }
  return data;
}

/** Log fields that identify an event without any of its secrets or personal payload. */
function describe(event: WebhookEvent, eventId: string | undefined): Record<string, unknown> {
  const meetingIds = new Set<string>();
  const recordFileIds = new Set<string>();
  if (event.event !== 'unknown') {
    for (const item of event.payload as ReadonlyArray<{ meeting_info?: { meeting_id: string }; recording_files?: { record_file_id: string }[] }>) {
      if (item.meeting_info) meetingIds.add(item.meeting_info.meeting_id);
      for (const file of item.recording_files ?? []) recordFileIds.add(file.record_file_id);
    }
  }
  return {
    event: event.event === 'unknown' ? event.name : event.event,
    trace_id: eventId,
    meeting_id: [...meetingIds],
    record_file_ids: [...recordFileIds],
  };
}

export function createWebhookHandler(deps: WebhookDeps) {
  const logger = deps.logger ?? createLogger('webhook');
  const metrics = deps.metrics ?? new Metrics({ namespace: 'TencentMeetingArchive', serviceName: 'webhook' });
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const secrets = async (): Promise<WebhookSecrets> =>
    deps.resolveSecrets ? deps.resolveSecrets() : { token: deps.token, ...(deps.encodingAesKey ? { encodingAesKey: deps.encodingAesKey } : {}) };
  const count = (name: string) => metrics.addMetric(name, MetricUnit.Count, 1);
  const stsTokens = new StsTokenStore(deps.dynamo, deps.tableName);

  async function verify(event: APIGatewayProxyEventV2): Promise<Result> {
    const checkStr = event.queryStringParameters?.check_str;
    if (!checkStr) throw new WebhookHttpError(400, 'missing_check_str', 'GET requires the check_str query parameter');
    const { timestamp, nonce, signature } = signatureHeaders(event);
    const { token, encodingAesKey } = await secrets();
    // A '+' in an unencoded check_str reaches us as a space after form-style decoding (§2.3).
    const candidates = checkStr.includes(' ') ? [checkStr, checkStr.replace(/ /g, '+')] : [checkStr];
    const data = candidates.find((candidate) => verifyWebhookSignature(token, timestamp, nonce, candidate, signature));
    if (data === undefined) {
      count('WebhookRejected');
      throw invalidSignature();
    }
    let plaintext: string;
    try {
      plaintext = decodeWebhookData(data, encodingAesKey);
    } catch (error) {
      count('WebhookRejected');
      badRequest(error);
    }
    count('WebhookVerified');
    logger.info('webhook verification answered');
    return text(plaintext);
  }

  async function deliver(event: APIGatewayProxyEventV2): Promise<Result> {
    const body = bodyText(event, maxBodyBytes);
    const { timestamp, nonce, signature } = signatureHeaders(event);
    const data = dataField(body);
    const { token, encodingAesKey } = await secrets();
    if (!verifyWebhookSignature(token, timestamp, nonce, data, signature)) {
      count('WebhookRejected');
      throw invalidSignature();
    }
    let parsed: WebhookEvent;
    let plaintext: string;
    try {
      plaintext = decodeWebhookData(data, encodingAesKey);
      parsed = parseWebhookEvent(plaintext);
    } catch (error) {
      count('WebhookRejected');
      badRequest(error);
    }
    const eventName = parsed.event === 'unknown' ? parsed.name : parsed.event;
    const eventId = parsed.trace_id ?? deriveEventId(eventName, plaintext);
    const fields = describe(parsed, eventId);
    if (parsed.event === 'unknown') {
      count('WebhookUnknownEvent');
      logger.warn('unknown webhook event acknowledged, nothing enqueued', fields);
      return text(ACK_BODY);
    }
    let messages: IngestMessage[];
    try {
      messages = toIngestMessages(parsed, eventId);
    } catch (error) {
      count('WebhookRejected');
      badRequest(error);
    }
    // A token is a credential: it is stored here, never put on the queue (or left in its DLQ).
    for (const token of stsTokensOf(parsed)) {
      await stsTokens.save(token.stsToken, token.expireTs);
      count('WebhookStsTokenStored');
      logger.info('STS token stored', fields);
    }
    if (messages.length === 0) {
      count('WebhookIgnoredEvent');
      logger.info('webhook event needs no archiving', fields);
      return text(ACK_BODY);
    }
    const claim = await claimEvent(deps.dynamo, deps.tableName, eventId, deps.dedupe);
    if (!claim) {
      count('WebhookDuplicate');
      logger.info('duplicate webhook event acknowledged', fields);
      return text(ACK_BODY);
    }
    try {
      await sendIngestMessages(deps.sqs, deps.queueUrl, messages);
    } catch (error) {
      // Without the marker, Tencent's retry of this event is processed instead of deduped.
      await claim.release().catch((releaseError: unknown) =>
        logger.error('could not release the dedupe claim; it expires with its lease', { ...fields, error: String(releaseError) }),
      );
      count('WebhookEnqueueFailed');
      logger.error('could not enqueue webhook event; Tencent will retry', { ...fields, error: error instanceof Error ? error.message : String(error) });
      throw new WebhookHttpError(503, 'enqueue_failed', 'the event could not be queued; retry later');
    }
    await claim.confirm();
    count('WebhookAccepted');
    logger.info('webhook event enqueued', { ...fields, messages: messages.length });
    return text(ACK_BODY);
  }

  const route = async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const method = event.requestContext?.http?.method?.toUpperCase();
    if (method === 'GET') return verify(event);
    if (method === 'POST') return deliver(event);
    throw new WebhookHttpError(405, 'method_not_allowed', 'use GET (verification) or POST (events)', { Allow: 'GET, POST' });
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(route)
    // Never log the raw event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: its body is Tencent's
    // `data`, which in plain mode is only base64 of the event (STS tokens included).
    .use(injectLambdaContext(logger, { logEvent: false }))
    .use(logMetrics(metrics))
    .use(
      httpErrorHandler({
        fallbackMessage: JSON.stringify({ error: 'internal_error', message: 'the webhook failed; retry later' }),
        logger: (error: unknown) => {
          if (error instanceof WebhookHttpError) {
            if (error.statusCode >= 500) return; // already logged with its cause
            logger.warn('webhook request rejected', { status: error.statusCode, reason: error.message });
          } else {
            logger.error('webhook failed', { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
          }
        },
      }),
    );
}

let lambdaHandler: Promise<ReturnType<typeof createWebhookHandler>> | undefined;

async function buildFromEnv(env: NodeJS.ProcessEnv): Promise<ReturnType<typeof createWebhookHandler>> {
  const tableName = env[RESOURCE_ENV.table];
  const queueUrl = env[RESOURCE_ENV.ingestQueueUrl];
  if (!tableName || !queueUrl) throw new Error(`${RESOURCE_ENV.table} and ${RESOURCE_ENV.ingestQueueUrl} must be set`);
  // Fail the cold start, naming the variable, when the webhook secrets are missing.
  requireWebhookSecrets(await loadTencentConfig(env));
  const dynamo = createDynamoClient({}, env);
  const sqs = createSqsClient({}, env);
  return createWebhookHandler({
    dynamo,
    sqs,
    tableName,
    queueUrl,
    // loadTencentConfig caches the secret for minutes, so per-invocation reads are cheap.
    resolveSecrets: async () => requireWebhookSecrets(await loadTencentConfig(env)),
  });
}

/** The Lambda entry: dependencies are built on first use, from the environment. */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  lambdaHandler ??= buildFromEnv(process.env).catch((error: unknown) => {
    lambdaHandler = undefined; // a later invocation may find the configuration fixed
    throw error;
  });
  return (await lambdaHandler)(event, context);
}
