// Runs the emulators in their own process. Two callers:
// - the test suite's global setup (jest's CJS module system cannot load fauxqs, which is ESM-only):
//   no IPC channel; prints one JSON line with the endpoints when ready and exits when stdin closes,
//   so an aborted test run never leaves emulators behind;
// - `npm start` (processes.ts): two of the local stack's parts, started with their ports and data
//   directory: DynamoDB Local's parent with the SQS fauxqs, and the S3 fauxqs. S3's hashing of every
//   part and concatenation of a completing object then never share an event loop with the functions
//   nor with the queue a webhook sends to. A DynamoDB Local that dies takes its process down with
//   it, and the supervisor then stops the whole stack.
import { startEmulators, startS3Emulator, type EmulatorOptions, type S3EmulatorOptions } from './emulators.ts';
import { createConsoleLog } from './console-log.ts';
import { runAsPart } from './processes.ts';

/** Which emulators a part of `npm start` runs. */
export type EmulatorsPartSettings =
  | { readonly serve: 'dynamodb+sqs'; readonly options: Omit<EmulatorOptions, 's3'> }
  | { readonly serve: 's3'; readonly options: S3EmulatorOptions };

export interface EmulatorsInfo {
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly dynamodbPid: number | undefined;
}

export interface S3EmulatorInfo {
  readonly s3Endpoint: string;
}

if (process.send) {
  // fauxqs persists through node:sqlite, which Node 22 flags as experimental on every start.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) return;
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
  const log = createConsoleLog({ component: process.env.LOCAL_PART_NAME ?? 'emulators' });
  runAsPart<EmulatorsPartSettings, EmulatorsInfo | S3EmulatorInfo>(process.env.LOCAL_PART_NAME ?? 'emulators', log, async (settings) => {
    if (settings.serve === 's3') {
      const s3 = await startS3Emulator(settings.options);
      return { info: { s3Endpoint: s3.s3Endpoint }, stop: () => s3.stop() };
    }
    const emulators = await startEmulators({ ...settings.options, s3: false });
    void emulators.dynamodbDied.then((how) => {
      log.error(`DynamoDB Local (Java, pid ${emulators.dynamodbPid}) exited unexpectedly (${how})`);
      void emulators.stop().finally(() => process.exit(1));
    });
    return {
      info: { dynamodbEndpoint: emulators.dynamodbEndpoint, sqsEndpoint: emulators.sqsEndpoint, dynamodbPid: emulators.dynamodbPid },
      stop: () => emulators.stop(),
    };
  });
} else {
  const emulators = await startEmulators();
  // One fauxqs serves both S3 and SQS here: the tests' clients take it as their awsEndpoint.
  process.stdout.write(`${JSON.stringify({ dynamodbEndpoint: emulators.dynamodbEndpoint, awsEndpoint: emulators.sqsEndpoint })}\n`);
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
