// Runs the emulators in their own process. Two callers:
// - the test suite's global setup (jest's CJS module system cannot load fauxqs, which is ESM-only):
//   no IPC channel; prints one JSON line with the endpoints when ready and exits when stdin closes,
//   so an aborted test run never leaves emulators behind;
// - `npm start` (processes.ts): the emulators' part of the local stack, started with its ports and
//   data directory, so fauxqs' hashing of every part and DynamoDB Local's wrapper never share an
//   event loop with the functions. A DynamoDB Local that dies takes this process down with it, and
//   the supervisor then stops the whole stack.
import { startEmulators, type EmulatorOptions } from './emulators.ts';
import { createConsoleLog } from './console-log.ts';
import { runAsPart } from './processes.ts';

export interface EmulatorsInfo {
  readonly dynamodbEndpoint: string;
  readonly awsEndpoint: string;
  readonly dynamodbPid: number | undefined;
}

if (process.send) {
  // fauxqs persists through node:sqlite, which Node 22 flags as experimental on every start.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) return;
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
  const log = createConsoleLog({ component: 'emulators' });
  runAsPart<EmulatorOptions, EmulatorsInfo>('emulators', log, async (options) => {
    const emulators = await startEmulators(options);
    void emulators.dynamodbDied.then((how) => {
      log.error(`DynamoDB Local (Java, pid ${emulators.dynamodbPid}) exited unexpectedly (${how})`);
      void emulators.stop().finally(() => process.exit(1));
    });
    return {
      info: { dynamodbEndpoint: emulators.dynamodbEndpoint, awsEndpoint: emulators.awsEndpoint, dynamodbPid: emulators.dynamodbPid },
      stop: () => emulators.stop(),
    };
  });
} else {
  const emulators = await startEmulators();
  process.stdout.write(`${JSON.stringify({ dynamodbEndpoint: emulators.dynamodbEndpoint, awsEndpoint: emulators.awsEndpoint })}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await emulators.stop();
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
