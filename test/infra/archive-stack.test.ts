// The project's own stack, synthesized exactly as `npm run synth` does (infra/stack.ts with the
// context of cdk.json, its feature flags included) from the REAL handler entries, once for the whole file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ArchiveStack } from '../../infra/stack.ts';
import { FUNCTION_BUNDLE } from '../../infra/constructs/bundle-options.ts';
import { TENCENT_SECRET_KEYS, TENCENT_WEBHOOK_SECRET_KEYS } from '../../shared/tencent/config-keys.ts';
import { INGEST_MAX_RECEIVE_COUNT } from '../../shared/archive/table-design.ts';
import { ARCHIVE_INDEXES, TTL_ATTRIBUTE } from '../../shared/archive/table-design.ts';
import { DEFAULT_COPY_CONNECTIONS, DEFAULT_COPY_PART_SIZE_BYTES, ENV } from '../../shared/config/environment.ts';
import { DEFAULT_INGEST_MEMORY_MB } from '../../infra/constructs/ingest-pipeline.ts';
import { acknowledgements, allActions, logicalIdOf, resources, roleStatements } from './support.ts';

let app: App;
let stack: ArchiveStack;
let template: Template;
let assemblyDir: string;

beforeAll(() => {
  const { context } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  app = new App({ context });
  stack = new ArchiveStack(app, 'TencentMeetingArchive');
  template = Template.fromStack(stack);
  assemblyDir = app.synth().directory;
}, 120_000);

const fnIds = { webhook: 'WebhookFunction', ingest: 'IngestFunction', query: 'QueryFunction', reconcile: 'ReconcileFunction' } as const;
const fnProps = (name: keyof typeof fnIds) => resources(template)[logicalIdOf(template, 'AWS::Lambda::Function', fnIds[name])]!.Properties!;
const ref = (type: string, fragment: string) => ({ Ref: logicalIdOf(template, type, fragment) });
const arn = (type: string, fragment: string) => ({ 'Fn::GetAtt': [logicalIdOf(template, type, fragment), 'Arn'] });
const tableArn = () => arn('AWS::DynamoDB::GlobalTable', 'Table');
// In name order: a resource list has no meaning in order, and the recommended feature flags sort it.
const indexArns = () =>
  Object.values(ARCHIVE_INDEXES)
    .map((index) => index.indexName)
    .sort()
    .map((indexName) => ({ 'Fn::Join': ['', [tableArn(), `/index/${indexName}`]] }));
const recordingsArn = () => ({ 'Fn::Join': ['', [arn('AWS::S3::Bucket', 'Recordings'), '/recordings/*']] });
const queueArn = () => arn('AWS::SQS::Queue', 'IngestQueue');
const deadLetterQueueArn = () => arn('AWS::SQS::Queue', 'IngestDeadLetterQueue');
const secretRef = () => ref('AWS::SecretsManager::Secret', 'TencentCredentialsSecret');
const webhookSecretRef = () => ref('AWS::SecretsManager::Secret', 'TencentCredentialsWebhookSecret');
const defaultBusArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']] };

