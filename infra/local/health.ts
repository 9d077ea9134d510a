// GET /healthz of the local stack: every component's status, 503 when one is down.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../shared/aws/clients.ts';
import type { HttpFunction } from './gateway.ts';
import type { LocalResources } from './resources.ts';

interface HealthDeps {
  readonly clients: AwsClients;
  readonly resources: LocalResources;
  /** The ingest worker's status: its invocations in flight, or whether its own process lives. */
  readonly ingestWorker: () => { readonly status: 'ok' | 'down'; readonly [detail: string]: unknown };
  readonly tencent: { readonly mode: 'simulator' | 'remote'; readonly apiBase: string };
}

/** GET /healthz: every component's status; 503 when one is down (nothing here calls Tencent). */
export function createHealthHandler(deps: HealthDeps): HttpFunction {
  const { clients, resources } = deps;
  const check = async (probe: () => Promise<Record<string, unknown> | void>): Promise<Record<string, unknown>> => {
    try {
      const details = await Promise.race([
        probe(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), 3000).unref()),
      ]);
      return { status: 'ok', ...(details ?? {}) };
    } catch (error) {
      return { status: 'down', error: error instanceof Error ? error.message : String(error) };
    }
  };
  const depth = async (queueUrl: string) => {
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return { visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
  };
  return async (): Promise<APIGatewayProxyStructuredResultV2> => {
    const [dynamodb, s3, ingestQueue, deadLetterQueue] = await Promise.all([
      check(async () => {
        const table = await clients.dynamo.send(new DescribeTableCommand({ TableName: resources.tableName }));
        return { table: resources.tableName, items: table.Table?.ItemCount };
      }),
      check(async () => {
        await clients.s3.send(new HeadBucketCommand({ Bucket: resources.bucketName }));
        return { bucket: resources.bucketName };
      }),
      check(async () => depth(resources.ingestQueueUrl)),
      check(async () => depth(resources.ingestDeadLetterQueueUrl)),
    ]);
    const components = {
      gateway: { status: 'ok' },
      dynamodb,
      s3,
      ingestQueue,
      deadLetterQueue,
      ingestWorker: deps.ingestWorker(),
      tencent: { status: 'ok', mode: deps.tencent.mode, apiBase: deps.tencent.apiBase },
    };
    const healthy = Object.values(components).every((component) => component.status === 'ok');
    return {
      statusCode: healthy ? 200 : 503,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({ status: healthy ? 'ok' : 'degraded', components }),
    };
  };
}
