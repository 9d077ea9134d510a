// The project's own deployment: one stack holding the TencentMeetingArchive construct, configured
// from CDK context (cdk.json "context" or `cdk deploy -c key=value`), plus the outputs an operator
// needs after deploying.
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { TencentMeetingArchive, type DeletionPolicy, type LogLevel, type TencentMeetingArchiveProps } from './constructs/tencent-meeting-archive.ts';

/**
 * Context keys (all optional):
 *   alarmEmail            e-mail subscribed to the alarm topic
 *   jwtIssuer, jwtAudience  JWT auth on the archive API (audience comma-separated); IAM auth otherwise
 *   jwtReadScope, jwtAdminScope, jwtUserIdClaim  JWT mode: own-recordings scope (archive/read),
 *                           account scope (archive/admin), the claim with the Tencent userid (tencent_userid)
 *   consoleClientId, consoleScopes, consoleAuthorizationEndpoint, consoleTokenEndpoint  JWT mode: the
 *                           console's sign-in client (default: the first audience), scopes (space-separated;
 *                           default `openid <read scope>`), endpoints (default: the issuer's discovery document)
 *   deletionPolicy        retain | mirror
 *   queryRecordType       0 (all recordings, default) | 1 (cloud recordings) | 2 (uploaded recordings)
 *   presignTtlSeconds     presigned link lifetime
 *   tencentApiBase        Tencent Meeting REST base URL
 *   logLevel              DEBUG | INFO | WARN | ERROR
 *   coldStorageAfterDays  move recordings to Glacier Instant Retrieval after N days
 *   reconcileEnabled      true | false (default: true)
 *   reconcileSchedule     an EventBridge Scheduler expression, e.g. "rate(6 hours)"
 *   ingestMaxConcurrency  concurrent copier invocations
 *   throttleRateLimit, throttleBurstLimit  HTTP API stage throttling
 *   eventBus              the event bus (name or ARN) archive events go to (default: the account's default bus)
 *   sourceCleanupAfterDays  delete Tencent's copy N days after the archive verified its own (0 = off)
 *   sourceCleanupDryRun   true | false: log and count what the cleanup would delete
 *   expireAfterDays       remove the archive's copy N days after it was verified, unless held (0 = off)
 *   objectLockMode, objectLockDays  GOVERNANCE | COMPLIANCE and retention days: Object Lock on a NEW bucket
 */
export function archivePropsFromContext(scope: Construct): TencentMeetingArchiveProps {
  const raw = (key: string): unknown => scope.node.tryGetContext(key);
  const str = (key: string): string | undefined => {
    const value = raw(key);
    return value === undefined || value === null || String(value).trim() === '' ? undefined : String(value).trim();
  };
  const num = (key: string): number | undefined => {
    const value = str(key);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed)) throw new Error(`context ${key} must be a number, got ${value}`);
    return parsed;
  };
  const bool = (key: string): boolean | undefined => {
    const value = str(key);
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw new Error(`context ${key} must be true or false, got ${value}`);
    return value === 'true';
  };

  const jwtIssuer = str('jwtIssuer');
  const jwtAudience = str('jwtAudience')?.split(',').map((a) => a.trim()).filter(Boolean);
  if (Boolean(jwtIssuer) !== Boolean(jwtAudience?.length)) {
    throw new Error('context jwtIssuer and jwtAudience must be set together');
  }
  const coldAfter = num('coldStorageAfterDays');
  const reconcileSchedule = str('reconcileSchedule');
  const reconcileEnabled = bool('reconcileEnabled');
  const rateLimit = num('throttleRateLimit');
  const burstLimit = num('throttleBurstLimit');
  const maxConcurrency = num('ingestMaxConcurrency');
  const eventBus = str('eventBus');
  const objectLockMode = str('objectLockMode');
  const objectLockDays = num('objectLockDays');
  if ((objectLockMode === undefined) !== (objectLockDays === undefined)) throw new Error('context objectLockMode and objectLockDays must be set together');

  return {
    alarmEmail: str('alarmEmail'),
    jwt:
      jwtIssuer && jwtAudience?.length
        ? {
            issuer: jwtIssuer,
            audience: jwtAudience,
            ...optionalString('readScope', str('jwtReadScope')),
            ...optionalString('adminScope', str('jwtAdminScope')),
            ...optionalString('userIdClaim', str('jwtUserIdClaim')),
            ...consoleSignIn(str),
          }
        : undefined,
    deletionPolicy: str('deletionPolicy') as DeletionPolicy | undefined,
    queryRecordType: num('queryRecordType') as TencentMeetingArchiveProps['queryRecordType'],
    presignTtlSeconds: num('presignTtlSeconds'),
    tencentApiBase: str('tencentApiBase'),
    logLevel: str('logLevel') as LogLevel | undefined,
    storage: coldAfter === undefined ? undefined : { coldStorage: { transitionAfter: Duration.days(coldAfter) } },
    reconcile:
      reconcileEnabled === undefined && reconcileSchedule === undefined
        ? undefined
        : {
            enabled: reconcileEnabled,
            schedule: reconcileSchedule ? scheduler.ScheduleExpression.expression(reconcileSchedule) : undefined,
          },
    ingest: maxConcurrency === undefined ? undefined : { maxConcurrency },
    throttle: rateLimit === undefined && burstLimit === undefined ? undefined : { rateLimit, burstLimit },
    ...(eventBus ? { eventBus } : {}),
    sourceCleanupAfterDays: num('sourceCleanupAfterDays'),
    sourceCleanupDryRun: bool('sourceCleanupDryRun'),
    expireAfterDays: num('expireAfterDays'),
    objectLock: objectLockMode && objectLockDays !== undefined ? { mode: objectLockMode as 'GOVERNANCE' | 'COMPLIANCE', days: objectLockDays } : undefined,
  };
}