describe('functions', () => {
  const expected = {
    webhook: { memory: 512, timeout: 10 },
    ingest: { memory: DEFAULT_INGEST_MEMORY_MB, timeout: 900 },
    query: { memory: 1024, timeout: 20 },
    reconcile: { memory: 512, timeout: 900 },
  } as const;

  test('one function per handler: webhook, ingest, query, reconcile', () => {
    template.resourceCountIs('AWS::Lambda::Function', 4);
  });

  test.each(Object.keys(expected) as (keyof typeof expected)[])('%s: Node 22 on arm64, ESM bundle, sized for its job', (name) => {
    const props = fnProps(name);
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Handler).toBe('index.handler');
    expect(props.MemorySize).toBe(expected[name].memory);
    expect(props.Timeout).toBe(expected[name].timeout);
    expect(props.LoggingConfig).toEqual({ LogGroup: ref('AWS::Logs::LogGroup', `${fnIds[name]}LogGroup`) });
  });

  test.each(Object.keys(fnIds) as (keyof typeof fnIds)[])('%s: environment (resources, Powertools, settings)', (name) => {
    const env = (fnProps(name).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      [ENV.tableName]: ref('AWS::DynamoDB::GlobalTable', 'Table'),
      [ENV.bucketName]: ref('AWS::S3::Bucket', 'Recordings'),
      [ENV.ingestQueueUrl]: ref('AWS::SQS::Queue', 'IngestQueue'),
      TENCENT_MEETING_API_BASE: 'https://api.meeting.qq.com',
      DELETION_POLICY: 'retain',
      // Uploaded recordings are archived too, unless the deployment says otherwise (open point #12).
      TENCENT_MEETING_QUERY_RECORD_TYPE: '0',
      PRESIGN_TTL_SECONDS: '600',
      POWERTOOLS_SERVICE_NAME: 'tencent-meeting-archive',
      POWERTOOLS_METRICS_NAMESPACE: 'tencent-meeting-archive',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
    // Only the functions allowed to read a secret are told where it is: the API secret for those
    // that call Tencent, the webhook secret for the webhook.
    if (name === 'query' || name === 'webhook') expect(env).not.toHaveProperty('TENCENT_MEETING_SECRET_ARN');
    else expect(env.TENCENT_MEETING_SECRET_ARN).toEqual(secretRef());
    if (name === 'webhook') expect(env.TENCENT_MEETING_WEBHOOK_SECRET_ARN).toEqual(webhookSecretRef());
    else expect(env).not.toHaveProperty('TENCENT_MEETING_WEBHOOK_SECRET_ARN');
    // Only the ingest function moves unretryable messages to the DLQ itself.
    if (name === 'ingest') expect(env[ENV.ingestDeadLetterQueueUrl]).toEqual(ref('AWS::SQS::Queue', 'IngestDeadLetterQueue'));
    else expect(env).not.toHaveProperty(ENV.ingestDeadLetterQueueUrl);
    // The copy's part size and connections chosen with the ingest memory (bench:copy's cost table).
    if (name === 'ingest') expect(env).toMatchObject({ [ENV.copyPartSizeBytes]: String(DEFAULT_COPY_PART_SIZE_BYTES), [ENV.copyConnections]: String(DEFAULT_COPY_CONNECTIONS) });
    else expect(env).not.toHaveProperty(ENV.copyConnections);
  });

  test('log groups keep logs for three months', () => {
    const groups = Object.values(resources(template)).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4 + 1); // + API access logs
    for (const group of groups) expect(group.Properties!.RetentionInDays).toBe(90);
  });

  test('bundles are minified ESM with the createRequire banner and a source map without sourcesContent, AWS SDK inside', () => {
    const assetDirs = readdirSync(assemblyDir).filter((d) => d.startsWith('asset.'));
    expect(assetDirs).toHaveLength(4);
    for (const dir of assetDirs) {
      const files = readdirSync(join(assemblyDir, dir)).sort();
      // Legal comments (licence notes, coverage hints) sit beside the bundle, not in the parsed code.
      // The query function's package also carries the console (built there, never committed).
      const consoleDir = files.includes('console') ? ['console'] : [];
      expect(files).toEqual([...consoleDir, FUNCTION_BUNDLE.outFileName, `${FUNCTION_BUNDLE.outFileName}.LEGAL.txt`, `${FUNCTION_BUNDLE.outFileName}.map`]);
      const code = readFileSync(join(assemblyDir, dir, FUNCTION_BUNDLE.outFileName), 'utf8');
      expect(code.startsWith(FUNCTION_BUNDLE.banner)).toBe(true);
      // Bundled, not resolved from the runtime: no bare import of @aws-sdk/* is left.
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
      // The only packages left out are the credential providers behind dynamic import()s.
      const dynamicImports = [...code.matchAll(/import\("(@[^"]+)"\)/g)].map((m) => m[1]);
      for (const name of dynamicImports) expect(FUNCTION_BUNDLE.external).toContain(name);
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      // The map names the TypeScript files and lines, without a copy of each file (cold start).
      const map = JSON.parse(readFileSync(join(assemblyDir, dir, `${FUNCTION_BUNDLE.outFileName}.map`), 'utf8')) as Record<string, unknown>;
      expect(map).not.toHaveProperty('sourcesContent');
      expect(map.sources).toEqual(expect.arrayContaining([expect.stringMatching(/functions\/\w+\/handler\.ts$/)]));
      expect(map.mappings).toEqual(expect.any(String));
    }
  });

  test('execution roles carry no managed policies (only their own inline statements)', () => {
    for (const r of Object.values(resources(template))) {
      if (r.Type === 'AWS::IAM::Role') expect(r.Properties!.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('least-privilege IAM per function', () => {
  const logs = (name: keyof typeof fnIds) => ({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [arn('AWS::Logs::LogGroup', `${fnIds[name]}LogGroup`)] });
  const secretRead = () => ({ actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], resources: [secretRef()] });
  const send = () => ({ sid: 'SendIngestMessages', actions: ['sqs:SendMessage'], resources: [queueArn()] });
  const leadingKeys = (...patterns: string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns } });
  const indexQueries = (sid: string) => ({ sid, actions: ['dynamodb:Query'], resources: indexArns() });
  const publishEvents = () => ({ sid: 'PublishArchiveEvents', actions: ['events:PutEvents'], resources: [defaultBusArn] });

  test('webhook: only its own items (dedupe markers, STS token), send to the queue, read the webhook secret only', () => {
    expect(roleStatements(template, fnIds.webhook)).toEqual([
      logs('webhook'),
      {
        sid: 'WebhookItems',
        actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [tableArn()],
        conditions: leadingKeys('EVENT#*', 'TENCENT#STS_TOKEN', 'WEBHOOK#PARKED'),
      },
      send(),
      { actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], resources: [webhookSecretRef()] },
    ]);
    // The API credentials (SecretId/SecretKey) are neither readable nor named in its environment.
    const env = (fnProps('webhook').Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.TENCENT_MEETING_SECRET_ARN).toBeUndefined();
    expect(env.TENCENT_MEETING_WEBHOOK_SECRET_ARN).toEqual(webhookSecretRef());
  });

  test('ingest: its own items by leading key, GSI queries (no Scan), objects under recordings/ only (all versions), queue, API secret', () => {
    const statements = roleStatements(template, fnIds.ingest);
    const items = ['REC#*', 'FILE#*', 'PROVISIONAL#*', 'COUNT#*', 'COPY#*#*', 'LEASE#*'];
    // Archive events: recorded in the same writes as the changes (OUTBOX#PENDING), and once per SQS message (OUTBOX#ONCE#*).
    const outbox = ['OUTBOX#PENDING', 'OUTBOX#ONCE#*'];
    expect(statements).toEqual([
      logs('ingest'),
      {
        actions: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
        resources: [queueArn()],
      },
      send(),
      { sid: 'DeadLetterUnretryable', actions: ['sqs:SendMessage'], resources: [deadLetterQueueArn()] },
      { sid: 'IndexItemsRead', actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'], resources: [tableArn()], conditions: leadingKeys(...items, 'TENCENT#STS_TOKEN') },
      {
        sid: 'IndexItemsWrite',
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [tableArn()],
        conditions: leadingKeys(...items, ...outbox),
      },
      // The webhook's dedupe markers: confirmed on receipt of an event's last message, never put or deleted.
      { sid: 'ConfirmEventMarkers', actions: ['dynamodb:UpdateItem'], resources: [tableArn()], conditions: leadingKeys('EVENT#*') },
      indexQueries('IndexQueries'),
      {
        sid: 'CopyRecordings',
        actions: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
        resources: [recordingsArn()],
      },
      { sid: 'TellMissingObjects', actions: ['s3:ListBucket'], resources: [arn('AWS::S3::Bucket', 'Recordings')] },
      {
        sid: 'ListRecordingVersions',
        actions: ['s3:ListBucketVersions'],
        resources: [arn('AWS::S3::Bucket', 'Recordings')],
        conditions: { StringLike: { 's3:prefix': ['recordings/*'] } },
      },
      secretRead(),
      publishEvents(),
    ]);
    expect(allActions(statements)).not.toContain('dynamodb:Scan');
  });

  test('query: GetItem/Query on meeting and counter items, index queries, GetObject under recordings/ for presigning, PutItem on meeting items (legal hold); no secret', () => {
    expect(roleStatements(template, fnIds.query)).toEqual([
      logs('query'),
      { sid: 'ArchiveIndexRead', actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [tableArn()], conditions: leadingKeys('REC#*', 'FILE#*', 'COUNT#*') },
      indexQueries('ArchiveIndexQueries'),
      { sid: 'PresignRecordingDownloads', actions: ['s3:GetObject'], resources: [recordingsArn()] },
      // A legal hold is written on the meeting item; without Object Lock nothing is asked of S3.
      { sid: 'LegalHoldItems', actions: ['dynamodb:PutItem'], resources: [tableArn()], conditions: leadingKeys('REC#*') },
    ]);
  });

  test('reconcile: reads meetings and its own items, writes only cursors, budgets and enqueue markers, send to the queue, API secret', () => {
    expect(roleStatements(template, fnIds.reconcile)).toEqual([
      logs('reconcile'),
      {
        sid: 'ReconcileItemsRead',
        actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'],
        resources: [tableArn()],
        conditions: leadingKeys('REC#*', 'RECONCILE#*', 'BUDGET#*', 'ENQUEUED#*', 'OUTBOX#PENDING'),
      },
      {
        sid: 'ReconcileItemsWrite',
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [tableArn()],
        conditions: leadingKeys('RECONCILE#*', 'BUDGET#*', 'ENQUEUED#*'),
      },
      indexQueries('ReconcileIndexQueries'),
      // The sweep publishes archive events left pending, then deletes them: nothing else.
      { sid: 'ClearPublishedEvents', actions: ['dynamodb:DeleteItem'], resources: [tableArn()], conditions: leadingKeys('OUTBOX#PENDING') },
      publishEvents(),
      send(),
      secretRead(),
    ]);
  });

  test('archive events: PutEvents on the default bus only, for the functions that publish; they are told the bus, the others neither', () => {
    const env = (name: keyof typeof fnIds) => (fnProps(name).Environment as { Variables: Record<string, unknown> }).Variables;
    for (const name of ['ingest', 'reconcile'] as const) expect(env(name)[ENV.archiveEventBusName]).toEqual(defaultBusArn);
    for (const name of ['webhook', 'query'] as const) {
      expect(env(name)[ENV.archiveEventBusName]).toBeUndefined();
      expect(allActions(roleStatements(template, fnIds[name])).filter((a) => a.startsWith('events:'))).toEqual([]);
    }
    // The stack tells where rules go.
    template.hasOutput('ArchiveEventBusArn', { Value: defaultBusArn });
  });

  test('every item action on the table is bounded by leading keys; every object action by the recordings/ prefix', () => {
    for (const name of Object.keys(fnIds) as (keyof typeof fnIds)[]) {
      for (const statement of roleStatements(template, fnIds[name])) {
        const onTable = statement.resources.some((r) => JSON.stringify(r) === JSON.stringify(tableArn()));
        if (onTable) expect(statement.conditions).toEqual(expect.objectContaining({ 'ForAllValues:StringLike': expect.anything() }));
        if (statement.actions.some((a) => a.startsWith('s3:') && a.includes('Object'))) expect(statement.resources).toEqual([recordingsArn()]);
      }
    }
  });

  test('no function may touch S3 buckets or tables other than the archive ones, nor use wildcards', () => {
    for (const name of Object.keys(fnIds) as (keyof typeof fnIds)[]) {
      for (const statement of roleStatements(template, fnIds[name])) {
        expect(statement.actions.some((a) => a.includes('*'))).toBe(false);
        expect(statement.resources).not.toContain('*');
      }
    }
  });
});

describe('the archive console', () => {
  test("the query function's package carries the console's script and style, bundled for browsers", () => {
    const packages = readdirSync(assemblyDir)
      .filter((d) => d.startsWith('asset.'))
      .filter((d) => readdirSync(join(assemblyDir, d)).includes('console'));
    expect(packages).toHaveLength(1);
    const code = (fnProps('query').Code as { S3Key: string }).S3Key;
    expect(code).toContain(packages[0]!.slice('asset.'.length));
    const dir = join(assemblyDir, packages[0]!, 'console');
    expect(readdirSync(dir).sort()).toEqual(['console.css', 'console.js']);
    const script = readFileSync(join(dir, 'console.js'), 'utf8');
    // A browser bundle: no Node built-ins, no eval (the CSP forbids it), the sign-in code inside.
    expect(script).not.toMatch(/\bfrom\s*["']node:|\beval\(|new Function\(/);
    expect(script).toContain('code_challenge_method');
  });

  test('the shell and its assets are public routes on the query function; IAM-only stacks say the console needs JWT mode', () => {
    for (const key of ['GET /', 'GET /console/{proxy+}']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key, AuthorizationType: 'NONE', Target: Match.objectLike({ 'Fn::Join': Match.anyValue() }) });
    }
    const outputs = template.findOutputs('ConsoleUrl');
    expect(Object.values(outputs)[0]!.Description).toContain('needs JWT mode');
    const env = (fnProps('query').Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env).filter((name) => name.startsWith('CONSOLE_OIDC_'))).toEqual([]);
  });

  test("the served shell's CSP allows only this origin's script and the bucket's presigned links as media", async () => {
    const { createConsoleSite, consoleAuthOf } = await import('../../shared/console/site.ts');
    const site = createConsoleSite({ assets: { script: '', style: '' }, auth: consoleAuthOf({}), mediaOrigin: async () => 'https://archive-bucket.s3.eu-west-1.amazonaws.com' });
    const shell = await site('/');
    expect(shell!.headers!['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src https://archive-bucket.s3.eu-west-1.amazonaws.com; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });
});

describe('HTTP API', () => {
  test('webhook routes without gateway auth; archive routes (and the legal-hold writes) with IAM auth', () => {
    const routes = Object.values(resources(template))
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => [r.Properties!.RouteKey, r.Properties!.AuthorizationType])
      .sort();
    expect(routes).toEqual([
      // Other methods on the webhook reach the function, which answers 405 with Allow, as the README says.
      ['ANY /webhooks/tencent-meeting', 'NONE'],
      ['DELETE /v1/records/{meeting_record_id}/legal-hold', 'AWS_IAM'],
      // The console's shell and assets (no data; the page reads /v1 with the user's token).
      ['GET /', 'NONE'],
      ['GET /console/{proxy+}', 'NONE'],
      ['GET /openapi.json', 'AWS_IAM'],
      ['GET /v1/{proxy+}', 'AWS_IAM'],
      ['GET /webhooks/tencent-meeting', 'NONE'],
      ['POST /webhooks/tencent-meeting', 'NONE'],
      ['PUT /v1/records/{meeting_record_id}/legal-hold', 'AWS_IAM'],
    ]);
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });

  test('routes integrate the webhook and query functions with payload format 2.0', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 2);
    for (const fn of [fnIds.webhook, fnIds.query]) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: arn('AWS::Lambda::Function', fn),
      });
    }
  });

  test('$default stage: auto deploy, throttling, detailed metrics, JSON access logs without query strings', () => {
    const stage = Object.values(resources(template)).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!.Properties!;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, DetailedMetricsEnabled: true },
      AccessLogSettings: { DestinationArn: arn('AWS::Logs::LogGroup', 'AccessLogs') },
    });
    const format = JSON.parse((stage.AccessLogSettings as { Format: string }).Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(format.status).toBe('$context.status');
    expect(Object.values(format).join(' ')).not.toMatch(/querystring|header/i);
  });
});

