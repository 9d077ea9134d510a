// `npm start` settings from the environment and the command line, validated up front so a typo
// fails with the variable's name before anything starts. Pure: no I/O, no emulator imports.
import { isAbsolute, resolve } from 'node:path';
import { ENV, ingestSettings, querySettings, reconcileSettings } from '../../shared/config/environment.ts';
import { ValidationError } from '../../shared/errors.ts';

export interface LocalStackConfig {
  readonly host: string;
  /** Gateway port (PORT). 0 picks a free one. */
  readonly port: number;
  readonly dynamodbPort: number;
  /** fauxqs serving S3, in a process of its own. */
  readonly s3Port: number;
  /** fauxqs serving SQS, beside DynamoDB Local's parent. */
  readonly sqsPort: number;
  readonly dataDir: string;
  /** --fresh: wipe dataDir before starting. */
  readonly fresh: boolean;
  /** Start the Tencent Meeting simulator (TENCENT_MEETING_API_BASE unset). */
  readonly simulator: { readonly port: number } | null;
  /** Drive one demo meeting through the simulator once the stack is up. */
  readonly demo: boolean;
  readonly apiToken: string | undefined;
  readonly ingest: {
    readonly timeoutSeconds: number;
    readonly batchSize: number;
    readonly concurrency: number;
    readonly visibilityTimeoutSeconds: number;
  };
  /** Minutes between reconcile sweeps; 0 disables the schedule. */
  readonly reconcileIntervalMinutes: number;
  /** The queue poller and the ingest function in a process of their own, apart from the gateway. */
  readonly ingestOwnProcess: boolean;
  /**
   * The functions' documented settings as the user set them (DELETION_POLICY, PRESIGN_TTL_SECONDS,
   * RECONCILE_WINDOW_HOURS, COPY_MAX_PART_SIZE_BYTES, …): passed to the functions unchanged, so
   * each means locally what it means in AWS.
   */
  readonly functionSettings: Readonly<Record<string, string>>;
  /** TENCENT_MEETING_* values from the environment (credentials, or overrides for the simulator). */
  readonly tencentEnv: Readonly<Record<string, string>>;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS = {
  PORT: 3000,
  SIMULATOR_PORT: 3100,
  DYNAMODB_PORT: 8000,
  S3_EMULATOR_PORT: 4566,
  SQS_EMULATOR_PORT: 4567,
  DATA_DIR: '.data',
  // Lambda allows 900 s; locally a shorter deadline makes the copy engine's checkpoint-and-continue
  // path run on any file that takes longer than this.
  INGEST_TIMEOUT_SECONDS: 120,
  // As in the CDK stack: one file per invocation, so a slow file never holds others back.
  INGEST_BATCH_SIZE: 1,
  INGEST_CONCURRENCY: 2,
  // The deployed stack reconciles hourly.
  RECONCILE_INTERVAL_MINUTES: 60,
} as const;

export const USAGE = `Usage: npm start [-- --fresh] [-- --no-demo]

Runs the whole archive on this machine: DynamoDB Local, fauxqs for S3 and another for SQS, the webhook and archive
API behind a local API gateway, the ingest worker, the reconcile schedule, and (unless
TENCENT_MEETING_API_BASE is set) a Tencent Meeting simulator with a demo meeting.

  --fresh      wipe the data directory first
  --no-demo    do not drive the demo meeting through the simulator

Environment (all optional):
  PORT (${DEFAULTS.PORT})  SIMULATOR_PORT (${DEFAULTS.SIMULATOR_PORT})  DYNAMODB_PORT (${DEFAULTS.DYNAMODB_PORT})
  S3_EMULATOR_PORT (${DEFAULTS.S3_EMULATOR_PORT})  SQS_EMULATOR_PORT (${DEFAULTS.SQS_EMULATOR_PORT})
  DATA_DIR (${DEFAULTS.DATA_DIR})  ARCHIVE_API_TOKEN (generated)  LOG_LEVEL (WARN for the functions' JSON logs)
  TENCENT_MEETING_API_BASE, _APP_ID, _SDK_ID, _SECRET_ID, _SECRET_KEY, _OPERATOR_ID, _OPERATOR_ID_TYPE,
    _WEBHOOK_TOKEN, _ENCODING_AES_KEY: use a real (or compatible) Tencent Meeting API instead of the simulator
  INGEST_TIMEOUT_SECONDS (${DEFAULTS.INGEST_TIMEOUT_SECONDS})  INGEST_BATCH_SIZE (${DEFAULTS.INGEST_BATCH_SIZE})  INGEST_CONCURRENCY (${DEFAULTS.INGEST_CONCURRENCY})
  INGEST_VISIBILITY_TIMEOUT_SECONDS (timeout + 30)  RECONCILE_INTERVAL_MINUTES (${DEFAULTS.RECONCILE_INTERVAL_MINUTES}, 0 = off)
  INGEST_OWN_PROCESS (true: the ingest worker in a process apart from the gateway; false: one process for both)
  The functions' own settings apply as in AWS: DELETION_POLICY (retain)  PRESIGN_TTL_SECONDS (600)
    RECONCILE_WINDOW_HOURS (48)  COPY_MAX_PART_SIZE_BYTES (10 MiB locally: the S3 emulator's body cap)
    DOWNLOAD_ALLOW_INSECURE_LOOPBACK (true locally, false in AWS)  DOWNLOAD_HOST_ALLOWLIST (any public host)
    ARCHIVE_EVENTS_FILE (DATA_DIR/events.jsonl locally; archive events as JSON lines, tail -f it)
    SOURCE_CLEANUP_AFTER_DAYS (0 = off)  SOURCE_CLEANUP_DRY_RUN (0)  ARCHIVE_EXPIRE_AFTER_DAYS (0 = off)
`;

/** Function variables the local stack sets itself: its resources' names, and the API token it resolves. */
const SUPPLIED_BY_THE_STACK: ReadonlySet<string> = new Set([
  ENV.tableName,
  ENV.bucketName,
  ENV.ingestQueueUrl,
  ENV.ingestDeadLetterQueueUrl,
  ENV.archiveApiToken,
  ENV.ingestMaxReceiveCount,
  ENV.dynamodbEndpoint,
  ENV.s3Endpoint,
  ENV.sqsEndpoint,
]);

/**
 * Every function setting the user set, checked now by the functions' own parsers (with stand-in
 * resource names), so a typo fails before anything starts and names the variable.
 */
function functionSettingsFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const name of Object.values(ENV)) {
    const value = env[name]?.trim();
    if (!SUPPLIED_BY_THE_STACK.has(name) && value) settings[name] = value;
  }
  const standIns = { [ENV.tableName]: 'local', [ENV.bucketName]: 'local', [ENV.ingestQueueUrl]: 'local' };
  let query: ReturnType<typeof querySettings>;
  try {
    for (const parse of [ingestSettings, reconcileSettings]) parse({ ...standIns, ...settings });
    query = querySettings({ ...standIns, ...settings });
  } catch (error) {
    if (error instanceof ValidationError) throw new ConfigError(error.message);
    throw error;
  }
  // fauxqs answers PutObjectLegalHold as a PutObject: the recording would be replaced by the request's XML.
  if (query.objectLock) {
    throw new ConfigError(`${ENV.bucketObjectLock} must stay unset locally: the local S3 (fauxqs) implements no Object Lock and would store a legal hold request as the object itself`);
  }
  return settings;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return Number(raw);
}