export interface ArchiveStackProps extends StackProps {
  /** @default archivePropsFromContext(scope) */
  readonly archive?: TencentMeetingArchiveProps;
}

export class ArchiveStack extends Stack {
  readonly archive: TencentMeetingArchive;

  constructor(scope: Construct, id: string, props: ArchiveStackProps = {}) {
    super(scope, id, props);
    this.archive = new TencentMeetingArchive(this, 'Archive', props.archive ?? archivePropsFromContext(this));
    const { storage, httpApi, secret, webhookSecret, ingest, monitoring } = this.archive;
    new CfnOutput(this, 'WebhookUrl', { value: httpApi.webhookUrl, description: 'Paste into the Tencent Meeting event subscription' });
    new CfnOutput(this, 'ArchiveApiUrl', { value: httpApi.archiveApiUrl, description: `Archive API base URL (${httpApi.authMode} auth)` });
    new CfnOutput(this, 'ConsoleUrl', { value: httpApi.consoleUrl, description: `Archive console (${httpApi.authMode === 'JWT' ? 'sign in through the JWT issuer' : 'needs JWT mode: IAM cannot be signed by a browser'})` });
    new CfnOutput(this, 'BucketName', { value: storage.bucket.bucketName });
    new CfnOutput(this, 'TableName', { value: storage.table.tableName });
    new CfnOutput(this, 'SecretArn', { value: secret.secretArn, description: 'Put the Tencent Meeting API credentials (JSON) here' });
    new CfnOutput(this, 'WebhookSecretArn', {
      value: webhookSecret.secretArn,
      description: 'The webhook token (generated) and EncodingAESKey: the only secret the webhook can read',
    });
    new CfnOutput(this, 'IngestQueueUrl', { value: ingest.queue.queueUrl, description: 'Where npm run backfill -- --stack-outputs sends work' });
    new CfnOutput(this, 'IngestDeadLetterQueueUrl', { value: ingest.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardUrl', { value: monitoring.dashboard.url, description: 'CloudWatch dashboard: webhook, queues, copies, failures, sweeps' });
    new CfnOutput(this, 'ArchiveEventBusArn', { value: this.archive.eventBus.eventBusArn, description: 'Archive events (source tencent-meeting-archive) arrive here: add your rules to this bus' });
  }
}

function optionalString<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function consoleSignIn(str: (key: string) => string | undefined): { console?: NonNullable<NonNullable<TencentMeetingArchiveProps['jwt']>['console']> } {
  const signIn = {
    ...optionalString('clientId', str('consoleClientId')),
    ...(str('consoleScopes') ? { scopes: str('consoleScopes')!.split(/\s+/).filter(Boolean) } : {}),
    ...optionalString('authorizationEndpoint', str('consoleAuthorizationEndpoint')),
    ...optionalString('tokenEndpoint', str('consoleTokenEndpoint')),
  };
  return Object.keys(signIn).length > 0 ? { console: signIn } : {};
}