describe('ingest queue', () => {
  test('queue: SSE, visibility 6× the ingest timeout, redrive to the DLQ after INGEST_MAX_RECEIVE_COUNT', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 900,
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: { deadLetterTargetArn: arn('AWS::SQS::Queue', 'DeadLetterQueue'), maxReceiveCount: INGEST_MAX_RECEIVE_COUNT },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600, RedrivePolicy: Match.absent() });
  });

  test('both queues deny requests without TLS', () => {
    for (const queue of ['IngestQueue', 'DeadLetterQueue']) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref('AWS::SQS::Queue', queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  test('event source: small batches, partial batch responses, bounded concurrency', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: queueArn(),
      FunctionName: ref('AWS::Lambda::Function', fnIds.ingest),
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });
});

describe('storage', () => {
  test('table: from table-design.ts, on demand, PITR, TTL, deletion protection, retained', () => {
    const tableId = logicalIdOf(template, 'AWS::DynamoDB::GlobalTable', 'Table');
    const table = resources(template)[tableId]!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      Replicas: [expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
    });
    const indexes = (table.Properties!.GlobalSecondaryIndexes as { IndexName: string; KeySchema: { AttributeName: string }[]; Projection: unknown }[])
      .map((i) => [i.IndexName, i.KeySchema.map((k) => k.AttributeName), i.Projection])
      .sort();
    expect(indexes).toEqual(
      Object.values(ARCHIVE_INDEXES)
        .map((i) => [i.indexName, [i.partitionKey, i.sortKey], { ProjectionType: 'ALL' }])
        .sort(),
    );
  });

  test('recordings bucket: private, encrypted, versioned, lifecycle, access-logged, retained', () => {
    const bucketId = logicalIdOf(template, 'AWS::S3::Bucket', 'Recordings');
    const bucket = resources(template)[bucketId]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: ref('AWS::S3::Bucket', 'AccessLogs'), LogFilePrefix: 'recordings-bucket/' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    const rules = (bucket.Properties!.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Id: 'abort-incomplete-multipart-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' }));
    expect(rules).toContainEqual(expect.objectContaining({ Id: 'expire-noncurrent-versions', NoncurrentVersionExpiration: { NoncurrentDays: 90 } }));
    // Cold storage is opt-in (see construct-options.test.ts).
    expect(rules.some((r) => r.Transitions)).toBe(false);
  });

  test('both buckets deny non-TLS access; the log bucket accepts S3 log delivery by bucket policy', () => {
    for (const bucket of ['Recordings', 'AccessLogs']) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref('AWS::S3::Bucket', bucket),
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref('AWS::S3::Bucket', 'AccessLogs'),
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' })]),
      },
    });
    const logBucket = resources(template)[logicalIdOf(template, 'AWS::S3::Bucket', 'AccessLogs')]!;
    expect(logBucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    expect(logBucket.Properties!.AccessControl).toBeUndefined();
  });
});

