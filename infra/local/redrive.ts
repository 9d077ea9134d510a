// Entry of `npm run redrive -- [--dry-run] [--max <n>] [target flags]`; the command is
// infra/local/operations/redrive-command.ts. Ctrl-C stops after the message being moved.
import { runRedrive } from './operations/redrive-command.ts';

const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
process.on('SIGTERM', () => controller.abort());
const outcome = await runRedrive(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
process.exitCode = outcome.exitCode;
// SDK keep-alive sockets would otherwise hold the process open for a while.
process.exit();
