// `npm run archive -- --meeting-id <id> | --meeting-code <code> | --record-file-id <id>`: enqueues
// the message a webhook or the sweep would send (shared/operations/archive-now.ts), then waits and
// prints progress until the files are archived or one failed (--no-wait: enqueue only). Kept apart
// from its entry (infra/local/archive.ts) so tests drive it in-process.
import { setTimeout as sleep } from 'node:timers/promises';
import { queryRecordTypeSetting } from '../../../shared/config/environment.ts';
import {
  archiveProgress,
  enqueueArchive,
  filesTencentLists,
  type ArchiveProgress,
  type ArchiveSelector,
  type FileProgress,
} from '../../../shared/operations/archive-now.ts';
import { TencentMeetingClient } from '../../../shared/tencent/client.ts';
import { loadTencentConfig } from '../../../shared/tencent/config.ts';
import { formatBytes } from '../console-log.ts';
import { formatCopy } from './status-format.ts';
import { failureExit, OPERATIONS_TARGET_USAGE, parseOperationArgs, positiveInteger, resolveOperationsTarget, usageExit, UsageError, type OperationsIo } from './target.ts';

export const ARCHIVE_USAGE = `Usage: npm run archive -- (--meeting-id <id> | --meeting-code <code> | --record-file-id <id>) [options] [target flags]

Archives one meeting now: puts on the ingest queue the message a webhook event or the reconcile sweep
would send, then waits and prints progress until every file is archived, or one failed.
  --meeting-id <id>        every recording of the meeting Tencent lists (searching back as for an event:
                           the last week, then three more 30-day windows)
  --meeting-code <code>    the meeting the 9-digit code names (GET /v1/meetings?meeting_code=…, and any
                           meeting the archive holds under that code), then as --meeting-id
  --record-file-id <id>    one record file (its meeting comes from the index, or from GET /v1/addresses/{id})

  --no-wait                enqueue only
  --timeout <minutes>      stop waiting after this long (default 60); the archive goes on regardless
  --interval <seconds>     how often progress is read (default 2)

Tencent credentials (for --meeting-code, and to learn a meeting's files while waiting) come from the
environment (TENCENT_MEETING_*, or TENCENT_MEETING_SECRET_ARN), or from the local stack's simulator.
Exit codes: 0 archived (or enqueued, --no-wait), 1 a file failed or the wait timed out, 2 bad arguments.

${OPERATIONS_TARGET_USAGE}
  -h, --help               show this help`;

export interface ArchiveOutcome {
  readonly exitCode: number;
  readonly progress?: ArchiveProgress;
}

export interface ArchiveIo extends OperationsIo {
  /** Tests: a client instead of one built from the environment. */
  readonly tencent?: TencentMeetingClient;
}

function selectorOf(values: Record<string, string | boolean | undefined>): ArchiveSelector {
  const given = (['meeting-id', 'meeting-code', 'record-file-id'] as const).filter((flag) => values[flag] !== undefined);
  if (given.length !== 1) throw new UsageError('give exactly one of --meeting-id, --meeting-code, --record-file-id');
  const value = String(values[given[0]!]).trim();
  if (!/^[\w-]{1,64}$/.test(value)) throw new UsageError(`--${given[0]} must be an id of letters and digits (got '${value}')`);
  if (given[0] === 'meeting-id') return { by: 'meetingId', meetingId: value };
  if (given[0] === 'meeting-code') return { by: 'meetingCode', meetingCode: value };
  return { by: 'recordFileId', recordFileId: value };
}

