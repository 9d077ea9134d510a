// Command-line arguments of `npm run backfill`, parsed without a dependency (node:util parseArgs)
// and validated up front: a bad argument ends the command with a clear message before anything is
// read or sent.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { BackfillRange } from '../../../shared/reconcile/backfill.ts';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The target flags in a command's usage text (backfill's and parked's). */
export const TARGET_FLAGS_USAGE = `  --stack-outputs <file>   cdk-outputs.json of a deployed stack (IngestQueueUrl, TableName)
  --stack <name>           which stack in that file, when it holds several
  --queue-url <url>        the ingest queue
  --table <name>           the archive table
  --region <region>        AWS region of a deployed stack
  --dynamodb-endpoint <url>, --aws-endpoint <url>   local emulator endpoints`;

export const BACKFILL_USAGE = `Usage: npm run backfill -- --from <date> --to <date> [options]

Imports Tencent Meeting cloud recordings of any period into the archive: lists them through
GET /v1/corp/records (in legal 31-day windows, within the shared 10 calls/min budget) and enqueues
every file the archive does not hold yet. Interrupted, run the same command again: it continues.

  --from <date>            first day (YYYY-MM-DD) or instant (ISO 8601, e.g. 2026-01-01T08:00:00+08:00)
  --to <date>              last day, inclusive (YYYY-MM-DD), or an instant
  --utc-offset <±HH:MM>    time zone of date-only --from/--to (default +00:00; China: +08:00)
  --dry-run                count meetings, files and bytes that would be archived; enqueue nothing
  --restart                start the range over even if an earlier run completed it
  --requeue-after-hours <n>  re-send a file still not archived this long after it was enqueued (default 168)

Target (default: the local stack):
${TARGET_FLAGS_USAGE}
                           (default: $DATA_DIR/local-stack.json, left by npm start (DATA_DIR: .data),
                           then AWS_ENDPOINT_URL_*, then :8000 / :4566)

Tencent credentials come from the environment (TENCENT_MEETING_*), or from the local stack's
simulator when targeting the local stack.
  -h, --help               show this help`;

export interface BackfillTarget {
  readonly stackOutputs?: string;
  readonly stack?: string;
  readonly queueUrl?: string;
  readonly table?: string;
  readonly region?: string;
  readonly dynamodbEndpoint?: string;
  readonly awsEndpoint?: string;
}

