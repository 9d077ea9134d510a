// The real webhook handler (middy chain included) on a test's own table and queue.
import { createWebhookHandler, type WebhookDeps } from '../../functions/webhook/handler.ts';
import type { createTestResources } from './aws.ts';

type TestResources = Awaited<ReturnType<typeof createTestResources>>;
type Storage = 'dynamo' | 'sqs' | 'tableName' | 'queueUrl';
/** The deps without what the test resources supply (still overridable), distributed so each secrets form stays whole. */
type OnResources<D> = D extends unknown ? Omit<D, Storage> & Partial<Pick<WebhookDeps, Storage>> : never;

/** createWebhookHandler with the test's DynamoDB table and ingest queue; `deps` adds the rest. */
export function webhookHandlerOn(resources: TestResources, deps: OnResources<WebhookDeps>): ReturnType<typeof createWebhookHandler> {
  return createWebhookHandler({
    dynamo: resources.clients.dynamo,
    sqs: resources.clients.sqs,
    tableName: resources.tableName,
    queueUrl: resources.ingestQueueUrl,
    ...deps,
  } as WebhookDeps);
}
