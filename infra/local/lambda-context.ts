// A Lambda-like invocation context for functions served locally. The deadline is real: handlers
// that watch getRemainingTimeInMillis() (the copy engine's checkpoint-and-continue path) behave
// locally exactly as they would when Lambda is about to stop them.
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

export interface LocalFunctionSettings {
  readonly functionName: string;
  /** The function's configured timeout, as in Lambda. */
  readonly timeoutMs: number;
  readonly memoryLimitInMB?: number;
  readonly region?: string;
}

export interface LocalInvocation {
  readonly context: Context;
  /** Epoch ms at which Lambda would stop this invocation. */
  readonly deadline: number;
}

export function createLambdaContext(settings: LocalFunctionSettings, now: number = Date.now()): LocalInvocation {
  const deadline = now + settings.timeoutMs;
  const region = settings.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const awsRequestId = randomUUID();
  const unsupported = (): void => {
    throw new Error('context.done/fail/succeed are not supported: return or throw from an async handler');
  };
  const context: Context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: settings.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${settings.functionName}`,
    memoryLimitInMB: String(settings.memoryLimitInMB ?? 1024),
    awsRequestId,
    logGroupName: `/aws/lambda/${settings.functionName}`,
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
  return { context, deadline };
}

/** Minimal structured logger both Powertools' Logger and the local console log satisfy. */
export interface LocalLog {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export const silentLog: LocalLog = { info() {}, warn() {}, error() {} };

/** Thrown when a local server cannot bind its port; `variable` names the env var that moves it. */
export class PortInUseError extends Error {
  readonly port: number;
  readonly variable: string | undefined;

  constructor(port: number, variable?: string, options?: { cause?: unknown }) {
    super(
      `Port ${port} is already in use` +
        (variable ? `: stop whatever listens there, or choose another port with ${variable}=<port> (0 picks a free one).` : '.'),
      options,
    );
    this.name = 'PortInUseError';
    this.port = port;
    this.variable = variable;
  }
}