describe('Tencent credentials secrets', () => {
  const generated = (fragment: string) => {
    const secret = resources(template)[logicalIdOf(template, 'AWS::SecretsManager::Secret', fragment)]!.Properties!;
    expect(secret.SecretString).toBeUndefined();
    return secret.GenerateSecretString as { SecretStringTemplate: string; GenerateStringKey: string; PasswordLength: number };
  };

  test('two secrets: the API credentials, and the webhook token + AES key; values generated at deploy time, not in the template', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    const webhook = generated('TencentCredentialsWebhookSecret');
    expect([...Object.keys(JSON.parse(webhook.SecretStringTemplate) as object), webhook.GenerateStringKey].sort()).toEqual([...TENCENT_WEBHOOK_SECRET_KEYS].sort());
    expect(webhook).toMatchObject({ GenerateStringKey: 'TENCENT_MEETING_WEBHOOK_TOKEN', PasswordLength: 32 });
  });

  test("the API secret's generation template is the one from before the split, so upgrading never regenerates (wipes) the credentials", () => {
    const api = generated('TencentCredentialsSecret');
    expect([...Object.keys(JSON.parse(api.SecretStringTemplate) as object), api.GenerateStringKey].sort()).toEqual([...TENCENT_SECRET_KEYS].sort());
    expect(api).toEqual({
      SecretStringTemplate: JSON.stringify({
        TENCENT_MEETING_APP_ID: '',
        TENCENT_MEETING_SDK_ID: '',
        TENCENT_MEETING_SECRET_ID: '',
        TENCENT_MEETING_SECRET_KEY: '',
        TENCENT_MEETING_OPERATOR_ID: '',
        TENCENT_MEETING_OPERATOR_ID_TYPE: '1',
        TENCENT_MEETING_ENCODING_AES_KEY: '',
      }),
      GenerateStringKey: 'TENCENT_MEETING_WEBHOOK_TOKEN',
      ExcludePunctuation: true,
      PasswordLength: 32,
    });
  });
});