export interface BackfillArgs extends BackfillRange {
  readonly help: boolean;
  readonly dryRun: boolean;
  readonly restart: boolean;
  readonly requeueAfterHours: number;
  readonly target: BackfillTarget;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$|^Z$/;
const DAY_SEC = 86_400;

function offsetSeconds(value: string): number {
  const match = OFFSET.exec(value);
  if (!match) throw new UsageError(`--utc-offset must look like +08:00 or -05:00 (got '${value}')`);
  if (value === 'Z') return 0;
  const [, sign, hh, mm] = match;
  const seconds = Number(hh) * 3600 + Number(mm) * 60;
  if (Number(hh) > 14 || Number(mm) > 59) throw new UsageError(`--utc-offset out of range: '${value}'`);
  return sign === '-' ? -seconds : seconds;
}

/** A date-only value means that whole day in the given offset; anything else must be an ISO instant with a zone. */
function parseInstant(flag: string, value: string, offsetSec: number, endOfDay: boolean): { sec: number; label: string } {
  const date = DATE_ONLY.exec(value);
  if (date) {
    const [, y, m, d] = date;
    const ms = Date.UTC(Number(y), Number(m) - 1, Number(d));
    const check = new Date(ms);
    if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(m) - 1 || check.getUTCDate() !== Number(d)) {
      throw new UsageError(`${flag}: '${value}' is not a calendar date`);
    }
    // Inclusive `--to` day: up to the last second of that day.
    const sec = ms / 1000 - offsetSec + (endOfDay ? DAY_SEC - 1 : 0);
    return { sec, label: value };
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    throw new UsageError(`${flag}: expected YYYY-MM-DD or an ISO 8601 time with a zone (e.g. 2026-01-01T08:00:00+08:00), got '${value}'`);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`${flag}: '${value}' is not a valid time`);
  return { sec: Math.floor(ms / 1000), label: new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z') };
}

function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number (got '${value}')`);
  return n;
}

function url(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // A pattern, not new URL(): emulator queue URLs such as http://sqs.us-east-1.127.0.0.1:4566/… are
  // valid for the SDK but not for the WHATWG parser (a host ending in a number must be an IPv4).
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(value)) throw new UsageError(`${flag} must be an http(s) URL (got '${value}')`);
  return value;
}

/** The flags that say which stack a command talks to: shared by backfill, parked, counters, status, redrive and archive. */
export const TARGET_OPTIONS = {
  'stack-outputs': { type: 'string' },
  stack: { type: 'string' },
  'queue-url': { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  'dynamodb-endpoint': { type: 'string' },
  'aws-endpoint': { type: 'string' },
} as const;

type TargetFlags = { readonly [K in keyof typeof TARGET_OPTIONS]?: string | undefined };

/** parseArgs' messages name the flag ("Unknown option '--form'"); keep them, drop the error code. */
export function usageErrorOf(error: unknown): UsageError {
  return new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
}

/** parseArgs of a command that takes the target flags besides its own `options`; a bad flag is a UsageError naming it. */
export function parseTargetArgs<const O extends ParseArgsOptionsConfig>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { ...options, ...TARGET_OPTIONS } }).values;
  } catch (error) {
    throw usageErrorOf(error);
  }
}

interface ErrorOutput {
  write(chunk: string): unknown;
}

/** How every command answers a bad argument: the message and a pointer to --help on stderr, exit code 2. Any other error is rethrown. */
export function usageExit(error: unknown, command: string, stderr: ErrorOutput): 2 {
  if (!(error instanceof UsageError)) throw error;
  stderr.write(`${command}: ${error.message}\n`);
  stderr.write('Run with --help for usage.\n');
  return 2;
}

/** How every command answers a failure once its arguments were read: the message on stderr, exit code 2 for a UsageError (a target the flags do not name), else 1. */
export function failureExit(error: unknown, command: string, stderr: ErrorOutput): 1 | 2 {
  stderr.write(`${command}: ${error instanceof Error ? error.message : String(error)}\n`);
  return error instanceof UsageError ? 2 : 1;
}

export function parseTargetFlags(values: TargetFlags): BackfillTarget {
  const deployed = values['stack-outputs'] ?? values['queue-url'] ?? values.table;
  const local = values['dynamodb-endpoint'] ?? values['aws-endpoint'];
  if (deployed !== undefined && local !== undefined && values['stack-outputs'] !== undefined) {
    throw new UsageError('--stack-outputs targets a deployed stack; it cannot be combined with --dynamodb-endpoint / --aws-endpoint');
  }
  if (values.stack !== undefined && values['stack-outputs'] === undefined) throw new UsageError('--stack needs --stack-outputs <file>');
  if (values.table !== undefined && values.table.trim() === '') throw new UsageError('--table must not be empty');
  return {
    ...(values['stack-outputs'] !== undefined ? { stackOutputs: values['stack-outputs'] } : {}),
    ...(values.stack !== undefined ? { stack: values.stack } : {}),
    ...(values['queue-url'] !== undefined ? { queueUrl: url('--queue-url', values['queue-url'])! } : {}),
    ...(values.table !== undefined ? { table: values.table } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values['dynamodb-endpoint'] !== undefined ? { dynamodbEndpoint: url('--dynamodb-endpoint', values['dynamodb-endpoint'])! } : {}),
    ...(values['aws-endpoint'] !== undefined ? { awsEndpoint: url('--aws-endpoint', values['aws-endpoint'])! } : {}),
  };
}

export function parseBackfillArgs(argv: readonly string[], nowMs: number = Date.now()): BackfillArgs {
  const values = parseTargetArgs(argv, {
    help: { type: 'boolean', short: 'h' },
    from: { type: 'string' },
    to: { type: 'string' },
    'utc-offset': { type: 'string' },
    'dry-run': { type: 'boolean' },
    restart: { type: 'boolean' },
    'requeue-after-hours': { type: 'string' },
  });
  const empty: BackfillArgs = {
    help: true, startSec: 0, endSec: 0, fromLabel: '', toLabel: '', dryRun: false, restart: false, requeueAfterHours: 168, target: {},
  };
  if (values.help) return empty;
  if (!values.from || !values.to) throw new UsageError(`${!values.from ? '--from' : '--to'} is required (e.g. --from 2026-01-01 --to 2026-03-31)`);

  const offset = offsetSeconds(values['utc-offset'] ?? '+00:00');
  const from = parseInstant('--from', values.from, offset, false);
  const to = parseInstant('--to', values.to, offset, true);
  if (to.sec < from.sec) throw new UsageError(`--to (${values.to}) is before --from (${values.from})`);
  const nowSec = Math.floor(nowMs / 1000);
  if (from.sec > nowSec) throw new UsageError(`--from (${values.from}) is in the future`);
  const offsetLabel = values['utc-offset'] && offset !== 0 ? values['utc-offset'] : '';

  const target = parseTargetFlags(values);
  return {
    help: false,
    // Tencent refuses an end_time in the future on some APIs; the present is as far as anything exists.
    startSec: from.sec,
    endSec: Math.min(to.sec, nowSec),
    fromLabel: from.label + offsetLabel,
    toLabel: to.label + offsetLabel,
    dryRun: values['dry-run'] ?? false,
    restart: values.restart ?? false,
    requeueAfterHours: positiveNumber('--requeue-after-hours', values['requeue-after-hours'], 168),
    target,
  };
}
