// `npm run parked`: lists the webhook events that were validly signed but not understood (kept by
// shared/webhook/parked-events.ts), and with --replay runs each still parked one through the
// current code, the same WebhookService the webhook runs. Targets the local stack or a deployed one
// exactly as `npm run backfill` does (infra/local/backfill/target.ts). Kept apart from its entry
// script (infra/local/parked.ts) so tests drive it in-process.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { TENCENT_WEBHOOK_SECRET_ARN_ENV } from '../../../shared/tencent/config-keys.ts';
import { loadTencentConfig, loadWebhookSecrets } from '../../../shared/tencent/config.ts';
import type { ParkedEvent } from '../../../shared/webhook/parked-events.ts';
import { WebhookService, type WebhookSecrets } from '../../../shared/webhook/webhook-service.ts';
import { failureExit, parseTargetArgs, parseTargetFlags, TARGET_FLAGS_USAGE, usageExit, type BackfillTarget } from '../backfill/args.ts';
import { resolveTarget, type ResolvedTarget, type TargetIo } from '../backfill/target.ts';

export const PARKED_USAGE = `Usage: npm run parked -- [--replay] [--all] [--json] [target flags]

Lists the Tencent Meeting webhook events that were validly signed but did not fit what this code
understands. Each was acknowledged to Tencent (so Tencent did not drop it) and kept in the archive
table for WEBHOOK_PARKED_RETENTION_DAYS (default 30). Once a release understands them (or the
EncodingAESKey is fixed), --replay runs every parked event through the current code: what it now
understands is enqueued and archived; the rest stays parked.

  --replay                 replay every parked event
  --all                    also list events the webhook repaired, and ones already replayed
  --json                   one JSON object per event instead of the table

Target (default: the local stack), as for npm run backfill:
${TARGET_FLAGS_USAGE}

A replay of undecodable AES data needs the EncodingAESKey: from the environment
(TENCENT_MEETING_ENCODING_AES_KEY, or TENCENT_MEETING_WEBHOOK_SECRET_ARN=<WebhookSecretArn> of a
deployed stack), or the local stack's simulator.
  -h, --help               show this help`;

export interface ParkedArgs {
  readonly help: boolean;
  readonly replay: boolean;
  readonly all: boolean;
  readonly json: boolean;
  readonly target: BackfillTarget;
}

export function parseParkedArgs(argv: readonly string[]): ParkedArgs {
  const values = parseTargetArgs(argv, {
    help: { type: 'boolean', short: 'h' },
    replay: { type: 'boolean' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const target = parseTargetFlags(values);
  return { help: values.help ?? false, replay: values.replay ?? false, all: values.all ?? false, json: values.json ?? false, target };
}


export interface ParkedOutcome {
  readonly exitCode: number;
  readonly listed: readonly ParkedEvent[];
  readonly replayed: number;
  readonly stillParked: number;
}

const EXIT = { ok: 0, failed: 1 } as const;

function describeEvent(event: ParkedEvent): string {
  const ids = [
    event.meetingIds.length > 0 ? `meeting ${event.meetingIds.join(',')}` : '',
    event.recordFileIds.length > 0 ? `files ${event.recordFileIds.join(',')}` : '',
  ].filter(Boolean);
  return [
    new Date(event.parkedAtMs).toISOString(),
    event.status.padEnd(8),
    (event.eventName ?? '(unreadable)').padEnd(19),
    `stage ${event.stage}`,
    `id ${event.eventId}`,
    ...ids,
    `deliveries ${event.deliveries}`,
    `replays ${event.replays}`,
    event.repairs ? `repairs ${event.repairs.join(',')}` : '',
    `— ${event.lastReplayOutcome ? `last replay: ${event.lastReplayOutcome}` : event.reason}`,
  ]
    .filter(Boolean)
    .join('  ');
}

export async function runParked(argv: readonly string[], io: TargetIo): Promise<ParkedOutcome> {
  const env = io.env ?? process.env;
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const fail = (text: string) => io.stderr.write(`parked: ${text}\n`);
  const none = { listed: [], replayed: 0, stillParked: 0 };
  let args: ParkedArgs;
  try {
    args = parseParkedArgs(argv);
  } catch (error) {
    return { exitCode: usageExit(error, 'parked', io.stderr), ...none };
  }
  if (args.help) {
    say(PARKED_USAGE);
    return { exitCode: EXIT.ok, ...none };
  }
  let target: ResolvedTarget;
  try {
    target = await resolveTarget(args.target, env, io.cwd ?? process.cwd(), io.clients);
  } catch (error) {
    return { exitCode: failureExit(error, 'parked', io.stderr), ...none };
  }
  // Only a replay of undecodable AES data needs a secret, and only the EncodingAESKey.
  const secrets = async (): Promise<WebhookSecrets> => {
    const source = { ...target.tencentEnv, ...env };
    // A deployed stack keeps the AES key in its webhook secret (the WebhookSecretArn output).
    if (source[TENCENT_WEBHOOK_SECRET_ARN_ENV]?.trim()) return loadWebhookSecrets(source);
    const config = await loadTencentConfig(source);
    return { token: config.webhookToken ?? '', ...(config.encodingAesKey ? { encodingAesKey: config.encodingAesKey } : {}) };
  };
  const service = new WebhookService({
    dynamo: target.clients.dynamo,
    sqs: target.clients.sqs,
    tableName: target.tableName,
    queueUrl: target.queueUrl,
    secrets,
    logger: new Logger({ serviceName: 'parked', logLevel: (env.LOG_LEVEL as 'SILENT' | undefined) ?? 'SILENT' }),
    metrics: new Metrics({ namespace: 'parked-command', serviceName: 'parked' }),
  });
  try {
    let replayed = 0;
    let stillParked = 0;
    if (args.replay) {
      for (const event of (await service.listParked()).filter((e) => e.status === 'parked')) {
        const result = await service.replay(event).catch((error: unknown) => ({
          eventId: event.eventId,
          status: 'parked' as const,
          outcome: `replay failed: ${error instanceof Error ? error.message : String(error)}`,
        }));
        if (result.status === 'replayed') replayed += 1;
        else stillParked += 1;
        if (!args.json) say(`${result.status === 'replayed' ? 'replayed' : 'still parked'}  id ${result.eventId}  ${result.outcome}`);
      }
    }
    const listed = (await service.listParked()).filter((e) => args.all || e.status === 'parked');
    for (const event of listed) say(args.json ? JSON.stringify(event) : describeEvent(event));
    if (!args.json) {
      say(
        args.replay
          ? `Replayed ${replayed}, still parked ${stillParked} (${target.description}).`
          : `${listed.length} ${args.all ? 'kept' : 'parked'} event${listed.length === 1 ? '' : 's'} in the ${target.description}.${listed.length > 0 && !args.replay ? ' Replay them with --replay once the code understands them.' : ''}`,
      );
    }
    return { exitCode: EXIT.ok, listed, replayed, stillParked };
  } catch (error) {
    fail(`failed: ${error instanceof Error ? error.message : String(error)}`);
    return { exitCode: EXIT.failed, ...none };
  }
}
