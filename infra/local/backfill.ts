// Entry of `npm run backfill -- --from 2026-01-01 --to 2026-03-31 [--dry-run] [target flags]`;
// the command is infra/local/backfill/command.ts, the backfill itself shared/reconcile/backfill.ts. Ctrl-C stops after the current page with the cursor
// saved (run the command again to continue); a second Ctrl-C exits at once.
import { runBackfill } from './backfill/command.ts';

const controller = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  process.stderr.write('\nStopping after the current page (Ctrl-C again to quit now)…\n');
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const outcome = await runBackfill(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
process.exitCode = outcome.exitCode;
// SDK keep-alive sockets would otherwise hold the process open for a while.
process.exit();
