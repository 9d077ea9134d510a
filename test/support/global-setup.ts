// Starts DynamoDB Local and fauxqs once for the whole test run, in a child process, and passes the
// endpoints to every test worker through the environment (workers inherit it).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

export default async function globalSetup(): Promise<void> {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, [join(root, 'infra/local/emulators-cli.ts')], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const lines = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulators exited with code ${code} before they were ready`)));
  });
  // Nothing more is read from the child; holding its stdout open would keep jest from exiting.
  lines.close();
  child.stdout!.destroy();
  child.unref();
  const endpoints = JSON.parse(line) as { dynamodbEndpoint: string; awsEndpoint: string };
  process.env.TEST_DYNAMODB_ENDPOINT = endpoints.dynamodbEndpoint;
  process.env.TEST_AWS_ENDPOINT = endpoints.awsEndpoint;
  (globalThis as { __emulators?: typeof child }).__emulators = child;
}
