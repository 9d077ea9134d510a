// Per-test-file resources on the shared emulators: unique names, so test files never interfere.
import { randomUUID } from 'node:crypto';
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
