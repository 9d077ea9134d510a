// Where each client sends its requests: `npm start` serves S3 and SQS from two fauxqs processes and
// hands its functions the SDK's per-service endpoint variables.
import { createAwsClients, endpointsFromEnvironment } from '../../../shared/aws/clients.ts';

async function endpointOf(client: { config: { endpoint?: () => Promise<{ hostname?: string; port?: number }> } }): Promise<string> {
  const endpoint = await client.config.endpoint!();
  return `${endpoint.hostname}:${endpoint.port}`;
}

describe('AWS client endpoints', () => {
  it('sends S3, SQS and DynamoDB requests to the endpoints a function environment names', async () => {
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_SQS: ' http://127.0.0.1:4567 ',
      ARCHIVE_TABLE_NAME: 'ignored',
    };
    expect(endpointsFromEnvironment(env)).toEqual({ dynamodbEndpoint: 'http://127.0.0.1:8000', s3Endpoint: 'http://127.0.0.1:4566', sqsEndpoint: 'http://127.0.0.1:4567' });
    const clients = createAwsClients({ ...endpointsFromEnvironment(env), forcePathStyle: true, region: 'us-east-1' }, {});
    expect(await endpointOf(clients.s3)).toBe('127.0.0.1:4566');
    expect(await endpointOf(clients.sqs)).toBe('127.0.0.1:4567');
    expect(await endpointOf(clients.dynamo)).toBe('127.0.0.1:8000');
  });

  it('lets one endpoint serve S3 and SQS (one fauxqs, as in the tests), a service’s own winning', async () => {
    const shared = createAwsClients({ awsEndpoint: 'http://127.0.0.1:5000', region: 'us-east-1' }, {});
    expect([await endpointOf(shared.s3), await endpointOf(shared.sqs)]).toEqual(['127.0.0.1:5000', '127.0.0.1:5000']);
    const split = createAwsClients({ awsEndpoint: 'http://127.0.0.1:5000', sqsEndpoint: 'http://127.0.0.1:5001', region: 'us-east-1' }, {});
    expect([await endpointOf(split.s3), await endpointOf(split.sqs)]).toEqual(['127.0.0.1:5000', '127.0.0.1:5001']);
  });

  it('leaves every endpoint to the SDK (the region’s) when the environment names none, as in AWS', () => {
    expect(endpointsFromEnvironment({ AWS_ENDPOINT_URL_S3: '  ' })).toEqual({});
  });
});
