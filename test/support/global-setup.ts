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
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulators exited with code ${code} before they were ready`)));
  });
  const endpoints = JSON.parse(line) as { dynamodbEndpoint: string; awsEndpoint: string };
  process.env.TEST_DYNAMODB_ENDPOINT = endpoints.dynamodbEndpoint;
  process.env.TEST_AWS_ENDPOINT = endpoints.awsEndpoint;
  (globalThis as { __emulators?: typeof child }).__emulators = child;
}
