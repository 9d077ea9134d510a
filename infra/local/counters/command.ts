// `npm run counters -- --rebuild [target flags]`: rewrites the archive's list counters from its
// index (shared/archive/counter-rebuild.ts), once, after upgrading an archive indexed before the
// current counter layout. Targets the local stack or a deployed one as `npm run backfill` does.
import { rebuildCounters, type CounterRebuild } from '../../../shared/archive/counter-rebuild.ts';
import { failureExit, parseTargetArgs, parseTargetFlags, usageExit } from '../backfill/args.ts';
import { resolveTarget, type TargetIo } from '../backfill/target.ts';

export const COUNTERS_USAGE = `Usage: npm run counters -- --rebuild [target flags]

Rewrites the counters behind the archive API's total_count and paging from the index itself. Needed
once on an archive indexed before this release's counter layout (lists would otherwise undercount).
Run it while nothing is being archived (locally: \`npm start\` idle; in AWS: the ingest queue's
event source disabled): the rebuild writes whole items. Running it again is harmless.

  --rebuild                rewrite every counter item

Target (default: the local stack), as for npm run backfill: --stack-outputs <file>, --stack <name>,
--queue-url <url>, --table <name>, --region <region>, --dynamodb-endpoint <url>, --aws-endpoint <url>
  -h, --help               show this help`;

export async function runCounters(argv: readonly string[], io: TargetIo): Promise<{ exitCode: number; rebuilt?: CounterRebuild }> {
  let values;
  try {
    values = parseTargetArgs(argv, { help: { type: 'boolean', short: 'h' }, rebuild: { type: 'boolean' } });
  } catch (error) {
    return { exitCode: usageExit(error, 'counters', io.stderr) };
  }
  if (values.help || !values.rebuild) {
    (values.help ? io.stdout : io.stderr).write(`${COUNTERS_USAGE}\n`);
    return { exitCode: values.help ? 0 : 2 };
  }
  try {
    const target = await resolveTarget(parseTargetFlags(values), io.env ?? process.env, io.cwd ?? process.cwd(), io.clients);
    const rebuilt = await rebuildCounters(target.clients.dynamo, target.tableName);
    io.stdout.write(`rebuilt ${rebuilt.counterItems} counter items from ${rebuilt.recordings} listed recordings in ${target.description}\n`);
    return { exitCode: 0, rebuilt };
  } catch (error) {
    return { exitCode: failureExit(error, 'counters', io.stderr) };
  }
}
