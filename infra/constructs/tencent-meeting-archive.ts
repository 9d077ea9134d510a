// TencentMeetingArchive: the whole archiver as one construct that a customer can drop into their
// own CDK app. It wires the four handlers (the reconcile sweep can be switched off with
// `reconcile: { enabled: false }`) and gives each function only the IAM actions it uses: see the
// "Least privilege" block below.
//
//   new TencentMeetingArchive(this, 'Archive', { alarmEmail: 'ops@example.com' });
import { isAbsolute, join } from 'node:path';
import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_QUERY_RECORD_TYPE, ENV, type DeletionPolicy, type QueryRecordType } from '../../shared/config/environment.ts';
import { CLEANUP_ITEM_ACCESS, INGEST_UPDATES, ITEM_ACCESS, RECONCILE_DELETES } from '../../shared/archive/key-access.ts';
import { RECORDINGS_PREFIX } from '../../shared/copy/s3-keys.ts';
import { DEFAULT_API_BASE, TENCENT_SECRET_ARN_ENV, TENCENT_WEBHOOK_SECRET_ARN_ENV } from '../../shared/tencent/config-keys.ts';
import { MAX_REPLAY_WINDOW_SECONDS } from '../../shared/webhook/replay-window.ts';
import { ArchiveStorage, type ArchiveStorageProps, type ObjectLockOptions } from './archive-storage.ts';
import { FUNCTION_ENTRIES, PROJECT_ROOT, type FunctionName } from './bundle-options.ts';
import { ArchiveHttpApi, jwtAuthorizationOf, type JwtAuthOptions } from './http-api.ts';
import { DEFAULT_INGEST_MEMORY_MB, IngestPipeline, type ArchiveFunctionFactory } from './ingest-pipeline.ts';
import { Monitoring } from './monitoring.ts';
import { ArchiveFunction } from './node-function.ts';
import { TencentSecret } from './tencent-secret.ts';

// What `recording.deleted` does to the archive copy: the ingest service's own setting, passed through.
export type { DeletionPolicy } from '../../shared/config/environment.ts';
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface FunctionSizing {
  /** MB */
  readonly memorySize?: number;
  readonly timeout?: Duration;
}

export interface ReconcileOptions {
  /** @default true */
  readonly enabled?: boolean;
  /** @default scheduler.ScheduleExpression.rate(Duration.hours(1)) */
  readonly schedule?: scheduler.ScheduleExpression;
}

