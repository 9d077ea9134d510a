// Every setting a function reads from its environment, in one place: the names (which the CDK
// construct sets and `npm start` passes through), their defaults and their validation. A Lambda
// and the local stack parse the same variables with the same schema, so a documented setting
// means the same in both. Errors name the variable and the rule, never echo a secret.
//
// The Tencent Meeting credentials (TENCENT_MEETING_*) are parsed by shared/tencent/config.ts: in
// AWS they come from a secret, not from the environment.
import * as z from '../validation/zod.ts';
import { ValidationError } from '../errors.ts';
import { DEFAULT_PARKED_RETENTION_DAYS } from '../webhook/parked-events.ts';
import { DEFAULT_REPLAY_WINDOW_SECONDS, MAX_REPLAY_WINDOW_SECONDS } from '../webhook/replay-window.ts';
import type { DownloadPolicy } from '../copy/download-policy.ts';
import { DEFAULT_JWT_AUTHORIZATION, type JwtAuthorization } from '../query/auth-settings.ts';

/** SOURCE_CLEANUP_AFTER_DAYS, SOURCE_CLEANUP_DRY_RUN, ARCHIVE_EXPIRE_AFTER_DAYS (0: off). */
export interface SourceCleanupSettings {
  readonly afterDays: number;
  readonly dryRun: boolean;
  readonly expireAfterDays: number;
}

export const ENV = {
  tableName: 'ARCHIVE_TABLE_NAME',
  bucketName: 'ARCHIVE_BUCKET_NAME',
  ingestQueueUrl: 'INGEST_QUEUE_URL',
  ingestDeadLetterQueueUrl: 'INGEST_DLQ_URL',
  deletionPolicy: 'DELETION_POLICY',
  copyMaxPartSizeBytes: 'COPY_MAX_PART_SIZE_BYTES',
  copyPartSizeBytes: 'COPY_PART_SIZE_BYTES',
  copyConnections: 'COPY_CONNECTIONS',
  presignTtlSeconds: 'PRESIGN_TTL_SECONDS',
  archiveApiToken: 'ARCHIVE_API_TOKEN',
  reconcileWindowHours: 'RECONCILE_WINDOW_HOURS',
  webhookReplayWindowSeconds: 'WEBHOOK_REPLAY_WINDOW_SECONDS',
  webhookParkedRetentionDays: 'WEBHOOK_PARKED_RETENTION_DAYS',
  downloadAllowInsecureLoopback: 'DOWNLOAD_ALLOW_INSECURE_LOOPBACK',
  downloadHostAllowlist: 'DOWNLOAD_HOST_ALLOWLIST',
  archiveApiAuth: 'ARCHIVE_API_AUTH',
  jwtReadScope: 'ARCHIVE_JWT_READ_SCOPE',
  jwtAdminScope: 'ARCHIVE_JWT_ADMIN_SCOPE',
  userIdClaim: 'ARCHIVE_USERID_CLAIM',
  consoleOidcIssuer: 'CONSOLE_OIDC_ISSUER',
  consoleOidcClientId: 'CONSOLE_OIDC_CLIENT_ID',
  consoleOidcScopes: 'CONSOLE_OIDC_SCOPES',
  consoleOidcAuthorizationEndpoint: 'CONSOLE_OIDC_AUTHORIZATION_ENDPOINT',
  consoleOidcTokenEndpoint: 'CONSOLE_OIDC_TOKEN_ENDPOINT',
  queryRecordType: 'TENCENT_MEETING_QUERY_RECORD_TYPE',
  archiveEventBusName: 'ARCHIVE_EVENT_BUS_NAME',
  archiveEventsFile: 'ARCHIVE_EVENTS_FILE',
  ingestMaxReceiveCount: 'INGEST_MAX_RECEIVE_COUNT',
  sourceCleanupAfterDays: 'SOURCE_CLEANUP_AFTER_DAYS',
  sourceCleanupDryRun: 'SOURCE_CLEANUP_DRY_RUN',
  expireAfterDays: 'ARCHIVE_EXPIRE_AFTER_DAYS',
  bucketObjectLock: 'ARCHIVE_BUCKET_OBJECT_LOCK',
  // The SDK's own per-service endpoints: unset in AWS (the region's endpoints); `npm start` sets
  // them for its functions, S3 and SQS on fauxqs processes of their own.
  dynamodbEndpoint: 'AWS_ENDPOINT_URL_DYNAMODB',
  s3Endpoint: 'AWS_ENDPOINT_URL_S3',
  sqsEndpoint: 'AWS_ENDPOINT_URL_SQS',
} as const;

