// DynamoDB Local and fauxqs in a process of their own (infra/local/emulators-cli.ts, as the test
// suite's global setup runs them), for benches that time a handler: in AWS, DynamoDB and SQS are
// other machines, so the emulators' work must not share the measured handler's event loop.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface EmulatorProcess {
  readonly dynamodbEndpoint: string;
  /** fauxqs, serving S3 and SQS. */
  readonly awsEndpoint: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, ['infra/local/emulators-cli.ts'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulators exited with code ${code} before they were ready`)));
  });
  const endpoints = JSON.parse(line) as { dynamodbEndpoint: string; awsEndpoint: string };
  return {
    ...endpoints,
    pid: child.pid,
    // The emulators stop (DynamoDB Local's Java with them) when their stdin closes.
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}