describe('reconcile schedule', () => {
  test('EventBridge Scheduler invokes the reconcile function hourly with bounded retries', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Target: {
        Arn: arn('AWS::Lambda::Function', fnIds.reconcile),
        RoleArn: arn('AWS::IAM::Role', 'ReconcileSchedulerRole'),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      },
    });
  });
});

describe('monitoring', () => {
  const alarmsOn = (metricName: string) =>
    Object.values(resources(template)).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties!.MetricName === metricName);

  test('DLQ depth and oldest-message age alarms', () => {
    expect(alarmsOn('ApproximateNumberOfMessagesVisible')).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::SQS::Queue', 'DeadLetterQueue'), 'QueueName'] } }], Threshold: 1 }) }),
    ]);
    expect(alarmsOn('ApproximateAgeOfOldestMessage')).toEqual([
      expect.objectContaining({ Properties: expect.objectContaining({ Threshold: 3600 }) }),
    ]);
  });

  test('errors and throttles alarm for every function', () => {
    expect(alarmsOn('Errors')).toHaveLength(4);
    expect(alarmsOn('Throttles')).toHaveLength(4);
  });

  test('webhook 4xx/5xx alarms on the POST route metrics', () => {
    for (const metric of ['4xx', '5xx']) {
      const [alarm] = alarmsOn(metric);
      expect(alarm?.Properties).toMatchObject({
        Namespace: 'AWS/ApiGateway',
        Statistic: 'Sum',
        Dimensions: expect.arrayContaining([
          { Name: 'Method', Value: 'POST' },
          { Name: 'Resource', Value: '/webhooks/tencent-meeting' },
          { Name: 'Stage', Value: '$default' },
        ]),
      });
    }
  });

  test('a parked webhook event and a stale signed timestamp each alarm, on the webhook function\'s own metrics', () => {
    for (const metric of ['WebhookEventParked', 'WebhookStaleTimestamp']) {
      expect(alarmsOn(metric)).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            Namespace: 'tencent-meeting-archive',
            Dimensions: [{ Name: 'service', Value: 'webhook' }],
            Statistic: 'Sum',
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          }),
        }),
      ]);
    }
    expect(alarmsOn('WebhookEventParked')[0]!.Properties!.AlarmDescription).toMatch(/npm run parked/);
  });

  test('every alarm notifies the KMS-encrypted, TLS-only SNS topic; no e-mail subscription by default', () => {
    const topic = ref('AWS::SNS::Topic', 'AlarmTopic');
    for (const alarm of Object.values(resources(template)).filter((r) => r.Type === 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [topic], OKActions: [topic], TreatMissingData: 'notBreaching' });
    }
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arn('AWS::KMS::Key', 'TopicKey') });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

