// The webhook service's outcomes and counters, without HTTP or emulators: what the handler tests
// cannot see directly (which refusals count as WebhookRejected, that a refusal touches no AWS
// client at all, and that an STS token is stored without anything reaching the queue).
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { encodeWebhookData, webhookSignature } from '../../../shared/webhook/codec.ts';
import { WebhookService, type DeliveryRequest } from '../../../shared/webhook/webhook-service.ts';
import { completedDoc, stsTokenDoc } from './fixtures.ts';

const TOKEN = 'bVPU6F8Htxl5XkAbp3jGV2xWp';

function makeService() {
  const dynamoSend = jest.fn(async (_command: unknown) => ({}));
  const sqsSend = jest.fn(async (_command: unknown) => ({}));
  const addMetric = jest.fn();
  const service = new WebhookService({
    dynamo: { send: dynamoSend } as unknown as DynamoDBDocumentClient,
    sqs: { send: sqsSend } as unknown as SQSClient,
    tableName: 'table',
    queueUrl: 'queue',
    secrets: async () => ({ token: TOKEN }),
    logger: new Logger({ serviceName: 'webhook-test', logLevel: 'SILENT' }),
    metrics: { addMetric } as unknown as Metrics,
  });
  const counted = () => addMetric.mock.calls.map(([name]) => name as string);
  return { service, dynamoSend, sqsSend, counted };
}

function signedPost(data: string, body = JSON.stringify({ data })): DeliveryRequest {
  const headers = { timestamp: '1700000001000', nonce: '12345678', signature: webhookSignature(TOKEN, '1700000001000', '12345678', data) };
  return { headers, body, isBase64Encoded: false };
}

describe('WebhookService refusals', () => {
  const data = encodeWebhookData(JSON.stringify(completedDoc));
  const cases: Array<[string, DeliveryRequest, string, boolean]> = [
    // Malformed HTTP, refused before the signature check: not counted.
    ['no signature headers', { headers: {}, body: JSON.stringify({ data }), isBase64Encoded: false }, 'missing_signature', false],
    ['a body without data', signedPost(data, '{"nodata":1}'), 'invalid_body', false],
    ['an oversized body', signedPost(data, 'x'.repeat(200 * 1024)), 'body_too_large', false],
    // Failed the signature check, or signed but unusable: counted as WebhookRejected.
    ['a signature over other data', { ...signedPost(data), body: JSON.stringify({ data: encodeWebhookData('{}') }) }, 'invalid_signature', true],
    ['signed data that is not base64', signedPost('@@not*base64@@'), 'invalid_data', true],
    ['a signed plaintext that is not an event', signedPost(encodeWebhookData('not json')), 'invalid_event', true],
  ];

  it.each(cases.map(([label, request, reason, counted]) => ({ label, request, reason, counted })))(
    '$label → rejected ($reason), no AWS call',
    async ({ request, reason, counted }) => {
    const webhook = makeService();
    expect(await webhook.service.deliver(request)).toEqual({ kind: 'rejected', reason, message: expect.any(String) });
    expect(webhook.counted()).toEqual(counted ? ['WebhookRejected'] : []);
    expect(webhook.dynamoSend).not.toHaveBeenCalled();
    expect(webhook.sqsSend).not.toHaveBeenCalled();
    },
  );

  it('a verification without check_str → rejected (missing_check_str), not counted', async () => {
    const webhook = makeService();
    expect(await webhook.service.verify({ headers: {}, checkStr: undefined })).toMatchObject({ kind: 'rejected', reason: 'missing_check_str' });
    expect(webhook.counted()).toEqual([]);
  });
});

describe('WebhookService deliveries', () => {
  it('common.sts-token: stores the token, enqueues nothing, claims no dedupe marker', async () => {
    const webhook = makeService();
    expect(await webhook.service.deliver(signedPost(encodeWebhookData(JSON.stringify(stsTokenDoc))))).toEqual({ kind: 'nothing-to-archive' });
    expect(webhook.dynamoSend).toHaveBeenCalledTimes(1);
    const put = webhook.dynamoSend.mock.calls[0]![0] as PutCommand;
    expect(put).toBeInstanceOf(PutCommand);
    expect(put.input.Item).toMatchObject({ stsToken: 'sts-secret-value', expiresAtMs: 1752046225_000 });
    expect(webhook.sqsSend).not.toHaveBeenCalled();
    expect(webhook.counted()).toEqual(['WebhookStsTokenStored', 'WebhookIgnoredEvent']);
  });

  it('recording.completed: claims, enqueues, confirms → enqueued with its message count', async () => {
    const webhook = makeService();
    expect(await webhook.service.deliver(signedPost(encodeWebhookData(JSON.stringify(completedDoc))))).toEqual({ kind: 'enqueued', messages: 2 });
    expect(webhook.sqsSend).toHaveBeenCalledTimes(1);
    expect(webhook.counted()).toEqual(['WebhookAccepted']);
  });
});