const port = (env: NodeJS.ProcessEnv, name: keyof typeof DEFAULTS) => integer(env, name, DEFAULTS[name] as number, 0, 65535);

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got '${env[name]}'`);
}

export function parseArgs(argv: readonly string[]): { fresh: boolean; demo: boolean; help: boolean } {
  const out = { fresh: false, demo: true, help: false };
  for (const arg of argv) {
    if (arg === '--fresh') out.fresh = true;
    else if (arg === '--no-demo') out.demo = false;
    else if (arg === '--help' || arg === '-h') out.help = true;
    else throw new ConfigError(`unknown option ${arg}\n\n${USAGE}`);
  }
  return out;
}

/** DATA_DIR, relative to `cwd` unless absolute: `npm start` keeps its state there, and tools find the running stack there. */
export function resolveDataDir(env: NodeJS.ProcessEnv, cwd: string): string {
  const dataDir = env.DATA_DIR?.trim() || DEFAULTS.DATA_DIR;
  return isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir);
}

export function loadLocalStackConfig(env: NodeJS.ProcessEnv, argv: readonly string[], cwd: string = process.cwd()): LocalStackConfig {
  const args = parseArgs(argv);
  if (env.AWS_EMULATOR_PORT?.trim()) {
    throw new ConfigError('AWS_EMULATOR_PORT is gone: S3 and SQS now run in fauxqs processes of their own, on S3_EMULATOR_PORT and SQS_EMULATOR_PORT');
  }
  const tencentEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('TENCENT_MEETING_') && value !== undefined && value.trim() !== '') tencentEnv[name] = value.trim();
  }
  const remote = tencentEnv.TENCENT_MEETING_API_BASE !== undefined;
  const timeoutSeconds = integer(env, 'INGEST_TIMEOUT_SECONDS', DEFAULTS.INGEST_TIMEOUT_SECONDS, 10, 900);
  const apiToken = env.ARCHIVE_API_TOKEN?.trim();
  return {
    host: '127.0.0.1',
    port: port(env, 'PORT'),
    dynamodbPort: port(env, 'DYNAMODB_PORT'),
    s3Port: port(env, 'S3_EMULATOR_PORT'),
    sqsPort: port(env, 'SQS_EMULATOR_PORT'),
    dataDir: resolveDataDir(env, cwd),
    fresh: args.fresh,
    simulator: remote ? null : { port: port(env, 'SIMULATOR_PORT') },
    demo: !remote && args.demo && flag(env, 'DEMO', true),
    apiToken: apiToken ? apiToken : undefined,
    ingest: {
      timeoutSeconds,
      batchSize: integer(env, 'INGEST_BATCH_SIZE', DEFAULTS.INGEST_BATCH_SIZE, 1, 10),
      concurrency: integer(env, 'INGEST_CONCURRENCY', DEFAULTS.INGEST_CONCURRENCY, 1, 16),
      visibilityTimeoutSeconds: integer(env, 'INGEST_VISIBILITY_TIMEOUT_SECONDS', timeoutSeconds + 30, 1, 43_200),
    },
    reconcileIntervalMinutes: integer(env, 'RECONCILE_INTERVAL_MINUTES', DEFAULTS.RECONCILE_INTERVAL_MINUTES, 0, 24 * 60),
    ingestOwnProcess: flag(env, 'INGEST_OWN_PROCESS', true),
    functionSettings: functionSettingsFrom(env),
    tencentEnv,
  };
}
