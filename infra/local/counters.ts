// Entry of `npm run counters -- --rebuild [target flags]`; the command is infra/local/counters/command.ts.
import { runCounters } from './counters/command.ts';

const outcome = await runCounters(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
process.exitCode = outcome.exitCode;
// SDK keep-alive sockets would otherwise hold the process open for a while.
process.exit();
