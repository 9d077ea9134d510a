// Entry of `npm run archive -- --meeting-id <id> | --meeting-code <code> | --record-file-id <id>`;
// the command is infra/local/operations/archive-command.ts. Ctrl-C stops waiting (the archive goes on).
import { runArchive } from './operations/archive-command.ts';

const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
process.on('SIGTERM', () => controller.abort());
const outcome = await runArchive(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
process.exitCode = outcome.exitCode;
// SDK keep-alive sockets would otherwise hold the process open for a while.
process.exit();
