// `npm run status`: one look at the archive (shared/operations/status.ts) as text or --json. Kept
// apart from its entry (infra/local/status.ts) so tests drive it in-process.
import { collectStatus, DEFAULT_STATUS_MAX_RECORDINGS, DEFAULT_STATUS_WINDOW_DAYS, type StatusReport } from '../../../shared/operations/status.ts';
import { failureExit, OPERATIONS_TARGET_USAGE, parseOperationArgs, positiveInteger, resolveOperationsTarget, usageExit, type OperationsIo } from './target.ts';
import { formatStatus } from './status-format.ts';

export const STATUS_USAGE = `Usage: npm run status -- [--json] [--days <n>] [--max-recordings <n>] [target flags]

Shows the archive at a glance: recordings and files by status, copies in flight (bytes, rate, time
left, from their checkpoints), the oldest pending or failed file with its reason, files and bytes
archived today, the ingest and dead-letter queues, parked webhook events and the last reconcile
sweep. It reads the newest recordings of the last --days through the byStartTime index (a bounded
Query, never a Scan) and the whole archive's count from its day counters.

  --json                   the report as one JSON object
  --days <n>               how far back recordings are read (default ${DEFAULT_STATUS_WINDOW_DAYS})
  --max-recordings <n>     read at most this many of them, newest first (default ${DEFAULT_STATUS_MAX_RECORDINGS})

${OPERATIONS_TARGET_USAGE}
  -h, --help               show this help`;

export interface StatusOutcome {
  readonly exitCode: number;
  readonly report?: StatusReport;
}

export async function runStatus(argv: readonly string[], io: OperationsIo): Promise<StatusOutcome> {
  let parsed;
  let days: number;
  let maxRecordings: number;
  try {
    parsed = parseOperationArgs(argv, {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      days: { type: 'string' },
      'max-recordings': { type: 'string' },
    });
    days = positiveInteger('--days', parsed.values.days, DEFAULT_STATUS_WINDOW_DAYS);
    maxRecordings = positiveInteger('--max-recordings', parsed.values['max-recordings'], DEFAULT_STATUS_MAX_RECORDINGS);
  } catch (error) {
    return { exitCode: usageExit(error, 'status', io.stderr) };
  }
  if (parsed.values.help) {
    io.stdout.write(`${STATUS_USAGE}\n`);
    return { exitCode: 0 };
  }
  try {
    const target = await resolveOperationsTarget(parsed.target, io);
    const report = await collectStatus(
      {
        dynamo: target.clients.dynamo,
        sqs: target.clients.sqs,
        tableName: target.tableName,
        queueUrl: target.queueUrl,
        deadLetterQueueUrl: target.deadLetterQueueUrl,
      },
      { windowDays: days, maxRecordings },
    );
    io.stdout.write(`${parsed.values.json ? JSON.stringify(report, null, 2) : formatStatus(report, target.description)}\n`);
    return { exitCode: 0, report };
  } catch (error) {
    return { exitCode: failureExit(error, 'status', io.stderr) };
  }
}
