// Per-test-file resources on the shared emulators: unique names, so test files never interfere.
import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, type AwsClients } from '../../shared/aws/clients.ts';
import { ensureLocalResources, type LocalResources } from '../../infra/local/resources.ts';

export function testAwsClients(): AwsClients {
  const dynamodbEndpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  const awsEndpoint = process.env.TEST_AWS_ENDPOINT;
  if (!dynamodbEndpoint || !awsEndpoint) throw new Error('emulator endpoints missing: run the tests through jest (globalSetup)');
  return createAwsClients({ dynamodbEndpoint, awsEndpoint, forcePathStyle: true, region: 'us-east-1' });
}

export async function createTestResources(
  clients: AwsClients = testAwsClients(),
  options?: { visibilityTimeoutSeconds?: number },
): Promise<LocalResources & { clients: AwsClients }> {
  const id = randomUUID().slice(0, 8);
  const resources = await ensureLocalResources(
    clients,
    { table: `test-${id}`, bucket: `test-${id}`, ingestQueue: `test-${id}-ingest`, ingestDeadLetterQueue: `test-${id}-dlq` },
    options,
  );
  return { ...resources, clients };
}

/** The table and ingest queue of the test's resources with their clients: what the reconcile function and the operations commands are built from. */
export function tableAndQueueOf(resources: { readonly clients: AwsClients; readonly tableName: string; readonly ingestQueueUrl: string }) {
  return { dynamo: resources.clients.dynamo, sqs: resources.clients.sqs, tableName: resources.tableName, queueUrl: resources.ingestQueueUrl };
}

/** Closes the clients' sockets, so jest can exit without open handles. */
export function destroyClients(clients: AwsClients): void {
  for (const client of Object.values(clients)) client.destroy();
}

/**
 * Takes every message off the test's ingest queue and returns their bodies, parsed. A queue is
 * empty after `emptyReceives` receives in a row find nothing (more than one for a poll that may
 * race a message still being sent).
 */
export async function drainQueue(
  resources: { readonly clients: AwsClients; readonly ingestQueueUrl: string },
  { emptyReceives = 1 }: { emptyReceives?: number } = {},
): Promise<Array<Record<string, unknown>>> {
  const bodies: Array<Record<string, unknown>> = [];
  for (let empty = 0; empty < emptyReceives; ) {
    const received = await resources.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resources.ingestQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300 }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) {
      empty += 1;
      continue;
    }
    empty = 0;
    for (const message of messages) bodies.push(JSON.parse(message.Body!) as Record<string, unknown>);
    await resources.clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: resources.ingestQueueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return bodies;
}