test('outputs: webhook URL, API URL, bucket, table, secret', () => {
  const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
  expect(Object.keys(outputs).sort()).toEqual(
    ['AlarmTopicArn', 'ArchiveApiUrl', 'ArchiveEventBusArn', 'BucketName', 'ConsoleUrl', 'DashboardUrl', 'IngestDeadLetterQueueUrl', 'IngestQueueUrl', 'SecretArn', 'TableName', 'WebhookSecretArn', 'WebhookUrl'].sort(),
  );
  expect(JSON.stringify(outputs.WebhookUrl!.Value)).toContain('/webhooks/tencent-meeting');
  expect(JSON.stringify(outputs.ArchiveApiUrl!.Value)).toContain('/v1/');
  expect(outputs.BucketName!.Value).toEqual(ref('AWS::S3::Bucket', 'Recordings'));
  expect(outputs.SecretArn!.Value).toEqual(secretRef());
  expect(outputs.WebhookSecretArn!.Value).toEqual(webhookSecretRef());
});

describe('cdk-nag AwsSolutions', () => {
  test('no unacknowledged findings', () => {
    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app);
    const findings = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });

  test('every acknowledgement is specific and carries its reason', () => {
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id).toMatch(/^AwsSolutions-/);
      expect(ack.reason.length).toBeGreaterThan(40);
    }
    // IAM wildcards are acknowledged finding by finding, never for a whole rule.
    expect(acks.filter((a) => a.id === 'AwsSolutions-IAM5')).toEqual([]);
    expect(acks.map((a) => a.id.replace(/\[.*\]$/, '')).sort()).toEqual(
      expect.arrayContaining(['AwsSolutions-APIG4', 'AwsSolutions-L1', 'AwsSolutions-S1', 'AwsSolutions-SMG4']),
    );
  });
});
