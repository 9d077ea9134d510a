// Waiting for a fresh STS token (open point #13), the same way for every message that needs one
// (archive-file, resolve-file, source-deleted): the message is re-sent with a delay, never left to
// fail through visibility timeouts into the DLQ. The token is the app's, not the file's, so these
// waits have their own budget: they do not use up the message's other deferrals (transcoding, a
// busy file, an unclear answer), and a file that waited for a token still gets all of those.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { TransientError, type ErrorContext } from '../errors.ts';
import type { StsTokenUnusableError } from '../tencent/sts-token-store.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import type { ArchiveFileMessage, ResolveFileMessage, SourceDeletedMessage } from './messages.ts';
import { sendIngestMessages } from './queue.ts';

/**
 * × the stsToken delay (300 s by default) = 6 hours: no shorter than any handler waited before
 * (archive-file 30 × 300 s = 2.5 h; resolve-file and source-deleted failed through 5 receives of a
 * 90-minute visibility timeout, 6 h), then the DLQ with the reason.
 */
export const MAX_STS_WAITS = 72;

export const STS_WAIT_REASON = 'STS token expired or refused; waiting for a fresh common.sts-token event';

export interface StsWaitDeps {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly logger: Logger;
  readonly metrics: Pick<IngestMetrics, 'deferred'>;
}

type Waiting = ArchiveFileMessage | ResolveFileMessage | SourceDeletedMessage;

export async function deferForStsToken<M extends Waiting>(deps: StsWaitDeps, message: M, error: StsTokenUnusableError, delaySeconds: number, ids: ErrorContext): Promise<void> {
  const stsWaits = (message.stsWaits ?? 0) + 1;
  if (stsWaits > MAX_STS_WAITS) throw new TransientError(`${STS_WAIT_REASON}; gave up after ${MAX_STS_WAITS} waits (${error.message})`, { ...ids, ...error.context });
  deps.logger.info('deferring the message', { ...ids, reason: STS_WAIT_REASON, error: error.message, delaySeconds, stsWaits });
  await sendIngestMessages(deps.sqs, deps.queueUrl, [{ ...message, stsWaits }], { delaySeconds });
  deps.metrics.deferred();
}