export interface TencentMeetingArchiveProps {
  /**
   * Repository root (package.json, package-lock.json, functions/, shared/).
   * @default - the root of the repository this construct file lives in
   */
  readonly projectRoot?: string;
  /**
   * Handler entry files, absolute or relative to `projectRoot`.
   * @default - functions/<name>/handler.ts
   */
  readonly entries?: Partial<Record<FunctionName, string>>;
  /** @default 'https://api.meeting.qq.com' */
  readonly tencentApiBase?: string;
  /**
   * What happens to an archived copy when Tencent deletes its recording: 'retain' keeps it (and
   * flags it source_deleted), 'mirror' deletes it too.
   * @default 'retain'
   */
  readonly deletionPolicy?: DeletionPolicy;
  /**
   * Which recordings the archive lists (query_record_type of /v1/records and /v1/corp/records):
   * 0 all, 1 cloud recordings only (Tencent's own default), 2 uploaded recordings only.
   * @default 0
   */
  readonly queryRecordType?: QueryRecordType;
  /**
   * Lifetime of the archive API's presigned download links, in seconds (1..43200; links signed
   * with a function's temporary credentials also die with those credentials).
   * @default 600
   */
  readonly presignTtlSeconds?: number;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** Function and API access log retention. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Powertools service name and metrics namespace. @default 'tencent-meeting-archive' */
  readonly serviceName?: string;
  /**
   * Memory and timeout per function.
   * @default webhook 512 MB / 10 s, ingest DEFAULT_INGEST_MEMORY_MB / 15 min, query 1024 MB / 20 s, reconcile 512 MB / 15 min
   */
  readonly functions?: Partial<Record<FunctionName, FunctionSizing>>;
  /**
   * SQS → ingest function settings, and the copy's part size and connections (COPY_PART_SIZE_BYTES,
   * COPY_CONNECTIONS).
   * @default batchSize 1, maxConcurrency 10, maxReceiveCount 5, copyPartSizeBytes DEFAULT_COPY_PART_SIZE_BYTES, copyConnections DEFAULT_COPY_CONNECTIONS
   */
  readonly ingest?: {
    readonly batchSize?: number;
    readonly maxConcurrency?: number;
    readonly maxReceiveCount?: number;
    readonly copyPartSizeBytes?: number;
    readonly copyConnections?: number;
  };
  /** Bucket / table options (cold storage transition, lifecycle, removal policy). @default see ArchiveStorageProps */
  readonly storage?: ArchiveStorageProps;
  /**
   * S3 Object Lock with a default retention on the recordings bucket, so every archived object is
   * locked for `days`; legal holds then also become Object Lock legal holds. Object Lock can only be
   * enabled when the bucket is created: setting this on a deployed stack needs a new bucket.
   * Not with deletionPolicy 'mirror', nor with an expireAfterDays shorter than the retention.
   * @default - no Object Lock
   */
  readonly objectLock?: ObjectLockOptions;
  /**
   * Days after a file's copy was verified at which the archive deletes Tencent's copy
   * (SOURCE_CLEANUP_AFTER_DAYS); never under legal hold. Runs in the reconcile function.
   * @default 0 (off)
   */
  readonly sourceCleanupAfterDays?: number;
  /** Log and count what the source cleanup would delete, deleting nothing (SOURCE_CLEANUP_DRY_RUN). @default false */
  readonly sourceCleanupDryRun?: boolean;
  /**
   * Days after a file's copy was verified at which the archive removes its own copy
   * (ARCHIVE_EXPIRE_AFTER_DAYS), unless the recording is under legal hold. Runs in the reconcile function.
   * @default 0 (off)
   */
  readonly expireAfterDays?: number;
  /** @default - the archive API uses IAM (SigV4) auth */
  readonly jwt?: JwtAuthOptions;
  /** HTTP API stage throttling. @default rateLimit 50 rps, burstLimit 100 */
  readonly throttle?: { readonly rateLimit?: number; readonly burstLimit?: number };
  /** @default - enabled with an hourly schedule */
  readonly reconcile?: ReconcileOptions;
  /** @default - no subscription to the alarm topic */
  readonly alarmEmail?: string;
  /**
   * The webhook's replay window and how long it keeps events it parked (WEBHOOK_REPLAY_WINDOW_SECONDS,
   * WEBHOOK_PARKED_RETENTION_DAYS).
   * @default replayWindowSeconds 3600, parkedRetentionDays 30
   */
  readonly webhook?: { readonly replayWindowSeconds?: number; readonly parkedRetentionDays?: number };
  /**
   * Where archive events (Recording Archived, Recording Archive Failed, Recording Deleted At Source,
   * Recording Removed From Archive; source `tencent-meeting-archive`) are published. Only the
   * functions that publish (ingest, reconcile) may put events, on this bus only. A bus, or a bus's
   * name or ARN (a bus in another account: its policy must let this account put events).
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus | string;
  /** Use an existing Tencent API credentials secret (same JSON keys). @default - a new secret */
  readonly existingSecret?: secretsmanager.ISecret;
  /** Use an existing webhook secret (token and AES key). @default - a new secret with a generated token */
  readonly existingWebhookSecret?: secretsmanager.ISecret;
}

