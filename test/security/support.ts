// Helpers for the security suite: API Gateway v2 events for the webhook, queue and table probes
// (what an accepted or refused request left behind), and capture of everything the handlers log.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createLambdaContext } from '../../infra/local/lambda-context.ts';
import { createWebhookHandler } from '../../functions/webhook/handler.ts';
import type { createTestResources } from '../support/aws.ts';

export type Resources = Awaited<ReturnType<typeof createTestResources>>;

export interface WebhookRequest {
  /** undefined = no requestContext.http at all. */
  readonly method?: string | undefined;
  readonly headers?: Record<string, string> | undefined;
  readonly query?: Record<string, string> | undefined;
  readonly body?: string | undefined;
  readonly isBase64Encoded?: boolean;
}

export function webhookEvent(request: WebhookRequest): APIGatewayProxyEventV2 {
  const method = request.method;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/webhooks/tencent-meeting',
    rawQueryString: request.query ? new URLSearchParams(request.query).toString() : '',
    headers: request.headers ?? {},
    ...(request.query ? { queryStringParameters: request.query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      ...(method !== undefined ? { http: { method, path: '/webhooks/tencent-meeting', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'fuzz' } } : {}),
      requestId: 'security',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: request.isBase64Encoded ?? false,
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
}

export type WebhookInvoke = (request: WebhookRequest) => Promise<APIGatewayProxyStructuredResultV2>;

/** The real handler (middy chain included), invoked the way the Lambda runtime does. */
export function webhookInvoker(handler: ReturnType<typeof createWebhookHandler>): WebhookInvoke {
  return async (request) => {
    const { context } = createLambdaContext({ functionName: 'webhook', timeoutMs: 10_000 });
    return (await handler(webhookEvent(request), context as Context)) as APIGatewayProxyStructuredResultV2;
  };
}

/** Receives and deletes everything on the queue; returns the parsed message bodies. */
export { drainQueue } from '../support/aws.ts';

export async function scanTable(resources: Resources): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await resources.clients.dynamo.send(new ScanCommand({ TableName: resources.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...((page.Items ?? []) as Array<Record<string, unknown>>));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The webhook's dedupe markers (EVENT#<trace_id>). */
export async function dedupeMarkers(resources: Resources): Promise<Array<Record<string, unknown>>> {
  return (await scanTable(resources)).filter((item) => String(item.pk).startsWith('EVENT#'));
}

/** The webhook's parked (and repaired) events (WEBHOOK#PARKED). */
export async function parkedItems(resources: Resources): Promise<Array<Record<string, unknown>>> {
  return (await scanTable(resources)).filter((item) => item.pk === 'WEBHOOK#PARKED');
}

export interface CapturedOutput {
  /** Everything written to stdout/stderr since capture started (Powertools writes one JSON line per entry). */
  text(): string;
  /** The parsed JSON log entries. */
  entries(): Array<Record<string, unknown>>;
  restore(): void;
}

/**
 * Captures what Powertools loggers write: they print through a Console bound to process.stdout /
 * process.stderr, so replacing the streams' write() sees each serialised line exactly as it would
 * reach CloudWatch (after the product's redaction). Nothing is passed through to the terminal.
 */
export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write),
  );
  return {
    text: () => chunks.join(''),
    entries: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim().startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

/** Each secret that occurs in `text`, by name (an empty list is the pass). */
export function leaks(text: string, secrets: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => value !== undefined && value.length > 0 && text.includes(value))
    .map(([name]) => name);
}
