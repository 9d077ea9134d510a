// Entry of `npm run parked -- [--replay] [--all] [--json] [target flags]`; the command is
// infra/local/parked/command.ts, the parking store shared/webhook/parked-events.ts.
import { runParked } from './parked/command.ts';

const outcome = await runParked(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
process.exitCode = outcome.exitCode;
// SDK keep-alive sockets would otherwise hold the process open for a while.
process.exit();
