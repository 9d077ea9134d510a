// The ingest Lambda entry as AWS runs it: built from the environment, and rebuilt when the Tencent
// credentials change, so a rotated SecretKey reaches a warm worker without a cold start.
import type { Context, SQSEvent } from 'aws-lambda';
import { handler as ingestLambda } from '../../../functions/ingest/handler.ts';
import { startSimulator, type Simulator } from '../../../infra/local/simulator/server.ts';
import { createLambdaContext } from '../../../infra/local/lambda-context.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { fileStatus } from '../../../shared/archive/model.ts';
import { createTestResources } from '../../support/aws.ts';

let sim: Simulator;
afterEach(async () => {
  await sim?.stop();
});

function sqsEvent(body: unknown, messageId: string): SQSEvent {
  return {
    Records: [
      {
        messageId,
        receiptHandle: messageId,
        body: JSON.stringify(body),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ingest',
        awsRegion: 'us-east-1',
      },
    ],
  };
}

it('builds itself from the environment and picks up rotated credentials on a warm worker', async () => {
  const resources = await createTestResources();
  sim = await startSimulator();
  const recording = sim.model.createMeeting({ subject: 'rotation', hostUserId: sim.credentials.operatorId, files: [{ sizeBytes: 1024 * 1024 }] });
  const file = recording.files[0]!;
  const startSec = Math.floor(recording.mediaStartTimeMs / 1000);
  const message = { kind: 'archive-file', reason: 'recording.completed', meetingId: recording.meetingId, recordFileId: file.recordFileId, windowStartSec: startSec - 86_400, windowEndSec: startSec + 86_400 };
  const saved = { ...process.env };
  Object.assign(process.env, {
    ...sim.env(),
    TENCENT_MEETING_SECRET_KEY: 'the-key-before-rotation',
    ARCHIVE_TABLE_NAME: resources.tableName,
    ARCHIVE_BUCKET_NAME: resources.bucketName,
    INGEST_QUEUE_URL: resources.ingestQueueUrl,
    INGEST_DLQ_URL: resources.ingestDeadLetterQueueUrl,
    AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT,
    AWS_ENDPOINT_URL_S3: process.env.TEST_AWS_ENDPOINT,
    AWS_ENDPOINT_URL_SQS: process.env.TEST_AWS_ENDPOINT,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    COPY_MAX_PART_SIZE_BYTES: String(10 * 1024 * 1024),
    // The simulator's links are http://127.0.0.1: a real Lambda would refuse them (the default).
    DOWNLOAD_ALLOW_INSECURE_LOOPBACK: 'true',
    LOG_LEVEL: 'SILENT',
  });
  try {
    const index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
    const invoke = async (id: string) => {
      const { context } = createLambdaContext({ functionName: 'ingest', timeoutMs: 60_000 });
      return ingestLambda(sqsEvent(message, id), context as Context);
    };
    // Tencent refuses the old key (signature, 200003): the message cannot succeed as it is.
    expect(await invoke('m-1')).toEqual({ batchItemFailures: [] });
    expect(await index.getRecordFile(file.recordFileId)).toBeUndefined();

    // The secret is rotated; the same warm worker uses the new key on its next invocation.
    process.env.TENCENT_MEETING_SECRET_KEY = sim.credentials.secretKey;
    expect(await invoke('m-2')).toEqual({ batchItemFailures: [] });
    expect(fileStatus((await index.getRecordFile(file.recordFileId))!)).toBe('archived');
  } finally {
    process.env = saved;
  }
});
