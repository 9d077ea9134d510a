import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createTestResources } from '../../support/aws.ts';
import { keys } from '../../../shared/archive/table-design.ts';

describe('local resources on the emulators', () => {
  it('creates a table, bucket and queue that the SDK can use over real sockets', async () => {
    const { clients, tableName, bucketName, ingestQueueUrl } = await createTestResources();
    await clients.dynamo.send(new PutCommand({ TableName: tableName, Item: { ...keys.event('t-1'), ttl: 1 } }));
    const item = await clients.dynamo.send(new GetCommand({ TableName: tableName, Key: keys.event('t-1') }));
    expect(item.Item?.ttl).toBe(1);

    await clients.s3.send(new PutObjectCommand({ Bucket: bucketName, Key: 'a/b.txt', Body: 'hello' }));
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucketName, Key: 'a/b.txt' }));
    expect(await object.Body?.transformToString()).toBe('hello');

    await clients.sqs.send(new SendMessageCommand({ QueueUrl: ingestQueueUrl, MessageBody: '{"x":1}' }));
    const received = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: ingestQueueUrl, WaitTimeSeconds: 1 }));
    expect(received.Messages?.[0]?.Body).toBe('{"x":1}');
  });
});
