// The reusable construct's options, on stand-in handlers (test/infra/fixtures/handler.ts) so these
// tests do not depend on the real handlers; the real stack is covered by archive-stack.test.ts.
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TencentMeetingArchive, type TencentMeetingArchiveProps } from '../../infra/constructs/tencent-meeting-archive.ts';
import { ArchiveStack, archivePropsFromContext } from '../../infra/stack.ts';
import { logicalIdOf, resources, roleStatements } from './support.ts';

const fixture = join(__dirname, 'fixtures/handler.ts');
const entries = { webhook: fixture, ingest: fixture, query: fixture, reconcile: fixture };
// Bundling is covered by archive-stack.test.ts; skipping it here keeps these synths fast.
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const newApp = (context: Record<string, unknown> = {}) => new App({ context: { ...NO_BUNDLING, ...context } });

function synth(props: TencentMeetingArchiveProps): { app: App; stack: Stack; template: Template; archive: TencentMeetingArchive } {
  const app = newApp();
  const stack = new Stack(app, 'Customer');
  const archive = new TencentMeetingArchive(stack, 'Archive', { entries, ...props });
  return { app, stack, template: Template.fromStack(stack), archive };
}

describe('a customer configuration with every option changed', () => {
  let template: Template;
  let app: App;
  beforeAll(() => {
    ({ template, app } = synth({
      jwt: { issuer: 'https://idp.example.com/', audience: ['archive-api'], adminScope: 'recordings/all', userIdClaim: 'custom:tencent_userid' },
      storage: { coldStorage: { transitionAfter: Duration.days(30) }, abortIncompleteUploadsAfter: Duration.days(3) },
      alarmEmail: 'ops@example.com',
      deletionPolicy: 'mirror',
      queryRecordType: 1,
      presignTtlSeconds: 120,
      tencentApiBase: 'https://tencent.example.com',
      logLevel: 'DEBUG',
      functions: { ingest: { memorySize: 3008, timeout: Duration.minutes(10) } },
      ingest: { batchSize: 3, maxConcurrency: 4, maxReceiveCount: 8 },
      throttle: { rateLimit: 5, burstLimit: 10 },
      reconcile: { schedule: scheduler.ScheduleExpression.expression('rate(6 hours)') },
      webhook: { replayWindowSeconds: 900, parkedRetentionDays: 90 },
      eventBus: 'arn:aws:events:eu-west-1:111122223333:event-bus/central-archive',
    }));
  }, 60_000);

  test('archive routes use the JWT authorizer and need the read or the admin scope; the webhook stays unauthenticated', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://idp.example.com/', Audience: ['archive-api'] },
    });
    for (const key of ['GET /v1/{proxy+}', 'GET /openapi.json']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key, AuthorizationType: 'JWT', AuthorizationScopes: ['archive/read', 'recordings/all'] });
    }
    // A legal hold changes what the archive may delete: the admin scope only.
    for (const key of ['PUT /v1/records/{meeting_record_id}/legal-hold', 'DELETE /v1/records/{meeting_record_id}/legal-hold']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key, AuthorizationType: 'JWT', AuthorizationScopes: ['recordings/all'] });
    }
    for (const key of ['GET /webhooks/tencent-meeting', 'POST /webhooks/tencent-meeting', 'ANY /webhooks/tencent-meeting']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key, AuthorizationType: 'NONE' });
    }
  });

  test('the query function is told it runs in JWT mode, with the scopes and the userid claim the routes use', () => {
    const fn = Object.entries(resources(template)).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes('QueryFunction'))![1];
    expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      ARCHIVE_API_AUTH: 'jwt',
      ARCHIVE_JWT_READ_SCOPE: 'archive/read',
      ARCHIVE_JWT_ADMIN_SCOPE: 'recordings/all',
      ARCHIVE_USERID_CLAIM: 'custom:tencent_userid',
      // The console signs in at the same issuer, as the API's audience (a public client, no secret).
      CONSOLE_OIDC_ISSUER: 'https://idp.example.com/',
      CONSOLE_OIDC_CLIENT_ID: 'archive-api',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /', AuthorizationType: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /console/{proxy+}', AuthorizationType: 'NONE' });
  });

  test("the console's sign-in client, scopes and endpoints can be named", () => {
    const { template: custom } = synth({
      jwt: {
        issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
        audience: ['api-client'],
        console: { clientId: 'console-client', scopes: ['openid', 'archive/read', 'archive/admin'], authorizationEndpoint: 'https://archive.auth.eu-west-1.amazoncognito.com/oauth2/authorize', tokenEndpoint: 'https://archive.auth.eu-west-1.amazoncognito.com/oauth2/token' },
      },
    });
    const fn = Object.entries(resources(custom)).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes('QueryFunction'))![1];
    expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      CONSOLE_OIDC_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
      CONSOLE_OIDC_CLIENT_ID: 'console-client',
      CONSOLE_OIDC_SCOPES: 'openid archive/read archive/admin',
      CONSOLE_OIDC_AUTHORIZATION_ENDPOINT: 'https://archive.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
      CONSOLE_OIDC_TOKEN_ENDPOINT: 'https://archive.auth.eu-west-1.amazoncognito.com/oauth2/token',
    });
  }, 60_000);

  test('old recordings move to Glacier Instant Retrieval (presigned links keep working)', () => {
    const bucket = resources(template)[logicalIdOf(template, 'AWS::S3::Bucket', 'Recordings')]!;
    const rules = (bucket.Properties!.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Id: 'move-to-cold-storage', Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }] }),
    );
    expect(rules).toContainEqual(expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 } }));
  });

  test('alarm e-mail subscription', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  test('settings reach every function environment', () => {
    const fns = Object.values(resources(template)).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fns).toHaveLength(4);
    for (const fn of fns) {
      expect((fn.Properties!.Environment as { Variables: object }).Variables).toMatchObject({
        DELETION_POLICY: 'mirror',
        TENCENT_MEETING_QUERY_RECORD_TYPE: '1',
        PRESIGN_TTL_SECONDS: '120',
        TENCENT_MEETING_API_BASE: 'https://tencent.example.com',
        LOG_LEVEL: 'DEBUG',
      });
    }
  });

  test("the webhook's replay window and parked retention reach the webhook function", () => {
    const webhook = Object.values(resources(template)).find(
      (r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties!.Description).startsWith('Receives Tencent Meeting webhooks'),
    );
    expect((webhook!.Properties!.Environment as { Variables: object }).Variables).toMatchObject({
      WEBHOOK_REPLAY_WINDOW_SECONDS: '900',
      WEBHOOK_PARKED_RETENTION_DAYS: '90',
    });
  });

  test('ingest sizing drives the queue visibility timeout; batch, concurrency and redrive settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 3008, Timeout: 600 });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 3600, RedrivePolicy: Match.objectLike({ maxReceiveCount: 8 }) });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 3, ScalingConfig: { MaximumConcurrency: 4 } });
  });

  test('archive events go to the given bus: PutEvents on it alone, its ARN in the publishing functions\' environment, the redrive count beside it', () => {
    const bus = 'arn:aws:events:eu-west-1:111122223333:event-bus/central-archive';
    for (const fragment of ['IngestFunction', 'ReconcileFunction']) {
      expect(roleStatements(template, fragment)).toContainEqual({ sid: 'PublishArchiveEvents', actions: ['events:PutEvents'], resources: [bus] });
      const fn = resources(template)[logicalIdOf(template, 'AWS::Lambda::Function', fragment)]!;
      expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables.ARCHIVE_EVENT_BUS_NAME).toBe(bus);
    }
    const ingest = resources(template)[logicalIdOf(template, 'AWS::Lambda::Function', 'IngestFunction')]!;
    expect((ingest.Properties!.Environment as { Variables: Record<string, unknown> }).Variables.INGEST_MAX_RECEIVE_COUNT).toBe('8');
  });

  test('stage throttling and the reconcile schedule', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }) });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(6 hours)' });
  });

  test('still cdk-nag clean', () => {
    expect(new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('reconcile wiring', () => {
  test('disabled: no function, no schedule, no alarms for it', () => {
    const { template } = synth({ reconcile: { enabled: false } });
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(Object.keys(resources(template)).some((id) => id.includes('Reconcile'))).toBe(false);
  });

  test('by default it is wired, whatever is on disk', () => {
    const { template } = synth({});
    template.resourceCountIs('AWS::Lambda::Function', 4);
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
  });

  test.each([{}, { enabled: true }])('a missing entry fails synth with the path (reconcile: %j), never drops the function', (reconcile) => {
    expect(() => synth({ entries: { ...entries, reconcile: 'functions/nope/handler.ts' }, reconcile })).toThrow(/functions\/nope\/handler\.ts/);
  });
});

describe('secret', () => {
  test('existing secrets are used (and granted) instead of creating them: the API secret to ingest, the webhook secret to the webhook', () => {
    const app = newApp();
    const stack = new Stack(app, 'Customer');
    const existing = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Existing', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:tencent-AbCdEf');
    const existingWebhook = secretsmanager.Secret.fromSecretCompleteArn(stack, 'ExistingWebhook', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:tencent-webhook-AbCdEf');
    new TencentMeetingArchive(stack, 'Archive', { entries, existingSecret: existing, existingWebhookSecret: existingWebhook });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const secretStatements = (fn: string) => roleStatements(template, fn).filter((s) => s.actions.includes('secretsmanager:GetSecretValue'));
    expect(secretStatements('WebhookFunction').map((s) => s.resources)).toEqual([[existingWebhook.secretArn]]);
    expect(secretStatements('IngestFunction').map((s) => s.resources)).toEqual([[existing.secretArn]]);
  });

  test('an existing API secret alone: a webhook secret is still created, and the webhook cannot read the API secret', () => {
    const app = newApp();
    const stack = new Stack(app, 'Customer');
    const existing = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Existing', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:tencent-AbCdEf');
    new TencentMeetingArchive(stack, 'Archive', { entries, existingSecret: existing });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const webhookResources = roleStatements(template, 'WebhookFunction').flatMap((s) => s.resources);
    expect(webhookResources).not.toContain(existing.secretArn);
  });
});

describe('retention: Object Lock, source cleanup, expiry', () => {
  const fnEnv = (template: Template, fragment: string) =>
    (Object.entries(resources(template)).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.includes(fragment))![1].Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
  const recordingsArn = (template: Template) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::S3::Bucket', 'Recordings'), 'Arn'] }, '/recordings/*']] });

  let locked: ReturnType<typeof synth>;
  beforeAll(() => {
    locked = synth({ objectLock: { mode: 'COMPLIANCE', days: 400 }, sourceCleanupAfterDays: 30, sourceCleanupDryRun: true, expireAfterDays: 2555 });
  }, 60_000);

  test('objectLock: the recordings bucket is created with Object Lock and a default retention, so every object is locked', () => {
    const bucket = resources(locked.template)[logicalIdOf(locked.template, 'AWS::S3::Bucket', 'Recordings')]!;
    expect(bucket.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    const governance = synth({ objectLock: { mode: 'GOVERNANCE', days: 7 } }).template;
    const governed = resources(governance)[logicalIdOf(governance, 'AWS::S3::Bucket', 'Recordings')]!;
    expect(governed.Properties).toMatchObject({ ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 7 } } } });
    // Without the prop: no Object Lock (it cannot be added to an existing bucket later).
    const plain = synth({}).template;
    expect(resources(plain)[logicalIdOf(plain, 'AWS::S3::Bucket', 'Recordings')]!.Properties!.ObjectLockEnabled).toBeUndefined();
  });

  test('with Object Lock the query function may put legal holds on the archived objects, and only that on S3 besides presigning', () => {
    const s3Statements = roleStatements(locked.template, 'QueryFunction').filter((st) => st.actions.some((a) => a.startsWith('s3:')));
    expect(s3Statements).toEqual([
      { sid: 'PresignRecordingDownloads', actions: ['s3:GetObject'], resources: [recordingsArn(locked.template)] },
      { sid: 'LegalHoldRecordings', actions: ['s3:PutObjectLegalHold'], resources: [recordingsArn(locked.template)] },
    ]);
    expect(fnEnv(locked.template, 'QueryFunction')).toMatchObject({ ARCHIVE_BUCKET_OBJECT_LOCK: 'true' });
    const plain = synth({}).template;
    expect(roleStatements(plain, 'QueryFunction').flatMap((st) => st.actions)).not.toContain('s3:PutObjectLegalHold');
    expect(fnEnv(plain, 'QueryFunction').ARCHIVE_BUCKET_OBJECT_LOCK).toBeUndefined();
  });

  test('cleanup and expiry settings reach the reconcile function, with the grants they need (and none when off)', () => {
    expect(fnEnv(locked.template, 'ReconcileFunction')).toMatchObject({ SOURCE_CLEANUP_AFTER_DAYS: '30', SOURCE_CLEANUP_DRY_RUN: '1', ARCHIVE_EXPIRE_AFTER_DAYS: '2555' });
    const sids = roleStatements(locked.template, 'ReconcileFunction').map((st) => st.sid);
    expect(sids).toEqual(expect.arrayContaining(['SourceCleanupItemsRead', 'SourceCleanupItemsWrite', 'ExpireRecordings', 'ExpiryListRecordingVersions']));
    // An expired artifact is written with its file pointer's address copy, in one transaction.
    const cleanupWrites = roleStatements(locked.template, 'ReconcileFunction').find((st) => st.sid === 'SourceCleanupItemsWrite')!;
    expect(cleanupWrites.conditions).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['REC#*', 'FILE#*', 'OUTBOX#PENDING'] } });
    const expire = roleStatements(locked.template, 'ReconcileFunction').find((st) => st.sid === 'ExpireRecordings')!;
    expect(expire).toEqual({ sid: 'ExpireRecordings', actions: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject'], resources: [recordingsArn(locked.template)] });

    const plain = synth({}).template;
    const env = fnEnv(plain, 'ReconcileFunction');
    for (const name of ['SOURCE_CLEANUP_AFTER_DAYS', 'SOURCE_CLEANUP_DRY_RUN', 'ARCHIVE_EXPIRE_AFTER_DAYS']) expect(env[name]).toBeUndefined();
    expect(roleStatements(plain, 'ReconcileFunction').flatMap((st) => st.actions).filter((a) => a.startsWith('s3:'))).toEqual([]);
  });

  test('still cdk-nag clean', () => {
    expect(new AwsSolutionsChecks(locked.app).validateScope(locked.app).violations.map((v) => v.ruleName)).toEqual([]);
  });

  test('combinations that could never work are refused at synth', () => {
    const build = (props: TencentMeetingArchiveProps) => () => new TencentMeetingArchive(new Stack(newApp(), 'S'), 'A', { entries, ...props });
    expect(build({ objectLock: { mode: 'GOVERNANCE', days: 30 }, deletionPolicy: 'mirror' })).toThrow(/mirror/);
    expect(build({ objectLock: { mode: 'COMPLIANCE', days: 365 }, expireAfterDays: 30 })).toThrow(/expireAfterDays/);
    expect(build({ objectLock: { mode: 'STRICT' as never, days: 30 } })).toThrow(/objectLock\.mode/);
    expect(build({ objectLock: { mode: 'GOVERNANCE', days: 0 } })).toThrow(/objectLock\.days/);
    expect(build({ sourceCleanupAfterDays: 1.5 })).toThrow(/sourceCleanupAfterDays/);
    expect(build({ sourceCleanupAfterDays: 30, reconcile: { enabled: false } })).toThrow(/reconcile/);
  });

  test('context keys set the same props (infra/stack.ts)', () => {
    const app = newApp({ sourceCleanupAfterDays: '45', sourceCleanupDryRun: 'true', expireAfterDays: '3650', objectLockMode: 'GOVERNANCE', objectLockDays: '365' });
    expect(archivePropsFromContext(new Stack(app, 'S'))).toMatchObject({
      sourceCleanupAfterDays: 45,
      sourceCleanupDryRun: true,
      expireAfterDays: 3650,
      objectLock: { mode: 'GOVERNANCE', days: 365 },
    });
    expect(() => archivePropsFromContext(new Stack(newApp({ objectLockMode: 'GOVERNANCE' }), 'S'))).toThrow(/objectLockDays/);
  });
});

describe('validation', () => {
  test.each([0, 1.5, 3601])('presignTtlSeconds %p is rejected', (presignTtlSeconds) => {
    expect(() => new TencentMeetingArchive(new Stack(newApp(), 'S'), 'A', { entries, presignTtlSeconds })).toThrow(/presignTtlSeconds/);
  });

  test.each([{ replayWindowSeconds: 30 }, { replayWindowSeconds: 7 * 86_400 }, { parkedRetentionDays: 0 }])('webhook %p is rejected', (webhook) => {
    expect(() => new TencentMeetingArchive(new Stack(newApp(), 'S'), 'A', { entries, webhook })).toThrow(/webhook\./);
  });

  test('an unknown deletion policy is rejected', () => {
    expect(() => new TencentMeetingArchive(new Stack(newApp(), 'S'), 'A', { entries, deletionPolicy: 'purge' as never })).toThrow(/deletionPolicy/);
    expect(() => new TencentMeetingArchive(new Stack(newApp(), 'S'), 'A', { entries, queryRecordType: 3 as never })).toThrow(/queryRecordType/);
  });
});

describe('settings from CDK context (infra/stack.ts)', () => {
  const fromContext = (context: Record<string, unknown>) => archivePropsFromContext(newApp(context));

  test('no context: every default', () => {
    expect(fromContext({})).toEqual({
      alarmEmail: undefined,
      jwt: undefined,
      deletionPolicy: undefined,
      queryRecordType: undefined,
      presignTtlSeconds: undefined,
      tencentApiBase: undefined,
      logLevel: undefined,
      storage: undefined,
      reconcile: undefined,
      ingest: undefined,
      throttle: undefined,
    });
  });

  test('CLI-style string values are parsed', () => {
    const props = fromContext({
      alarmEmail: 'ops@example.com',
      jwtIssuer: 'https://idp.example.com/',
      jwtAudience: 'a, b',
      jwtUserIdClaim: 'custom:tencent_userid',
      deletionPolicy: 'mirror',
      queryRecordType: '2',
      presignTtlSeconds: '300',
      coldStorageAfterDays: '60',
      reconcileEnabled: 'false',
      reconcileSchedule: 'rate(2 hours)',
      ingestMaxConcurrency: '3',
      throttleRateLimit: '20',
      eventBus: 'archive-events',
    });
    expect(props).toMatchObject({
      alarmEmail: 'ops@example.com',
      jwt: { issuer: 'https://idp.example.com/', audience: ['a', 'b'], userIdClaim: 'custom:tencent_userid' },
      deletionPolicy: 'mirror',
      queryRecordType: 2,
      presignTtlSeconds: 300,
      ingest: { maxConcurrency: 3 },
      throttle: { rateLimit: 20 },
      reconcile: { enabled: false },
      eventBus: 'archive-events',
    });
    expect(props.storage?.coldStorage?.transitionAfter.toDays()).toBe(60);
    expect(props.reconcile?.schedule?.expressionString).toBe('rate(2 hours)');
  });

  test("the console's sign-in client comes from context too", () => {
    expect(fromContext({ jwtIssuer: 'https://idp.example.com/', jwtAudience: 'api', consoleClientId: 'console', consoleScopes: 'openid  archive/read', consoleTokenEndpoint: 'https://auth.example.com/token' }).jwt).toEqual({
      issuer: 'https://idp.example.com/',
      audience: ['api'],
      console: { clientId: 'console', scopes: ['openid', 'archive/read'], tokenEndpoint: 'https://auth.example.com/token' },
    });
  });

  test('half a JWT configuration and non-numbers are errors', () => {
    expect(() => fromContext({ jwtIssuer: 'https://idp.example.com/' })).toThrow(/jwtIssuer and jwtAudience/);
    expect(() => fromContext({ presignTtlSeconds: 'ten' })).toThrow(/presignTtlSeconds must be a number/);
    expect(() => fromContext({ reconcileEnabled: 'yes' })).toThrow(/reconcileEnabled must be true or false/);
  });

  test('the project stack passes context through to the construct', () => {
    const app = newApp({ alarmEmail: 'ops@example.com', reconcileEnabled: 'false' });
    const stack = new ArchiveStack(app, 'Ctx', { archive: { ...archivePropsFromContext(app), entries } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });
});

test('a bucket storage class other than the default can be chosen', () => {
  const { template } = synth({ storage: { coldStorage: { transitionAfter: Duration.days(90), storageClass: s3.StorageClass.INTELLIGENT_TIERING } } });
  template.hasResourceProperties('AWS::S3::Bucket', {
    LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 90 }] })]) },
  });
});
