// Where `npm run backfill` sends its messages: a deployed stack (named by cdk-outputs.json or by
// flags) or the local stack, found through the local-stack.json that `npm start` leaves in DATA_DIR.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, type AwsClients } from '../../../shared/aws/clients.ts';
import { LOCAL_RESOURCE_NAMES } from '../resources.ts';
import { DEFAULTS, resolveDataDir } from '../stack-config.ts';
import { readLocalStackFile } from '../stack-file.ts';
import { UsageError, type BackfillTarget } from './args.ts';

export interface ResolvedTarget {
  readonly clients: AwsClients;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly description: string;
  /** TENCENT_MEETING_* of the local stack's simulator; empty for a deployed stack. */
  readonly tencentEnv: Record<string, string>;
}

/** What a command that talks to a target stack is handed: its output, environment and directory. */
export interface TargetIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Tests: ready clients instead of ones built from the target flags. */
  readonly clients?: AwsClients;
}

/** The target the flags name; `clients` (tests) replaces the ones the flags would build. */
export async function resolveTarget(target: BackfillTarget, env: NodeJS.ProcessEnv, cwd: string, clients?: AwsClients): Promise<ResolvedTarget> {
  let fromOutputs: { queueUrl?: string; table?: string; region?: string } = {};
  if (target.stackOutputs) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(cwd, target.stackOutputs), 'utf8'));
    } catch (error) {
      throw new UsageError(`--stack-outputs: cannot read ${target.stackOutputs} as JSON (${(error as Error).message})`);
    }
    fromOutputs = targetFromStackOutputs(json, target.stack);
  }
  const deployed =
    target.stackOutputs !== undefined || (target.queueUrl !== undefined && target.dynamodbEndpoint === undefined && target.awsEndpoint === undefined);
  if (deployed) {
    const queueUrl = target.queueUrl ?? fromOutputs.queueUrl;
    const tableName = target.table ?? fromOutputs.table;
    if (!queueUrl) throw new UsageError('the ingest queue is unknown: pass --queue-url, or --stack-outputs with an IngestQueueUrl output');
    if (!tableName) throw new UsageError('the archive table is unknown: pass --table, or --stack-outputs with a TableName output');
    const region = target.region ?? fromOutputs.region;
    return {
      clients: clients ?? createAwsClients(region ? { region } : {}, env),
      tableName,
      queueUrl,
      description: `deployed stack (table ${tableName})`,
      tencentEnv: {},
    };
  }

  // The same DATA_DIR as `npm start`, so a stack started with DATA_DIR=/elsewhere is found.
  const local = readLocalStackFile(resolveDataDir(env, cwd));
  const dynamodbEndpoint = target.dynamodbEndpoint ?? local.dynamodbEndpoint ?? env.AWS_ENDPOINT_URL_DYNAMODB ?? 'http://127.0.0.1:8000';
  // `npm start` serves S3 and SQS from fauxqs processes of their own; --aws-endpoint names one for both.
  const sqsEndpoint = target.awsEndpoint ?? local.sqsEndpoint ?? env.AWS_ENDPOINT_URL_SQS ?? `http://127.0.0.1:${DEFAULTS.SQS_EMULATOR_PORT}`;
  const s3Endpoint = target.awsEndpoint ?? local.s3Endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? `http://127.0.0.1:${DEFAULTS.S3_EMULATOR_PORT}`;
  const localClients =
    clients ?? createAwsClients({ dynamodbEndpoint, s3Endpoint, sqsEndpoint, forcePathStyle: true, region: target.region ?? local.region ?? 'us-east-1' }, env);
  const tableName = target.table ?? local.tableName ?? LOCAL_RESOURCE_NAMES.table;
  let queueUrl = target.queueUrl ?? local.ingestQueueUrl;
  if (!queueUrl) {
    try {
      queueUrl = (await localClients.sqs.send(new GetQueueUrlCommand({ QueueName: LOCAL_RESOURCE_NAMES.ingestQueue }))).QueueUrl;
    } catch (error) {
      throw new Error(
        `the local stack is not reachable at ${sqsEndpoint} (${(error as Error).name}): start it with \`npm start\`, ` +
          'or target a deployed stack with --stack-outputs / --queue-url and --table',
      );
    }
  }
  if (!queueUrl) throw new Error(`the local ingest queue ${LOCAL_RESOURCE_NAMES.ingestQueue} does not exist: start the local stack with \`npm start\``);
  return {
    clients: localClients,
    tableName,
    queueUrl,
    description: `local stack (${dynamodbEndpoint}, ${sqsEndpoint})`,
    tencentEnv: local.tencentEnv ?? {},
  };
}

/** Picks the ingest queue URL and table name out of `cdk deploy --outputs-file` JSON. */
export function targetFromStackOutputs(json: unknown, stack?: string): { queueUrl?: string; table?: string; region?: string } {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new UsageError('--stack-outputs: the file must hold a JSON object of stacks');
  const stacks = Object.entries(json as Record<string, unknown>).filter(([, v]) => v !== null && typeof v === 'object');
  const chosen = stack !== undefined ? stacks.filter(([name]) => name === stack) : stacks;
  if (chosen.length === 0) {
    throw new UsageError(stack !== undefined ? `--stack-outputs: no stack named '${stack}' (found: ${stacks.map(([n]) => n).join(', ') || 'none'})` : '--stack-outputs: no stacks in the file');
  }
  if (chosen.length > 1) throw new UsageError(`--stack-outputs holds several stacks (${chosen.map(([n]) => n).join(', ')}): pick one with --stack`);
  const outputs = chosen[0]![1] as Record<string, unknown>;
  const find = (test: (key: string) => boolean): string | undefined => {
    const entry = Object.entries(outputs).find(([key, value]) => typeof value === 'string' && test(key));
    return entry?.[1] as string | undefined;
  };
  // CDK may prefix output keys with construct paths; match on the meaningful suffix.
  const queueUrl = find((k) => /IngestQueueUrl$/i.test(k) && !/DeadLetter|Dlq/i.test(k));
  const table = find((k) => /TableName$/i.test(k));
  const region = queueUrl ? /sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl)?.[1] : undefined;
  return { ...(queueUrl ? { queueUrl } : {}), ...(table ? { table } : {}), ...(region ? { region } : {}) };
}
