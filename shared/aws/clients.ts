// One code path for AWS and the local emulators: only endpoints differ. The SDK reads
// AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SQS by itself; path-style
// addressing is needed only by the local S3 emulator, so it is opt-in.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

export interface AwsClientOptions {
  /** Overrides AWS_ENDPOINT_URL_DYNAMODB. */
  readonly dynamodbEndpoint?: string;
  /** Overrides AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_SQS (fauxqs serves both on one port). */
  readonly awsEndpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
}

export function createAwsClients(options: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const localCredentials =
    options.dynamodbEndpoint || options.awsEndpoint ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined;
  const dynamoClient = new DynamoDBClient({
    region,
    ...(options.dynamodbEndpoint ? { endpoint: options.dynamodbEndpoint } : {}),
    ...(localCredentials ? { credentials: localCredentials } : {}),
  });
  const dynamo = DynamoDBDocumentClient.from(dynamoClient, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const s3 = new S3Client({
    region,
    forcePathStyle: options.forcePathStyle ?? env.S3_FORCE_PATH_STYLE === 'true',
    ...(options.awsEndpoint ? { endpoint: options.awsEndpoint } : {}),
    ...(localCredentials ? { credentials: localCredentials } : {}),
  });
  const sqs = new SQSClient({
    region,
    ...(options.awsEndpoint ? { endpoint: options.awsEndpoint } : {}),
    ...(localCredentials ? { credentials: localCredentials } : {}),
  });
  return { dynamo, s3, sqs };
}