const DEFAULT_SIZING: Readonly<Record<FunctionName, Required<FunctionSizing>>> = {
  // Answers Tencent within milliseconds; 10 s covers a cold start plus one Secrets Manager read.
  webhook: { memorySize: 512, timeout: Duration.seconds(10) },
  // Chosen with the copy's part size and connections from measurements (ingest-pipeline.ts).
  ingest: { memorySize: DEFAULT_INGEST_MEMORY_MB, timeout: Duration.minutes(15) },
  // API Gateway cuts HTTP API integrations at 30 s; leave headroom under it.
  query: { memorySize: 1024, timeout: Duration.seconds(20) },
  // Tencent allows corp/records ~10 calls a minute, so a sweep is slow by design.
  reconcile: { memorySize: 512, timeout: Duration.minutes(15) },
};

function eventBusOf(scope: Construct, bus: events.IEventBus | string | undefined): events.IEventBus {
  if (bus === undefined) return events.EventBus.fromEventBusName(scope, 'DefaultEventBus', 'default');
  if (typeof bus !== 'string') return bus;
  return bus.startsWith('arn:') ? events.EventBus.fromEventBusArn(scope, 'ArchiveEventBus', bus) : events.EventBus.fromEventBusName(scope, 'ArchiveEventBus', bus);
}

/** The webhook's settings as its environment, checked at synth against the bounds the function enforces. */
function webhookEnvironment(options: TencentMeetingArchiveProps['webhook'] = {}): Record<string, string> {
  const environment: Record<string, string> = {};
  const check = (name: string, value: number | undefined, min: number, max: number) => {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`webhook.${name} must be a whole number from ${min} to ${max}, got ${value}`);
    environment[name === 'replayWindowSeconds' ? ENV.webhookReplayWindowSeconds : ENV.webhookParkedRetentionDays] = String(value);
  };
  check('replayWindowSeconds', options.replayWindowSeconds, 60, MAX_REPLAY_WINDOW_SECONDS);
  check('parkedRetentionDays', options.parkedRetentionDays, 1, 365);
  return environment;
}

/** Source cleanup, expiry and Object Lock, checked at synth against each other and the function's bounds. */
function retentionSettings(props: TencentMeetingArchiveProps, deletionPolicy: DeletionPolicy) {
  const days = (name: string, value: number | undefined): number => {
    if (value === undefined) return 0;
    if (!Number.isInteger(value) || value < 0 || value > 36_500) throw new Error(`${name} must be a whole number of days from 0 to 36500, got ${value}`);
    return value;
  };
  const sourceCleanupAfterDays = days('sourceCleanupAfterDays', props.sourceCleanupAfterDays);
  const expireAfterDays = days('expireAfterDays', props.expireAfterDays);
  const objectLock = props.objectLock ?? props.storage?.objectLock;
  if (objectLock && deletionPolicy === 'mirror') {
    throw new Error("objectLock keeps every object version for its retention days; deletionPolicy 'mirror' could not remove them: choose one");
  }
  if (objectLock && expireAfterDays > 0 && expireAfterDays < objectLock.days) {
    throw new Error(`expireAfterDays (${expireAfterDays}) is shorter than the Object Lock retention (${objectLock.days} days): the locked objects could not be removed`);
  }
  const reconcileEnvironment: Record<string, string> = {
    ...(sourceCleanupAfterDays > 0 ? { [ENV.sourceCleanupAfterDays]: String(sourceCleanupAfterDays) } : {}),
    ...(sourceCleanupAfterDays > 0 && props.sourceCleanupDryRun ? { [ENV.sourceCleanupDryRun]: '1' } : {}),
    ...(expireAfterDays > 0 ? { [ENV.expireAfterDays]: String(expireAfterDays) } : {}),
  };
  return { sourceCleanupAfterDays, expireAfterDays, objectLock, reconcileEnvironment };
}

export class TencentMeetingArchive extends Construct {
  readonly storage: ArchiveStorage;
  /** The Tencent API credentials (ingest and reconcile read it). */
  readonly secret: secretsmanager.ISecret;
  /** The webhook token and AES key (the webhook reads it, and nothing else does). */
  readonly webhookSecret: secretsmanager.ISecret;
  readonly ingest: IngestPipeline;
  readonly httpApi: ArchiveHttpApi;
  readonly monitoring: Monitoring;
  readonly functions: Readonly<Partial<Record<FunctionName, ArchiveFunction>>>;
  readonly reconcileSchedule?: scheduler.Schedule;
  /** Where the archive events go (the `eventBus` prop, or the account's default bus). */
  readonly eventBus: events.IEventBus;

