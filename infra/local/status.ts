// Entry of `npm run status -- [--json] [target flags]`; the command is infra/local/operations/status-command.ts.
import { runStatus } from './operations/status-command.ts';

const outcome = await runStatus(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
process.exitCode = outcome.exitCode;
// SDK keep-alive sockets would otherwise hold the process open for a while.
process.exit();