export type DeletionPolicy = 'retain' | 'mirror';
export const DELETION_POLICIES: readonly DeletionPolicy[] = ['retain', 'mirror'];

/** Presigned archive links live at most an hour: short-lived by design. */
export const MAX_PRESIGN_TTL_SECONDS = 3600;
export const DEFAULT_PRESIGN_TTL_SECONDS = 600;
export const DEFAULT_RECONCILE_WINDOW_HOURS = 48;

/**
 * The copy's part size and connections to the source, chosen by `npm run bench:copy`'s cost table:
 * the cheapest setting (with the ingest function's memory, infra/constructs/ingest-pipeline.ts)
 * that holds the link's throughput. Larger parts mean fewer S3 requests and checkpoint bytes but
 * (connections + 2) × part size of buffers; more connections mean less Lambda time per file.
 */
export const DEFAULT_COPY_PART_SIZE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_COPY_CONNECTIONS = 8;
export const MAX_COPY_CONNECTIONS = 16;

/**
 * query_record_type on every /v1/records and /v1/corp/records call: 0 all, 1 cloud recordings
 * (Tencent's own default), 2 uploaded recordings (DOC-53224). The archive asks for all.
 */
export type QueryRecordType = 0 | 1 | 2;
export const DEFAULT_QUERY_RECORD_TYPE: QueryRecordType = 0;
/**
 * Where archive events go (shared/events/): EventBridge, on the bus ARCHIVE_EVENT_BUS_NAME (the
 * account's default bus unless set), or, when ARCHIVE_EVENTS_FILE is set, appended to that file
 * as JSON lines (npm start sets `<DATA_DIR>/events.jsonl`; there is no EventBridge locally).
 */
export type ArchiveEventsTarget = { readonly kind: 'eventbridge'; readonly busName: string } | { readonly kind: 'file'; readonly path: string };

/** A year and a day: a sweep (or a scheduled override) never plans further back than this. */
export const MAX_RECONCILE_WINDOW_HOURS = 24 * 366;

const blankToUndefined = z.blankToUndefined;
const required = z.preprocess(blankToUndefined, z.string({ error: 'is not set' }).check(z.trim()));
const optional = z.preprocess(blankToUndefined, z.optional(z.string().check(z.trim())));
// The console's sign-in endpoints: https, or http on the loopback for a local identity provider.
const oidcUrl = z.preprocess(
  blankToUndefined,
  z.optional(z.string().check(z.regex(/^(https:\/\/[^\s/]+|http:\/\/(127\.0\.0\.1|localhost)(:\d+)?)(\/\S*)?$/, 'must be an https URL (or http on 127.0.0.1)'))),
);
const wholeNumber = (min: number, max: number) => {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z.preprocess(
    blankToUndefined,
    z.optional(z.pipe(z.pipe(z.string().check(z.trim(), z.regex(/^\d+$/, rule)), z.transform(Number)), z.number().check(z.gte(min, rule), z.lte(max, rule)))),
  );
};

const flag = z.preprocess(
  (value) => (typeof value === 'string' ? blankToUndefined(value.trim().toLowerCase()) : value),
  z._default(z.enum(['true', 'false'], { error: 'must be "true" or "false"' }), 'false'),
);
// Comma-separated DNS suffixes (a leading `*.` or `.` is allowed and means the same).
const HOST_SUFFIX_LIST = /^\s*(\*?\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?\s*)(,\s*\*?\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?\s*)*,?\s*$/;
const hostSuffixes = z.preprocess(
  blankToUndefined,
  z.optional(z.string().check(z.regex(HOST_SUFFIX_LIST, 'must be comma-separated host names or suffixes, e.g. myqcloud.com,qq.com'))),
);

/** DOWNLOAD_HOST_ALLOWLIST as suffixes: lower case, without a leading `*.` / `.`. */
function hostSuffixList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase().replace(/^\*?\./, ''))
    .filter(Boolean);
}

const days = z.preprocess(
  blankToUndefined,
  z.optional(z.coerce.number({ error: 'must be a number of days (0 = off)' }).check(z.gte(0, 'must be a number of days (0 = off)'), z.lte(36_500, 'must be at most 36500 days'))),
);

// 1/true or 0/false (SOURCE_CLEANUP_DRY_RUN=1 reads as it is meant).
const onOff = z.preprocess(
  (value) => (typeof value === 'string' ? blankToUndefined(value.trim().toLowerCase()) : value),
  z._default(z.pipe(z.enum(['1', '0', 'true', 'false'], { error: 'must be 1 or 0 (true or false)' }), z.transform((v) => v === '1' || v === 'true')), false),
);

