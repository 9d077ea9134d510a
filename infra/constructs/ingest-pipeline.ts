// The ingest queue, its dead-letter queue and the ingest (copier) function that consumes it.
import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INGEST_MAX_RECEIVE_COUNT } from '../../shared/archive/table-design.ts';
import { DEFAULT_COPY_CONNECTIONS, DEFAULT_COPY_PART_SIZE_BYTES, ENV } from '../../shared/config/environment.ts';
import type { ArchiveFunction } from './node-function.ts';

/** Builds an ArchiveFunction with the archive's common settings; supplied by the parent construct. */
export type ArchiveFunctionFactory = (
  scope: Construct,
  id: string,
  options: {
    readonly entry: string;
    readonly description: string;
    readonly memorySize: number;
    readonly timeout: Duration;
    readonly environment?: Readonly<Record<string, string>>;
    readonly afterBundling?: (outputDir: string) => string[];
  },
) => ArchiveFunction;

/**
 * The ingest function's memory, MB: see IngestPipelineProps.memorySize. From `npm run bench:copy`'s
 * cost table: the cheapest size whose vCPU share carries 8 connections' link at the copier's
 * measured CPU per GiB, with (8 + 2) × 32 MiB part buffers within 0.8 of it (README, "Benchmarks").
 */
export const DEFAULT_INGEST_MEMORY_MB = 1024;

export interface IngestPipelineProps {
  readonly entry: string;
  readonly createFunction: ArchiveFunctionFactory;
  /**
   * A copy waits on a far-away link, so its Lambda time is GB-seconds spent waiting: the default is
   * the cheapest memory that holds the link's throughput with the default part size and connections
   * (their (connections + 2) × part size of buffers fit, and its vCPU share keeps up), measured by
   * `npm run bench:copy`'s cost table (README, Scale on paper).
   * @default DEFAULT_INGEST_MEMORY_MB
   */
  readonly memorySize?: number;
  /** COPY_PART_SIZE_BYTES: the preferred multipart part size. @default DEFAULT_COPY_PART_SIZE_BYTES */
  readonly copyPartSizeBytes?: number;
  /** COPY_CONNECTIONS: connections to the source per copy. @default DEFAULT_COPY_CONNECTIONS */
  readonly copyConnections?: number;
  /** The copier checkpoints and re-queues itself before this; 15 min is Lambda's maximum. @default Duration.minutes(15) */
  readonly timeout?: Duration;
  /**
   * Messages per invocation. Each message can mean minutes of copying, so a small batch keeps one
   * slow file from holding others hostage until the batch's timeout.
   * @default 1
   */
  readonly batchSize?: number;
  /**
   * Upper bound on concurrent copier invocations (SQS event source maximum concurrency, ≥ 2). It
   * also bounds the Tencent REST API rate the copiers can generate.
   * @default 10
   */
  readonly maxConcurrency?: number;
  /** Receives before a message moves to the DLQ (shared with the local poller). @default INGEST_MAX_RECEIVE_COUNT (5) */
  readonly maxReceiveCount?: number;
  /** @default Duration.days(14) */
  readonly deadLetterRetention?: Duration;
}

export class IngestPipeline extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly ingestFunction: ArchiveFunction;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: IngestPipelineProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(15);
    this.maxReceiveCount = props.maxReceiveCount ?? INGEST_MAX_RECEIVE_COUNT;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetention ?? Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's rule for SQS-triggered functions: at least 6× the function timeout, so a message
      // is not redelivered to a second copier while the first is still working (and retries of
      // throttled invocations fit in the window).
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });

    this.ingestFunction = props.createFunction(this, 'IngestFunction', {
      entry: props.entry,
      description: 'Copies Tencent Meeting recordings into S3 (resumable, verified) and indexes them',
      memorySize: props.memorySize ?? DEFAULT_INGEST_MEMORY_MB,
      timeout,
      environment: {
        [ENV.copyPartSizeBytes]: String(props.copyPartSizeBytes ?? DEFAULT_COPY_PART_SIZE_BYTES),
        [ENV.copyConnections]: String(props.copyConnections ?? DEFAULT_COPY_CONNECTIONS),
        [ENV.ingestQueueUrl]: this.queue.queueUrl,
        [ENV.ingestDeadLetterQueueUrl]: this.deadLetterQueue.queueUrl,
        // The receive after which a failure is final: its `Recording Archive Failed` is published then.
        [ENV.ingestMaxReceiveCount]: String(this.maxReceiveCount),
      },
    });
    // Grants ReceiveMessage/DeleteMessage/ChangeMessageVisibility/GetQueueAttributes/GetQueueUrl
    // on this queue only, to the ingest role.
    this.ingestFunction.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 1,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency ?? 10,
      }),
    );
    // Continuation messages: the copier re-queues the rest of a file before its own timeout.
    this.allowSend(this.ingestFunction);
    // Messages that cannot succeed on retry go to the DLQ at once (functions/ingest/handler.ts).
    this.ingestFunction.allow('DeadLetterUnretryable', ['sqs:SendMessage'], [this.deadLetterQueue.queueArn]);
  }

  /** sqs:SendMessage (covers SendMessageBatch) on the ingest queue, nothing else. */
  allowSend(fn: ArchiveFunction): void {
    fn.allow('SendIngestMessages', ['sqs:SendMessage'], [this.queue.queueArn]);
  }
}