export function describeFile(file: FileProgress, nowIso: string): string {
  const head = `file ${file.recordFileId}${file.subject ? ` "${file.subject}"` : ''}: ${file.status === 'unknown' ? 'waiting for the worker to index it' : file.status}`;
  if (file.artifacts.length === 0) return head;
  const artifacts = file.artifacts.map((a) => {
    const copy = file.copies.find((c) => c.artifact === a.artifact);
    if (copy?.bytesDone !== undefined) return formatCopy(copy, nowIso).replace(/^ +\S+ ?("[^"]*")?: /, `${a.artifact} `);
    return `${a.artifact} ${a.status}${a.status === 'archived' && a.bytes !== undefined ? ` ${formatBytes(a.bytes)}` : ''}${a.lastError ? ` (${a.lastError})` : ''}`;
  });
  return `${head} — ${artifacts.join('; ')}`;
}

export async function runArchive(argv: readonly string[], io: ArchiveIo): Promise<ArchiveOutcome> {
  const env = io.env ?? process.env;
  const say = (text: string) => io.stdout.write(`${text}\n`);
  let parsed;
  let selector: ArchiveSelector;
  let timeoutMinutes: number;
  let intervalSeconds: number;
  try {
    parsed = parseOperationArgs(argv, {
      help: { type: 'boolean', short: 'h' },
      'meeting-id': { type: 'string' },
      'meeting-code': { type: 'string' },
      'record-file-id': { type: 'string' },
      'no-wait': { type: 'boolean' },
      timeout: { type: 'string' },
      interval: { type: 'string' },
    });
    if (parsed.values.help) {
      say(ARCHIVE_USAGE);
      return { exitCode: 0 };
    }
    selector = selectorOf(parsed.values);
    timeoutMinutes = positiveInteger('--timeout', parsed.values.timeout, 60);
    intervalSeconds = positiveInteger('--interval', parsed.values.interval, 2);
  } catch (error) {
    return { exitCode: usageExit(error, 'archive', io.stderr) };
  }
  try {
    const target = await resolveOperationsTarget(parsed.target, io);
    let client: Promise<TencentMeetingClient> | undefined = io.tencent ? Promise.resolve(io.tencent) : undefined;
    const tencentEnv = { ...target.tencentEnv, ...env };
    const hasCredentials = io.tencent !== undefined || Object.keys(tencentEnv).some((k) => k === 'TENCENT_MEETING_SECRET_ID' || k === 'TENCENT_MEETING_SECRET_ARN');
    const deps = {
      dynamo: target.clients.dynamo,
      sqs: target.clients.sqs,
      tableName: target.tableName,
      queueUrl: target.queueUrl,
      ...(hasCredentials
        ? { tencent: () => (client ??= loadTencentConfig(tencentEnv).then((config) => new TencentMeetingClient(config, { queryRecordType: queryRecordTypeSetting(env) }))) }
        : {}),
    };
    const enqueued = await enqueueArchive(deps, selector);
    const kinds = enqueued.messages.map((m) => m.kind).join(', ');
    say(
      `Enqueued ${enqueued.messages.length} ${kinds} message${enqueued.messages.length === 1 ? '' : 's'}` +
        `${enqueued.meetingIds.length > 0 ? ` for meeting ${enqueued.meetingIds.join(', ')}` : ''}${enqueued.recordFileId ? ` (file ${enqueued.recordFileId})` : ''} on the ${target.description}.`,
    );
    if (parsed.values['no-wait']) return { exitCode: 0 };

    const deadline = Date.now() + timeoutMinutes * 60_000;
    let expected: string[] = [];
    let askedTencentAt = 0;
    const printed = new Map<string, string>();
    for (;;) {
      const wholeMeetings = deps.tencent !== undefined && enqueued.recordFileId === undefined && enqueued.meetingIds.length > 0;
      if (wholeMeetings && expected.length === 0 && Date.now() - askedTencentAt > 30_000) {
        askedTencentAt = Date.now();
        const listed = await filesTencentLists(deps, enqueued);
        expected = listed.files;
        if (expected.length === 0) say(`Tencent lists no finished recording of the meeting yet${listed.unfinished > 0 ? ` (${listed.unfinished} still recording or transcoding)` : ''}; waiting.`);
      }
      const progress = await archiveProgress(deps, enqueued, expected);
      const nowIso = new Date().toISOString();
      for (const file of progress.files) {
        const line = describeFile(file, nowIso);
        if (printed.get(file.recordFileId) !== line) say(line);
        printed.set(file.recordFileId, line);
      }
      const waitingForList = wholeMeetings && expected.length === 0;
      if (progress.archived && !waitingForList) {
        const bytes = progress.files.reduce((sum, f) => sum + f.bytes, 0);
        say(`Archived: ${progress.files.length} file${progress.files.length === 1 ? '' : 's'}, ${formatBytes(bytes)}.`);
        return { exitCode: 0, progress };
      }
      if (progress.failed) {
        say('A file failed (see its reason above). The worker retries it after the queue\'s visibility timeout, or the message is in the DLQ: `npm run status`, `npm run redrive -- --dry-run`.');
        return { exitCode: 1, progress };
      }
      if (Date.now() > deadline || io.signal?.aborted) {
        say(`Stopped waiting after ${timeoutMinutes} min; the archive goes on (\`npm run status\`).`);
        return { exitCode: 1, progress };
      }
      await sleep(intervalSeconds * 1000, undefined, io.signal ? { signal: io.signal } : {}).catch(() => undefined);
    }
  } catch (error) {
    return { exitCode: failureExit(error, 'archive', io.stderr) };
  }
}
