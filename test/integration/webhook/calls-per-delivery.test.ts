// What one webhook delivery costs in AWS calls, counted by an SDK middleware on the real clients
// (DynamoDB Local and fauxqs): the bench's first row (bench/webhook.ts) pinned, so a change that
// adds a DynamoDB or SQS call to every delivery fails here, not only in a benchmark figure.
// Every count is per delivery, one delivery at a time, as a Lambda execution environment runs them.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createTestResources, destroyClients, drainQueue, testAwsClients } from '../../support/aws.ts';
import { countDynamoCalls, countSqsCalls, type CallCounter, type DynamoCalls, type SqsCalls } from '../../support/aws-calls.ts';
import { webhookHandlerOn } from '../../support/webhook.ts';
import { createLambdaContext } from '../../../infra/local/lambda-context.ts';
import { ACK_BODY } from '../../../functions/webhook/handler.ts';
import { encodeWebhookData, webhookSignature } from '../../../shared/webhook/codec.ts';
import { completedDoc } from '../../unit/webhook/fixtures.ts';

const TOKEN = 'bVPU6F8Htxl5XkAbp3jGV2xWp';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const NOW_MS = 1_700_000_001_000;

type Resources = Awaited<ReturnType<typeof createTestResources>>;
let resources: Resources;
let dynamoCalls: CallCounter<DynamoCalls>;
let sqsCalls: CallCounter<SqsCalls>;
let invoke: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  const clients = testAwsClients();
  dynamoCalls = countDynamoCalls(clients.dynamo);
  sqsCalls = countSqsCalls(clients.sqs);
  resources = await createTestResources(clients);
  const handler = webhookHandlerOn(resources, {
    token: TOKEN,
    encodingAesKey: AES_KEY,
    logger: new Logger({ serviceName: 'webhook-test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'test', serviceName: 'webhook' }),
    now: () => NOW_MS,
  });
  invoke = async (event) => {
    const { context } = createLambdaContext({ functionName: 'webhook', timeoutMs: 10_000 });
    return (await handler(event, context as Context)) as APIGatewayProxyStructuredResultV2;
  };
});

afterAll(() => destroyClients(resources.clients));

let nonce = 0;
function delivery(plaintext: string): APIGatewayProxyEventV2 {
  const data = encodeWebhookData(plaintext, AES_KEY);
  const timestamp = String(NOW_MS);
  const n = String(10_000_000 + ++nonce);
  return {
    version: '2.0',
    rawPath: '/webhooks/tencent-meeting',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', timestamp, nonce: n, signature: webhookSignature(TOKEN, timestamp, n, data) },
    requestContext: { http: { method: 'POST', path: '/webhooks/tencent-meeting' } },
    body: JSON.stringify({ data }),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

/** Delivers one event and returns what it asked of DynamoDB and SQS. */
async function deliver(plaintext: string) {
  dynamoCalls.reset();
  sqsCalls.reset();
  const response = await invoke(delivery(plaintext));
  expect(response).toMatchObject({ statusCode: 200, body: ACK_BODY });
  return { dynamo: { ...dynamoCalls.calls }, sqs: { ...sqsCalls.calls } };
}

const completed = (traceId: string, files = 2) =>
  JSON.stringify({
    ...completedDoc,
    trace_id: traceId,
    payload: [{ ...completedDoc.payload[0], recording_files: Array.from({ length: files }, (_, i) => ({ record_file_id: `${traceId}-${i}` })) }],
  });

it('a new recording.completed costs 1 DynamoDB write (the claim), no read, and 1 SQS send carrying every file', async () => {
  const calls = await deliver(completed('calls-new-1'));
  // The marker's confirmation is the worker's, on receipt (dedupe.ts): not a call Tencent waits for.
  expect(calls.dynamo).toMatchObject({ requests: 1, itemWrites: 1, itemsRead: 0, byCommand: { PutItemCommand: 1 } });
  expect(calls.sqs).toMatchObject({ requests: 1, messagesSent: 2, byCommand: { SendMessageBatchCommand: 1 } });
  expect(await drainQueue(resources)).toHaveLength(2);
});

it("Tencent's retry of an enqueued event costs 1 refused conditional write and sends nothing", async () => {
  await deliver(completed('calls-dup-1'));
  await drainQueue(resources);
  const retry = await deliver(completed('calls-dup-1'));
  expect(retry.dynamo).toMatchObject({ requests: 1, itemWrites: 1, itemsRead: 0 });
  expect(retry.sqs.requests).toBe(0);
  expect(await drainQueue(resources)).toEqual([]);
});

it('stays at 1 write and 1 send for the ten files one SendMessageBatch holds, and sends a second batch only past them', async () => {
  const ten = await deliver(completed('calls-ten', 10));
  expect(ten.dynamo.itemWrites).toBe(1);
  expect(ten.sqs).toMatchObject({ requests: 1, messagesSent: 10 });
  const eleven = await deliver(completed('calls-eleven', 11));
  expect(eleven.dynamo.itemWrites).toBe(1);
  expect(eleven.sqs).toMatchObject({ requests: 2, messagesSent: 11 });
  expect(await drainQueue(resources)).toHaveLength(21);
});
