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
    // The reference vectors' time: their timestamps are inside the replay window.
    now: () => 1_700_000_001_000,
  });
  const counted = () => addMetric.mock.calls.map(([name]) => name as string);
  return { service, dynamoSend, sqsSend, counted };
}

function signedPost(data: string, body = JSON.stringify({ data }), timestamp = '1700000001000'): DeliveryRequest {
  const headers = { timestamp, nonce: '12345678', signature: webhookSignature(TOKEN, timestamp, '12345678', data) };
  return { headers, body, isBase64Encoded: false };
}

describe('WebhookService refusals', () => {
  const data = encodeWebhookData(JSON.stringify(completedDoc));
  const cases: Array<[string, DeliveryRequest, string, boolean]> = [
    // Malformed HTTP, refused before the signature check: not counted.
    ['no signature headers', { headers: {}, body: JSON.stringify({ data }), isBase64Encoded: false }, 'missing_signature', false],
    ['a body without data', signedPost(data, '{"nodata":1}'), 'invalid_body', false],
    ['an oversized body', signedPost(data, 'x'.repeat(200 * 1024)), 'body_too_large', false],
    // Failed the signature check: counted as WebhookRejected.
    ['a signature over other data', { ...signedPost(data), body: JSON.stringify({ data: encodeWebhookData('{}') }) }, 'invalid_signature', true],
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

  it.each([
    ['two hours late, in ms', String(1_700_000_001_000 - 7_200_000)],
    ['two hours early, in seconds', String(1_700_000_001 + 7_200)],
    ['not a unix time', '2023-11-14T22:13:21Z'],
  ])('a signed delivery with a timestamp %s → rejected (stale_timestamp), counted, no AWS call', async (_label, timestamp) => {
    const webhook = makeService();
    expect(await webhook.service.deliver(signedPost(data, undefined, timestamp))).toEqual({ kind: 'rejected', reason: 'stale_timestamp', message: expect.any(String) });
    expect(webhook.counted()).toEqual(['WebhookStaleTimestamp']);
    expect(webhook.dynamoSend).not.toHaveBeenCalled();
    expect(webhook.sqsSend).not.toHaveBeenCalled();
  });

  it('a verification without check_str → rejected (missing_check_str), not counted', async () => {
    const webhook = makeService();
    expect(await webhook.service.verify({ headers: {}, checkStr: undefined })).toMatchObject({ kind: 'rejected', reason: 'missing_check_str' });
    expect(webhook.counted()).toEqual([]);
  });
});

describe('WebhookService deliveries', () => {
  it.each([
    ['signed data that is not base64', '@@not*base64@@'],
    ['a signed plaintext that is not an event', encodeWebhookData('not json')],
  ])('%s → parked (kept in the table, counted), never refused', async (_label, data) => {
    const webhook = makeService();
    expect(await webhook.service.deliver(signedPost(data))).toEqual({ kind: 'parked', eventId: expect.stringMatching(/^derived-/) });
    expect(webhook.counted()).toEqual(['WebhookEventParked']);
    const put = webhook.dynamoSend.mock.calls[0]![0] as PutCommand;
    expect(put.input.Item).toMatchObject({ pk: 'WEBHOOK#PARKED', status: 'parked' });
    expect(webhook.sqsSend).not.toHaveBeenCalled();
  });

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
