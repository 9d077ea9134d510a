// `npm run redrive`: moves the ingest DLQ's messages back to the ingest queue
// (shared/operations/redrive.ts), or with --dry-run lists them with why they are there. Kept apart
// from its entry (infra/local/redrive.ts) so tests drive it in-process.
import { redrive, type DeadLetter, type RedriveResult } from '../../../shared/operations/redrive.ts';
import { failureExit, OPERATIONS_TARGET_USAGE, parseOperationArgs, positiveInteger, resolveOperationsTarget, usageExit, type OperationsIo } from './target.ts';

const DEFAULT_MAX = 1_000;

export const REDRIVE_USAGE = `Usage: npm run redrive -- [--dry-run] [--max <n>] [--json] [target flags]

Moves the messages of the ingest dead-letter queue back to the ingest queue, once the cause is
fixed: those the worker sent there itself (they could not succeed on retry: the reason is their
\`failure\` attribute) and those SQS moved there after 5 failed receives. A message is deleted from
the DLQ only after the ingest queue accepted it; should the command stop in between, the message is
in both queues, which is harmless (the worker is idempotent). Its waiting budgets (deferrals, STS
token waits) start over; a copy's continuation counts stay. A message that does not fit the queue
contract stays in the DLQ.

  --dry-run                list the messages with their failure reason and what the index says; move none
  --max <n>                at most this many messages (default ${DEFAULT_MAX})
  --json                   one JSON object per message

${OPERATIONS_TARGET_USAGE}
  -h, --help               show this help`;

export interface RedriveOutcome {
  readonly exitCode: number;
  readonly result?: RedriveResult;
}

export function describeDeadLetter(message: DeadLetter): string {
  const ids = Object.entries(message.ids)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join('  ');
  return [
    message.sentAt ?? '',
    (message.kind ?? '(unreadable)').padEnd(15),
    ids,
    `— ${message.origin.by === 'worker' ? 'sent by the worker' : 'moved by SQS'}: ${message.origin.reason}`,
    message.indexed ? `[index: ${message.indexed}]` : '',
    message.error ? `NOT MOVED: ${message.error}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

export async function runRedrive(argv: readonly string[], io: OperationsIo): Promise<RedriveOutcome> {
  const say = (text: string) => io.stdout.write(`${text}\n`);
  let parsed;
  let max: number;
  try {
    parsed = parseOperationArgs(argv, {
      help: { type: 'boolean', short: 'h' },
      'dry-run': { type: 'boolean' },
      max: { type: 'string' },
      json: { type: 'boolean' },
    });
    max = positiveInteger('--max', parsed.values.max, DEFAULT_MAX);
  } catch (error) {
    return { exitCode: usageExit(error, 'redrive', io.stderr) };
  }
  if (parsed.values.help) {
    say(REDRIVE_USAGE);
    return { exitCode: 0 };
  }
  const dryRun = parsed.values['dry-run'] === true;
  const json = parsed.values.json === true;
  try {
    const target = await resolveOperationsTarget(parsed.target, io);
    const result = await redrive(
      { sqs: target.clients.sqs, dynamo: target.clients.dynamo, tableName: target.tableName, queueUrl: target.queueUrl, deadLetterQueueUrl: target.deadLetterQueueUrl },
      {
        max,
        dryRun,
        ...(io.signal ? { signal: io.signal } : {}),
        onMessage: (message, moved) => say(json ? JSON.stringify({ ...message, moved }) : `${dryRun ? '' : moved ? 'moved  ' : 'left   '}${describeDeadLetter(message)}`),
      },
    );
    if (!json) {
      say(
        dryRun
          ? `${result.listed.length} message${result.listed.length === 1 ? '' : 's'} in the dead-letter queue of the ${target.description}${result.listed.length >= max ? ` (listed the first ${max})` : ''}. Move them with \`npm run redrive\`.`
          : `Moved ${result.moved} message${result.moved === 1 ? '' : 's'} to the ingest queue${result.left > 0 ? `; ${result.left} left in the dead-letter queue` : ''} (${target.description}).`,
      );
    }
    return { exitCode: result.left > 0 && !dryRun ? 1 : 0, result };
  } catch (error) {
    return { exitCode: failureExit(error, 'redrive', io.stderr) };
  }
}
