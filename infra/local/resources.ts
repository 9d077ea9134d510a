// Creates the archive's table, bucket and queues on the emulators from the same design the CDK
// stack uses (shared/archive/table-design.ts), so local and AWS resources cannot drift apart.
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../shared/aws/clients.ts';
import { ARCHIVE_INDEXES, INGEST_MAX_RECEIVE_COUNT, TABLE_PARTITION_KEY, TABLE_SORT_KEY, TTL_ATTRIBUTE } from '../../shared/archive/table-design.ts';

export interface LocalResourceNames {
  readonly table: string;
  readonly bucket: string;
  readonly ingestQueue: string;
  readonly ingestDeadLetterQueue: string;
}

/** The names `npm start` gives its resources (the CDK stack lets CloudFormation generate them). */
export const LOCAL_RESOURCE_NAMES = {
  table: 'tencent-meeting-archive',
  bucket: 'tencent-meeting-archive',
  ingestQueue: 'tencent-meeting-archive-ingest',
  ingestDeadLetterQueue: 'tencent-meeting-archive-ingest-dlq',
} as const satisfies LocalResourceNames;

export interface LocalResources {
  readonly tableName: string;
  readonly bucketName: string;
  readonly ingestQueueUrl: string;
  readonly ingestDeadLetterQueueUrl: string;
}


export async function ensureLocalResources(
  clients: AwsClients,
  names: LocalResourceNames,
  { visibilityTimeoutSeconds = 900 }: { visibilityTimeoutSeconds?: number } = {},
): Promise<LocalResources> {
  await ensureTable(clients, names.table);
  await ensureBucket(clients, names.bucket);
  const dlq = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: names.ingestDeadLetterQueue, Attributes: { MessageRetentionPeriod: '1209600' } }),
  );
  const dlqArn = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
  const queue = await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: names.ingestQueue,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn.Attributes?.QueueArn, maxReceiveCount: INGEST_MAX_RECEIVE_COUNT }),
      },
    }),
  );
  return {
    tableName: names.table,
    bucketName: names.bucket,
    ingestQueueUrl: queue.QueueUrl!,
    ingestDeadLetterQueueUrl: dlq.QueueUrl!,
  };
}

async function ensureTable(clients: AwsClients, tableName: string): Promise<void> {
  const indexes = Object.values(ARCHIVE_INDEXES);
  const attributeNames = new Set<string>([TABLE_PARTITION_KEY, TABLE_SORT_KEY]);
  for (const index of indexes) {
    attributeNames.add(index.partitionKey);
    attributeNames.add(index.sortKey);
  }
  try {
    await clients.dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributeNames].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: TABLE_SORT_KEY, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: indexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    );
    await clients.dynamo.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await clients.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
}

async function ensureBucket(clients: AwsClients, bucket: string): Promise<void> {
  try {
    await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}