const queryRecordType = z.preprocess(
  blankToUndefined,
  z._default(
    z.pipe(
      z.enum(['0', '1', '2'], { error: 'must be 0 (all recordings), 1 (cloud recordings) or 2 (uploaded recordings)' }),
      z.transform((value) => Number(value) as QueryRecordType),
    ),
    DEFAULT_QUERY_RECORD_TYPE,
  ),
);

// A bus name or ARN, as PutEvents takes it.
const EVENT_BUS = /^(arn:aws[\w-]*:events:[\w-]+:\d{12}:event-bus\/)?[\w.\-/]{1,256}$/;
const eventSettings = {
  [ENV.archiveEventBusName]: z.preprocess(blankToUndefined, z.optional(z.string().check(z.trim(), z.regex(EVENT_BUS, 'must be an event bus name or ARN')))),
  [ENV.archiveEventsFile]: z.preprocess(blankToUndefined, z.optional(z.string().check(z.trim()))),
};

function eventsTarget(raw: { [ENV.archiveEventBusName]?: string | undefined; [ENV.archiveEventsFile]?: string | undefined }): ArchiveEventsTarget {
  const path = raw[ENV.archiveEventsFile];
  return path ? { kind: 'file', path } : { kind: 'eventbridge', busName: raw[ENV.archiveEventBusName] ?? 'default' };
}

const schemas = {
  webhook: z.object({
    [ENV.tableName]: required,
    [ENV.ingestQueueUrl]: required,
    // Under the dedupe marker's 7 days, or a replay slips in between (shared/webhook/replay-window.ts).
    [ENV.webhookReplayWindowSeconds]: wholeNumber(60, MAX_REPLAY_WINDOW_SECONDS),
    [ENV.webhookParkedRetentionDays]: wholeNumber(1, 365),
  }),
  ingest: z.object({
    [ENV.tableName]: required,
    [ENV.bucketName]: required,
    [ENV.ingestQueueUrl]: required,
    [ENV.ingestDeadLetterQueueUrl]: optional,
    [ENV.deletionPolicy]: z.preprocess(blankToUndefined, z._default(z.enum(DELETION_POLICIES, { error: 'must be "retain" or "mirror"' }), 'retain')),
    // S3's own limits: parts of 5 MiB to 5 GiB.
    [ENV.copyMaxPartSizeBytes]: wholeNumber(5 * 1024 * 1024, 5 * 1024 ** 3),
    [ENV.copyPartSizeBytes]: wholeNumber(5 * 1024 * 1024, 5 * 1024 ** 3),
    [ENV.copyConnections]: wholeNumber(1, MAX_COPY_CONNECTIONS),
    // Off unless set: in AWS a download link is https to a public host. npm start sets it (its
    // simulator serves http on 127.0.0.1) unless the user says otherwise.
    [ENV.downloadAllowInsecureLoopback]: flag,
    [ENV.downloadHostAllowlist]: hostSuffixes,
    [ENV.queryRecordType]: queryRecordType,
    ...eventSettings,
    // The queue's redrive count (the stack sets it): the receive after which a failure is final.
    [ENV.ingestMaxReceiveCount]: wholeNumber(1, 1000),
  }),
  query: z.object({
    [ENV.tableName]: required,
    [ENV.bucketName]: optional,
    [ENV.archiveApiToken]: optional,
    [ENV.presignTtlSeconds]: wholeNumber(1, MAX_PRESIGN_TTL_SECONDS),
    // `iam`: account-wide (IAM in AWS, the bearer token locally). `jwt`: scopes and the userid claim
    // decide what a caller sees (shared/query/caller.ts); the CDK stack sets it with a JWT issuer.
    [ENV.archiveApiAuth]: z.preprocess(blankToUndefined, z._default(z.enum(['iam', 'jwt'], { error: 'must be "iam" or "jwt"' }), 'iam')),
    [ENV.jwtReadScope]: optional,
    [ENV.jwtAdminScope]: optional,
    [ENV.userIdClaim]: optional,
    [ENV.consoleOidcIssuer]: oidcUrl,
    [ENV.consoleOidcClientId]: optional,
    [ENV.consoleOidcScopes]: optional,
    [ENV.consoleOidcAuthorizationEndpoint]: oidcUrl,
    [ENV.consoleOidcTokenEndpoint]: oidcUrl,
    // The bucket has S3 Object Lock (the stack's objectLock prop): legal holds are also set on its objects.
    [ENV.bucketObjectLock]: flag,
  }),
  reconcile: z.object({
    [ENV.tableName]: required,
    [ENV.ingestQueueUrl]: required,
    [ENV.queryRecordType]: queryRecordType,
    ...eventSettings,
    // 0 or unset: off. Days since a file's copy was verified before Tencent's copy is deleted
    // (a fraction is allowed: 0.5 is 12 hours).
    [ENV.sourceCleanupAfterDays]: days,
    [ENV.sourceCleanupDryRun]: onOff,
    // 0 or unset: off. Days since a file's copy was verified before the archive removes it (unless held).
    [ENV.expireAfterDays]: days,
    [ENV.reconcileWindowHours]: z.preprocess(
      blankToUndefined,
      z.optional(z.coerce.number({ error: 'must be a positive number of hours' }).check(z.positive('must be a positive number of hours'), z.lte(MAX_RECONCILE_WINDOW_HOURS, `must be at most ${MAX_RECONCILE_WINDOW_HOURS} hours`))),
    ),
  }),
};

