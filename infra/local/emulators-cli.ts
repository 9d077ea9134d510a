// Runs the emulators in their own process and prints one JSON line with the endpoints when ready.
// The test suite's global setup starts this (jest's CJS module system cannot load fauxqs, which is
// ESM-only). It exits when stdin closes, so an aborted test run never leaves emulators behind.
import { startEmulators } from './emulators.ts';

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
