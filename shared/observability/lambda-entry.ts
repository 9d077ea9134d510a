// The one way every function starts: a middy handler with the logger's Lambda context and metrics
// flushed after each invocation, and a Lambda entry that builds its dependencies from the
// environment on first use. The entry builds again when `version` changes (a rotated Tencent
// secret reaches warm workers) and after a failed build (a later invocation may find the
// configuration fixed), instead of caching the failure for the environment's lifetime.
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';

export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * Wraps a handler with the project's middleware: Lambda context on every log line (never the raw
 * event: webhook bodies carry Tencent's `data`, STS tokens included), metrics flushed per
 * invocation. middy's own early timeout stays off: it would race handlers that stop their own
 * work before the deadline (ingest checkpoints and continues) and fail the whole batch.
 */
export function observed<E, R>(handler: LambdaHandler<E, R>, { logger, metrics }: Observability): middy.MiddyfiedHandler<E, R> {
  return middy<E, R>(handler, { timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { logEvent: false }))
    .use(logMetrics(metrics));
}

export interface LambdaEntryOptions<E, R> {
  readonly build: () => Promise<LambdaHandler<E, R>>;
  /** A fingerprint of what the handler was built from; a new value builds it again. */
  readonly version?: () => Promise<string>;
}

export function lambdaEntry<E, R>({ build, version }: LambdaEntryOptions<E, R>): LambdaHandler<E, R> {
  let built: { readonly version: string; readonly handler: Promise<LambdaHandler<E, R>> } | undefined;
  return async (event, context) => {
    const current = version ? await version() : '';
    if (built?.version !== current) {
      const handler = build();
      const entry = { version: current, handler };
      built = entry;
      handler.catch(() => {
        if (built === entry) built = undefined;
      });
    }
    return (await built.handler)(event, context);
  };
}