export type FunctionSettingsName = keyof typeof schemas;

function parse<N extends FunctionSettingsName>(name: N, env: Readonly<Record<string, string | undefined>>): z.infer<(typeof schemas)[N]> {
  const parsed = schemas[name].safeParse(env);
  if (parsed.success) return parsed.data as z.infer<(typeof schemas)[N]>;
  const problems = parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`);
  throw new ValidationError(`Invalid ${name} function settings: ${problems.join('; ')}`, {
    variables: parsed.error.issues.map((issue) => String(issue.path[0])),
  });
}

export interface WebhookSettings {
  readonly tableName: string;
  readonly queueUrl: string;
  /** Signed deliveries whose timestamp is further than this from now are refused. */
  readonly replayWindowSeconds: number;
  /** How long parked (and repaired) events are kept for `npm run parked`. */
  readonly parkedRetentionDays: number;
}

export interface IngestSettings {
  readonly tableName: string;
  readonly bucketName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl?: string;
  readonly deletionPolicy: DeletionPolicy;
  readonly maxPartSizeBytes?: number;
  /** Preferred part size (the cap above wins, and parts grow past S3's part limits). */
  readonly partSizeBytes: number;
  /** Connections to the source per copy, each streaming its own run of parts. */
  readonly connections: number;
  readonly downloadPolicy: DownloadPolicy;
  readonly queryRecordType: QueryRecordType;
  readonly events: ArchiveEventsTarget;
  readonly maxReceiveCount?: number;
}

export interface QuerySettings {
  readonly tableName: string;
  readonly bucketName?: string;
  readonly apiToken?: string;
  readonly presignTtlSeconds?: number;
  /** Set in JWT mode only: which scopes and claim decide what a caller sees. */
  readonly jwtAuthorization?: JwtAuthorization;
  /** The console's sign-in (authorization code + PKCE), when an issuer and client id are set. */
  readonly consoleOidc?: ConsoleOidcSettings;
  /** The bucket has S3 Object Lock: a legal hold is also put on every archived object. */
  readonly objectLock: boolean;
}

export interface ConsoleOidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** Without them the page reads the issuer's /.well-known/openid-configuration. */
  readonly authorizationEndpoint?: string;
  readonly tokenEndpoint?: string;
}

export interface ReconcileSettings {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly windowHours?: number;
  readonly queryRecordType: QueryRecordType;
  readonly events: ArchiveEventsTarget;
  readonly sourceCleanup: SourceCleanupSettings;
}

type Env = Readonly<Record<string, string | undefined>>;

export function webhookSettings(env: Env): WebhookSettings {
  const raw = parse('webhook', env);
  return {
    tableName: raw[ENV.tableName],
    queueUrl: raw[ENV.ingestQueueUrl],
    replayWindowSeconds: raw[ENV.webhookReplayWindowSeconds] ?? DEFAULT_REPLAY_WINDOW_SECONDS,
    parkedRetentionDays: raw[ENV.webhookParkedRetentionDays] ?? DEFAULT_PARKED_RETENTION_DAYS,
  };
}

export function ingestSettings(env: Env): IngestSettings {
  const raw = parse('ingest', env);
  const deadLetterQueueUrl = raw[ENV.ingestDeadLetterQueueUrl];
  const maxPartSizeBytes = raw[ENV.copyMaxPartSizeBytes];
  return {
    tableName: raw[ENV.tableName],
    bucketName: raw[ENV.bucketName],
    queueUrl: raw[ENV.ingestQueueUrl],
    deletionPolicy: raw[ENV.deletionPolicy],
    partSizeBytes: raw[ENV.copyPartSizeBytes] ?? DEFAULT_COPY_PART_SIZE_BYTES,
    connections: raw[ENV.copyConnections] ?? DEFAULT_COPY_CONNECTIONS,
    downloadPolicy: { allowInsecureLoopback: raw[ENV.downloadAllowInsecureLoopback] === 'true', hostAllowlist: hostSuffixList(raw[ENV.downloadHostAllowlist]) },
    queryRecordType: raw[ENV.queryRecordType],
    events: eventsTarget(raw),
    ...(raw[ENV.ingestMaxReceiveCount] !== undefined ? { maxReceiveCount: raw[ENV.ingestMaxReceiveCount] } : {}),
    ...(deadLetterQueueUrl ? { deadLetterQueueUrl } : {}),
    ...(maxPartSizeBytes !== undefined ? { maxPartSizeBytes } : {}),
  };
}

export function querySettings(env: Env): QuerySettings {
  const raw = parse('query', env);
  const bucketName = raw[ENV.bucketName];
  const apiToken = raw[ENV.archiveApiToken];
  const presignTtlSeconds = raw[ENV.presignTtlSeconds];
  return {
    tableName: raw[ENV.tableName],
    ...(bucketName ? { bucketName } : {}),
    ...(apiToken ? { apiToken } : {}),
    ...(presignTtlSeconds !== undefined ? { presignTtlSeconds } : {}),
    objectLock: raw[ENV.bucketObjectLock] === 'true',
    ...(raw[ENV.archiveApiAuth] === 'jwt'
      ? {
          jwtAuthorization: {
            readScope: raw[ENV.jwtReadScope] ?? DEFAULT_JWT_AUTHORIZATION.readScope,
            adminScope: raw[ENV.jwtAdminScope] ?? DEFAULT_JWT_AUTHORIZATION.adminScope,
            userIdClaim: raw[ENV.userIdClaim] ?? DEFAULT_JWT_AUTHORIZATION.userIdClaim,
          },
        }
      : {}),
    ...consoleOidcSettings(raw),
  };
}

function consoleOidcSettings(raw: z.infer<(typeof schemas)['query']>): { consoleOidc?: ConsoleOidcSettings } {
  const issuer = raw[ENV.consoleOidcIssuer];
  const clientId = raw[ENV.consoleOidcClientId];
  if (!issuer || !clientId) return {};
  const readScope = raw[ENV.jwtReadScope] ?? DEFAULT_JWT_AUTHORIZATION.readScope;
  const scopes = (raw[ENV.consoleOidcScopes] ?? `openid ${readScope}`).split(/\s+/).filter(Boolean);
  const authorizationEndpoint = raw[ENV.consoleOidcAuthorizationEndpoint];
  const tokenEndpoint = raw[ENV.consoleOidcTokenEndpoint];
  return {
    consoleOidc: { issuer, clientId, scopes, ...(authorizationEndpoint ? { authorizationEndpoint } : {}), ...(tokenEndpoint ? { tokenEndpoint } : {}) },
  };
}

export function reconcileSettings(env: Env): ReconcileSettings {
  const raw = parse('reconcile', env);
  const windowHours = raw[ENV.reconcileWindowHours];
  return {
    tableName: raw[ENV.tableName],
    queueUrl: raw[ENV.ingestQueueUrl],
    queryRecordType: raw[ENV.queryRecordType],
    events: eventsTarget(raw),
    ...(windowHours !== undefined ? { windowHours } : {}),
    sourceCleanup: {
      afterDays: raw[ENV.sourceCleanupAfterDays] ?? 0,
      dryRun: raw[ENV.sourceCleanupDryRun],
      expireAfterDays: raw[ENV.expireAfterDays] ?? 0,
    },
  };
}

/** TENCENT_MEETING_QUERY_RECORD_TYPE alone, for tools that list recordings outside a function (npm run backfill). */
export function queryRecordTypeSetting(env: Env): QueryRecordType {
  const parsed = z.object({ [ENV.queryRecordType]: queryRecordType }).safeParse(env);
  if (parsed.success) return parsed.data[ENV.queryRecordType];
  throw new ValidationError(`Invalid settings: ${ENV.queryRecordType} ${parsed.error.issues[0]?.message ?? 'is invalid'}`, { variables: [ENV.queryRecordType] });
}