  constructor(scope: Construct, id: string, props: TencentMeetingArchiveProps = {}) {
    super(scope, id);
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    const entry = (name: FunctionName): string => {
      const given = props.entries?.[name] ?? FUNCTION_ENTRIES[name];
      return isAbsolute(given) ? given : join(projectRoot, given);
    };
    const presignTtlSeconds = props.presignTtlSeconds ?? 600;
    // The query function caps links at an hour (short-lived by design); refuse more at deploy time
    // rather than silently serving shorter links than configured.
    if (!Number.isInteger(presignTtlSeconds) || presignTtlSeconds < 1 || presignTtlSeconds > 3600) {
      throw new Error(`presignTtlSeconds must be an integer in 1..3600, got ${presignTtlSeconds}`);
    }
    const deletionPolicy = props.deletionPolicy ?? 'retain';
    if (deletionPolicy !== 'retain' && deletionPolicy !== 'mirror') {
      throw new Error(`deletionPolicy must be 'retain' or 'mirror', got ${String(deletionPolicy)}`);
    }
    const queryRecordType = props.queryRecordType ?? DEFAULT_QUERY_RECORD_TYPE;
    if (queryRecordType !== 0 && queryRecordType !== 1 && queryRecordType !== 2) {
      throw new Error(`queryRecordType must be 0, 1 or 2, got ${String(queryRecordType)}`);
    }
    const retention = retentionSettings(props, deletionPolicy);
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    this.eventBus = eventBusOf(this, props.eventBus);
    const serviceName = props.serviceName ?? 'tencent-meeting-archive';
    const sizing = (name: FunctionName): Required<FunctionSizing> => ({ ...DEFAULT_SIZING[name], ...props.functions?.[name] });

    this.storage = new ArchiveStorage(this, 'Storage', { ...props.storage, ...(retention.objectLock ? { objectLock: retention.objectLock } : {}) });
    const secrets = new TencentSecret(this, 'TencentCredentials', { existingSecret: props.existingSecret, existingWebhookSecret: props.existingWebhookSecret });
    this.secret = secrets.secret;
    this.webhookSecret = secrets.webhookSecret;

    const commonEnvironment: Record<string, string> = {
      [ENV.tableName]: this.storage.table.tableName,
      [ENV.bucketName]: this.storage.bucket.bucketName,
      TENCENT_MEETING_API_BASE: props.tencentApiBase ?? DEFAULT_API_BASE,
      [ENV.deletionPolicy]: deletionPolicy,
      [ENV.presignTtlSeconds]: String(presignTtlSeconds),
      [ENV.queryRecordType]: String(queryRecordType),
    };
    const createFunction: ArchiveFunctionFactory = (fnScope, fnId, options) =>
      new ArchiveFunction(fnScope, fnId, {
        ...options,
        projectRoot,
        environment: { ...commonEnvironment, ...options.environment },
        logRetention,
        serviceName,
        logLevel: props.logLevel ?? 'INFO',
      });

    this.ingest = new IngestPipeline(this, 'Ingest', {
      entry: entry('ingest'),
      createFunction,
      ...sizing('ingest'),
      batchSize: props.ingest?.batchSize,
      maxConcurrency: props.ingest?.maxConcurrency,
      maxReceiveCount: props.ingest?.maxReceiveCount,
      copyPartSizeBytes: props.ingest?.copyPartSizeBytes,
      copyConnections: props.ingest?.copyConnections,
    });
    const queueEnvironment = { [ENV.ingestQueueUrl]: this.ingest.queue.queueUrl };
    const ingestFn = this.ingest.ingestFunction;
    const webhookFn = createFunction(this, 'WebhookFunction', {
      entry: entry('webhook'),
      description: 'Receives Tencent Meeting webhooks: verify, decode, dedupe, enqueue, acknowledge',
      ...sizing('webhook'),
      environment: { ...queueEnvironment, ...webhookEnvironment(props.webhook) },
    });
    const jwtAuthorization = props.jwt ? jwtAuthorizationOf(props.jwt) : undefined;
    const queryFn = createFunction(this, 'QueryFunction', {
      entry: entry('query'),
      description: 'Serves the Tencent-compatible archive API (DynamoDB queries, presigned S3 links)',
      ...sizing('query'),
      environment: {
        ...queueEnvironment,
        [ENV.archiveApiAuth]: jwtAuthorization ? 'jwt' : 'iam',
        ...(retention.objectLock ? { [ENV.bucketObjectLock]: 'true' } : {}),
        ...(jwtAuthorization
          ? { [ENV.jwtReadScope]: jwtAuthorization.readScope, [ENV.jwtAdminScope]: jwtAuthorization.adminScope, [ENV.userIdClaim]: jwtAuthorization.userIdClaim }
          : {}),
        ...(props.jwt ? consoleSignInEnvironment(props.jwt) : {}),
      },
      // The console's script and style go into the package beside index.mjs (never committed).
      afterBundling: (outputDir) => [`"${process.execPath}" "${join(projectRoot, 'console', 'build.ts')}" "${join(outputDir, 'console')}"`],
    });

    // A plain default, never a probe of the file system: a missing entry fails synth (NodejsFunction
    // names the path) instead of silently deploying a stack without its sweep.
    let reconcileFn: ArchiveFunction | undefined;
    if (props.reconcile?.enabled === false && Object.keys(retention.reconcileEnvironment).length > 0) {
      throw new Error('sourceCleanupAfterDays and expireAfterDays run in the reconcile function: they need reconcile enabled');
    }
    if (props.reconcile?.enabled !== false) {
      reconcileFn = createFunction(this, 'ReconcileFunction', {
        entry: entry('reconcile'),
        description: 'Sweeps Tencent Meeting corp/records and enqueues anything the webhook missed',
        ...sizing('reconcile'),
        environment: { ...queueEnvironment, ...retention.reconcileEnvironment },
      });
      // Our own role rather than the shared per-stack one, so the acknowledgement below is scoped
      // to exactly this role.
      const schedulerRole = new iam.Role(this, 'ReconcileSchedulerRole', {
        assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      });
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(reconcileFn.function)}.Arn>:*]`,
        reason:
          "CDK's LambdaInvoke target grants lambda:InvokeFunction on the function and its qualified ARNs (`:*`, versions/aliases) together; the wildcard covers qualifiers of this one function only.",
      });
      this.reconcileSchedule = new scheduler.Schedule(this, 'ReconcileSchedule', {
        description: 'Runs the Tencent Meeting archive reconcile sweep',
        schedule: props.reconcile?.schedule ?? scheduler.ScheduleExpression.rate(Duration.hours(1)),
        target: new LambdaInvoke(reconcileFn.function, {
          role: schedulerRole,
          // A missed sweep is covered by the next one; do not pile up retries behind it.
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      });
    }

    // ---- Least privilege: every action each function may take, and on what. ----
    // Items: each function's partition keys (shared/archive/key-access.ts) as dynamodb:LeadingKeys,
    // on the table's item actions (transactions and batches are authorized item by item). Index
    // queries carry no such condition (an index's partition keys are not the table's) and are
    // read-only.
    const table = this.storage.table.tableArn;
    const indexes = this.storage.indexArns;
    const leadingKeys = (patterns: readonly string[]) => ({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] } });
    // Every object the archive writes is under recordings/ (shared/copy/s3-keys.ts).
    const objects = this.storage.bucket.arnForObjects(`${RECORDINGS_PREFIX}*`);

    // webhook: dedupe markers (claim, release), the STS token, parked events (Put, and
    // Update to count Tencent's retries of one), enqueue, read the token and AES key from their own
    // secret. It cannot read the index, nor the API credentials.
    webhookFn.allow('WebhookItems', ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [table], leadingKeys(ITEM_ACCESS.webhook.writes));
    this.ingest.allowSend(webhookFn);
    this.webhookSecret.grantRead(webhookFn.role);
    webhookFn.function.addEnvironment(TENCENT_WEBHOOK_SECRET_ARN_ENV, this.webhookSecret.secretArn);

    // ingest: index + checkpoints + leases (never Scan), copy objects in (and, under mirror,
    // delete every version of one), consume (event source) and continue (send) on its queue,
    // read Tencent credentials.
    ingestFn.allow('IndexItemsRead', ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'], [table], leadingKeys(ITEM_ACCESS.ingest.reads));
    ingestFn.allow(
      'IndexItemsWrite',
      ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'],
      [table],
      leadingKeys(ITEM_ACCESS.ingest.writes),
    );
    ingestFn.allow('ConfirmEventMarkers', ['dynamodb:UpdateItem'], [table], leadingKeys(INGEST_UPDATES));
    ingestFn.allow('IndexQueries', ['dynamodb:Query'], indexes);
    ingestFn.allow(
      'CopyRecordings',
      ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:DeleteObject', 's3:DeleteObjectVersion'],
      [objects],
    );
    // Without ListBucket, HeadObject/GetObject of a missing key answers 403 instead of 404, and the
    // copier could not tell "not copied yet" from "not allowed". Not narrowed by prefix: that
    // implicit check carries no prefix, so a condition on it would turn every 404 into a 403.
    ingestFn.allow('TellMissingObjects', ['s3:ListBucket'], [this.storage.bucket.bucketArn]);
    // Deleting every version of an object (mirror) lists that key's versions first.
    ingestFn.allow('ListRecordingVersions', ['s3:ListBucketVersions'], [this.storage.bucket.bucketArn], {
      StringLike: { 's3:prefix': [`${RECORDINGS_PREFIX}*`] },
    });
    this.allowSecretRead(ingestFn);
    this.allowPublishEvents(ingestFn);

    // query: read the index through keys and indexes only; presign GETs of archived copies.
    queryFn.allow('ArchiveIndexRead', ['dynamodb:GetItem', 'dynamodb:Query'], [table], leadingKeys(ITEM_ACCESS.query.reads));
    queryFn.allow('ArchiveIndexQueries', ['dynamodb:Query'], indexes);
    queryFn.allow('PresignRecordingDownloads', ['s3:GetObject'], [objects]);
    queryFn.allow('LegalHoldItems', ['dynamodb:PutItem'], [table], leadingKeys(ITEM_ACCESS.query.writes));
    if (retention.objectLock) queryFn.allow('LegalHoldRecordings', ['s3:PutObjectLegalHold'], [objects]);

    if (reconcileFn) {
      // Batch* because shared/reconcile/enqueue.ts checks and writes its "recently enqueued"
      // markers in batches (BatchGet / BatchWrite of PutRequests only, never deletes).
      reconcileFn.allow('ReconcileItemsRead', ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'], [table], leadingKeys(ITEM_ACCESS.reconcile.reads));
      reconcileFn.allow('ReconcileItemsWrite', ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'], [table], leadingKeys(ITEM_ACCESS.reconcile.writes));
      reconcileFn.allow('ReconcileIndexQueries', ['dynamodb:Query'], indexes);
      reconcileFn.allow('ClearPublishedEvents', ['dynamodb:DeleteItem'], [table], leadingKeys(RECONCILE_DELETES));
      this.allowPublishEvents(reconcileFn);
      this.ingest.allowSend(reconcileFn);
      this.allowSecretRead(reconcileFn);
      if (retention.sourceCleanupAfterDays > 0 || retention.expireAfterDays > 0) {
        reconcileFn.allow('SourceCleanupItemsRead', ['dynamodb:GetItem', 'dynamodb:Query'], [table], leadingKeys(CLEANUP_ITEM_ACCESS.reads));
        reconcileFn.allow('SourceCleanupItemsWrite', ['dynamodb:PutItem'], [table], leadingKeys(CLEANUP_ITEM_ACCESS.writes));
      }
      if (retention.expireAfterDays > 0) {
        // Expiry removes every version of an archived object, as the mirror deletion does.
        reconcileFn.allow('ExpireRecordings', ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject'], [objects]);
        reconcileFn.allow('ExpiryTellMissingObjects', ['s3:ListBucket'], [this.storage.bucket.bucketArn]);
        reconcileFn.allow('ExpiryListRecordingVersions', ['s3:ListBucketVersions'], [this.storage.bucket.bucketArn], {
          StringLike: { 's3:prefix': [`${RECORDINGS_PREFIX}*`] },
        });
      }
    }

    const objectWildcardReason =
      'Recordings are stored under keys derived from meeting and file ids that are only known at run time; the statement is limited to the recordings/ prefix of this one bucket.';
    for (const fn of [ingestFn, queryFn, ...(reconcileFn && retention.expireAfterDays > 0 ? [reconcileFn] : [])]) {
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.storage.bucket)}.Arn>/${RECORDINGS_PREFIX}*]`,
        reason: objectWildcardReason,
      });
    }

    this.functions = {
      webhook: webhookFn,
      ingest: ingestFn,
      query: queryFn,
      ...(reconcileFn ? { reconcile: reconcileFn } : {}),
    };

    this.httpApi = new ArchiveHttpApi(this, 'HttpApi', {
      webhookFunction: webhookFn,
      queryFunction: queryFn,
      jwt: props.jwt,
      throttleRateLimit: props.throttle?.rateLimit,
      throttleBurstLimit: props.throttle?.burstLimit,
      accessLogRetention: logRetention,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      functions: this.functions as Record<string, ArchiveFunction>,
      queue: this.ingest.queue,
      deadLetterQueue: this.ingest.deadLetterQueue,
      httpApi: this.httpApi,
      alarmEmail: props.alarmEmail,
      metricsNamespace: serviceName,
    });
  }

  /** events:PutEvents on the archive's bus only, and the bus in the function's environment. */
  private allowPublishEvents(fn: ArchiveFunction): void {
    fn.allow('PublishArchiveEvents', ['events:PutEvents'], [this.eventBus.eventBusArn]);
    // As an ARN, so a bus in another account (a central one) works as well as one in this account.
    fn.function.addEnvironment(ENV.archiveEventBusName, this.eventBus.eventBusArn);
  }

  /** GetSecretValue + DescribeSecret on the one credentials secret. */
  private allowSecretRead(fn: ArchiveFunction): void {
    this.secret.grantRead(fn.role);
    fn.function.addEnvironment(TENCENT_SECRET_ARN_ENV, this.secret.secretArn);
  }

  private logicalIdOf(resource: Construct): string {
    return Stack.of(this).getLogicalId(resource.node.defaultChild as CfnElement);
  }
}

/** The console's sign-in settings for the query function (shared/config/environment.ts reads them). */
function consoleSignInEnvironment(jwt: JwtAuthOptions): Record<string, string> {
  const signIn = jwt.console ?? {};
  const clientId = signIn.clientId ?? jwt.audience[0];
  if (!clientId) return {};
  return {
    [ENV.consoleOidcIssuer]: jwt.issuer,
    [ENV.consoleOidcClientId]: clientId,
    ...(signIn.scopes ? { [ENV.consoleOidcScopes]: signIn.scopes.join(' ') } : {}),
    ...(signIn.authorizationEndpoint ? { [ENV.consoleOidcAuthorizationEndpoint]: signIn.authorizationEndpoint } : {}),
    ...(signIn.tokenEndpoint ? { [ENV.consoleOidcTokenEndpoint]: signIn.tokenEndpoint } : {}),
  };
}
