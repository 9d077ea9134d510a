// One code path for AWS and the local emulators: only endpoints differ. The SDK reads
// AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SQS by itself; path-style
// addressing is needed only by the local S3 emulator, so it is opt-in.
//
// One factory per service, so a Lambda bundle contains only the clients its function uses
// (the SDK packages are side-effect free, so esbuild drops the others).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ENV } from '../config/environment.ts';

export interface AwsClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

export interface AwsClientOptions {
  /** Overrides AWS_ENDPOINT_URL_DYNAMODB. */
  readonly dynamodbEndpoint?: string;
  /** Overrides AWS_ENDPOINT_URL_S3. */
  readonly s3Endpoint?: string;
  /** Overrides AWS_ENDPOINT_URL_SQS. */
  readonly sqsEndpoint?: string;
  /** S3 and SQS both, where one fauxqs serves the two (the tests); s3Endpoint / sqsEndpoint win over it. */
  readonly awsEndpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
}

/**
 * A function's endpoints from its environment (the SDK's own per-service variables, ENV.*Endpoint), as explicit client options: the local stack hands
 * its functions an environment (not its own process.env), and emulator endpoints need the dummy
 * credentials an explicit endpoint brings.
 */
export function endpointsFromEnvironment(env: Readonly<Record<string, string | undefined>>): Pick<AwsClientOptions, 'dynamodbEndpoint' | 's3Endpoint' | 'sqsEndpoint'> {
  const read = (name: string) => env[name]?.trim() || undefined;
  const dynamodbEndpoint = read(ENV.dynamodbEndpoint);
  const s3Endpoint = read(ENV.s3Endpoint);
  const sqsEndpoint = read(ENV.sqsEndpoint);
  return { ...(dynamodbEndpoint ? { dynamodbEndpoint } : {}), ...(s3Endpoint ? { s3Endpoint } : {}), ...(sqsEndpoint ? { sqsEndpoint } : {}) };
}

function common(endpoint: string | undefined, options: AwsClientOptions, env: NodeJS.ProcessEnv) {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // Explicit emulator endpoints come with dummy credentials: emulators accept any, and a laptop
  // without an AWS profile must still work.
  return {
    region,
    ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  };
}

export function createDynamoClient(options: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(common(options.dynamodbEndpoint, options, env)), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function createS3Client(options: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({
    ...common(options.s3Endpoint ?? options.awsEndpoint, options, env),
    forcePathStyle: options.forcePathStyle ?? env.S3_FORCE_PATH_STYLE === 'true',
  });
}

export function createSqsClient(options: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): SQSClient {
  // Requests go to the client's endpoint (the region's, or AWS_ENDPOINT_URL_SQS), never to the queue
  // URL's host: in AWS they are the same, and fauxqs's queue URLs (http://sqs.us-east-1.127.0.0.1:…)
  // are no URL to Node's parser, which made the SDK print a TypeError stack on every send.
  return new SQSClient({ ...common(options.sqsEndpoint ?? options.awsEndpoint, options, env), useQueueUrlAsEndpoint: false });
}

/** Archive events (shared/events/eventbridge-publisher.ts); AWS_ENDPOINT_URL_EVENTBRIDGE moves it, as for the others. */
export function createEventBridgeClient(options: Pick<AwsClientOptions, 'region'> = {}, env: NodeJS.ProcessEnv = process.env): EventBridgeClient {
  return new EventBridgeClient(common(undefined, options, env));
}

export function createAwsClients(options: AwsClientOptions = {}, env: NodeJS.ProcessEnv = process.env): AwsClients {
  return { dynamo: createDynamoClient(options, env), s3: createS3Client(options, env), sqs: createSqsClient(options, env) };
}
