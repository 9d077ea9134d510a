// The stack `npm run status`, `redrive` and `archive` talk to, chosen by the same flags as `npm run
// backfill` (infra/local/backfill/args.ts): the local stack through <DATA_DIR>/local-stack.json and
// the endpoints it lists, or a deployed one through cdk-outputs.json with the AWS SDK's default
// credentials. The dead-letter queue is the ingest queue's own (its RedrivePolicy), unless named.
import type { ParseArgsOptionsConfig } from 'node:util';
import { deadLetterQueueOf } from '../../../shared/operations/queues.ts';
import { failureExit, parseTargetArgs, parseTargetFlags, usageExit, UsageError, type BackfillTarget } from '../backfill/args.ts';
import { resolveTarget, type ResolvedTarget, type TargetIo } from '../backfill/target.ts';

export { failureExit, usageExit, UsageError };

export const OPERATIONS_TARGET_USAGE = `Target (default: the local stack, found through $DATA_DIR/local-stack.json, DATA_DIR=.data):
  --stack-outputs <file>   cdk-outputs.json of a deployed stack (IngestQueueUrl, TableName); AWS credentials
                           and region come from the AWS SDK's default chain (AWS_PROFILE, AWS_REGION, …)
  --stack <name>           which stack in that file, when it holds several
  --queue-url <url>        the ingest queue      --table <name>   the archive table
  --dlq-url <url>          the dead-letter queue (default: the one the ingest queue's RedrivePolicy names)
  --region <region>        AWS region of a deployed stack
  --dynamodb-endpoint <url>, --aws-endpoint <url>   local emulator endpoints`;

export interface OperationsTarget extends ResolvedTarget {
  readonly deadLetterQueueUrl: string;
}

export interface OperationsIo extends TargetIo {
  readonly signal?: AbortSignal;
}

/** parseArgs with the target flags added; a bad flag is a UsageError naming it. */
export function parseOperationArgs(
  argv: readonly string[],
  options: ParseArgsOptionsConfig,
): { values: Record<string, string | boolean | undefined>; target: BackfillTarget & { dlqUrl?: string } } {
  const values = parseTargetArgs(argv, { ...options, 'dlq-url': { type: 'string' } }) as Record<string, string | boolean | undefined>;
  const flags = values as Record<string, string | undefined>;
  const target = parseTargetFlags(flags);
  const dlqUrl = flags['dlq-url'];
  if (dlqUrl !== undefined && !/^https?:\/\/\S+$/.test(dlqUrl)) throw new UsageError(`--dlq-url must be an http(s) URL (got '${dlqUrl}')`);
  return { values, target: { ...target, ...(dlqUrl ? { dlqUrl } : {}) } };
}

export async function resolveOperationsTarget(target: BackfillTarget & { dlqUrl?: string }, io: OperationsIo): Promise<OperationsTarget> {
  const resolved = await resolveTarget(target, io.env ?? process.env, io.cwd ?? process.cwd(), io.clients);
  let deadLetterQueueUrl = target.dlqUrl;
  if (!deadLetterQueueUrl) {
    try {
      deadLetterQueueUrl = await deadLetterQueueOf(resolved.clients.sqs, resolved.queueUrl);
    } catch (error) {
      throw new Error(`cannot find the dead-letter queue of ${resolved.queueUrl} (${(error as Error).message}): pass --dlq-url, or start the local stack with \`npm start\``);
    }
  }
  return { ...resolved, deadLetterQueueUrl };
}

export function positiveInteger(flag: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number (got '${String(value)}')`);
  return n;
}
