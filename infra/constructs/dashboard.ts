// One CloudWatch dashboard for the archive: what arrives (webhook deliveries and refusals), what
// waits (queue depth and age, the DLQ), what is archived (files, bytes, copy throughput), what fails,
// what the reconcile sweep finds, what source cleanup and expiry did, and the archive events. Custom metrics are named by the constants the functions emit
// them with (INGEST_METRIC_NAMES, WEBHOOK_METRIC_NAMES, RECONCILE_METRIC_NAMES) and carry the
// `service` dimension Powertools adds (METRIC_SERVICES): test/infra/dashboard.test.ts fails if the
// dashboard names anything the code does not publish.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INGEST_METRIC_NAMES } from '../../shared/ingest/ingest-metrics.ts';
import { METRIC_SERVICES, type MetricService } from '../../shared/observability/metrics.ts';
import { ARCHIVE_EVENT_METRIC_NAMES } from '../../shared/events/outbox.ts';
import { CLEANUP_METRIC_NAMES } from '../../shared/reconcile/cleanup-step.ts';
import { RECONCILE_METRIC_NAMES } from '../../shared/reconcile/reconcile-run.ts';
import { WEBHOOK_METRIC_NAMES } from '../../shared/webhook/webhook-metrics.ts';
import type { ArchiveHttpApi } from './http-api.ts';
import type { ArchiveFunction } from './node-function.ts';

export interface ArchiveDashboardProps {
  readonly functions: Readonly<Record<string, ArchiveFunction>>;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly httpApi: ArchiveHttpApi;
  readonly metricsNamespace: string;
}

const PERIOD = Duration.minutes(5);
const WIDTH = 8;
const HEIGHT = 6;

export class ArchiveDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** The dashboard in the CloudWatch console. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ArchiveDashboardProps) {
    super(scope, id);
    const custom = (service: MetricService, metricName: string, label: string, statistic: string = cloudwatch.Stats.SUM) =>
      new cloudwatch.Metric({ namespace: props.metricsNamespace, metricName, dimensionsMap: { service }, statistic, period: PERIOD, label });
    const ingest = (name: string, label: string) => custom(METRIC_SERVICES.ingest, name, label);
    const webhook = (name: string, label: string) => custom(METRIC_SERVICES.webhook, name, label);
    const sweep = (name: string, label: string) => custom(METRIC_SERVICES.reconcile, name, label);
    const I = INGEST_METRIC_NAMES;
    const W = WEBHOOK_METRIC_NAMES;
    const R = RECONCILE_METRIC_NAMES;
    const C = CLEANUP_METRIC_NAMES;
    const E = ARCHIVE_EVENT_METRIC_NAMES;
    // Ingest and reconcile both publish archive events, under the same metric names.
    const fromBothPublishers = (name: string, label: string) => [ingest(name, `${label} (ingest)`), sweep(name, `${label} (reconcile)`)];
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: WIDTH, height: HEIGHT, period: PERIOD, ...extra });

    const bytesArchived = ingest(I.bytesArchived, 'bytes archived');
    const copySeconds = ingest(I.copySeconds, 'copy seconds');

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(24),
      widgets: [
        [
          graph('Webhook deliveries (API Gateway)', [
            props.httpApi.webhookMetric('Count', { period: PERIOD, label: 'POST deliveries' }),
            props.httpApi.webhookMetric('4xx', { period: PERIOD, label: '4xx' }),
            props.httpApi.webhookMetric('5xx', { period: PERIOD, label: '5xx' }),
          ]),
          graph('Webhook events', [
            webhook(W.accepted, 'accepted'),
            webhook(W.duplicate, 'duplicate'),
            webhook(W.eventRepaired, 'repaired'),
            webhook(W.unknownEvent, 'unknown event'),
          ]),
          graph('Webhook rejections', [
            webhook(W.rejected, 'rejected (signature, payload)'),
            webhook(W.staleTimestamp, 'outside the replay window'),
            webhook(W.eventParked, 'parked (npm run parked)'),
            webhook(W.enqueueFailed, 'enqueue failed (503)'),
          ]),
        ],
        [
          graph('Ingest queue depth', [
            props.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'waiting' }),
            props.queue.metricApproximateNumberOfMessagesNotVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'in flight' }),
          ]),
          graph('Ingest queue age (oldest message, s)', [
            props.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'oldest message' }),
          ]),
          new cloudwatch.SingleValueWidget({
            title: 'Dead-letter queue depth (npm run redrive)',
            metrics: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'messages' })],
            width: WIDTH,
            height: HEIGHT,
            sparkline: true,
          }),
        ],
        [
          graph('Files archived', [ingest(I.filesArchived, 'files archived'), ingest(I.messagesReceived, 'messages received')]),
          graph('Bytes archived', [bytesArchived]),
          graph('Copy throughput (bytes/s)', [
            new cloudwatch.MathExpression({ expression: 'bytes / PERIOD(bytes)', usingMetrics: { bytes: bytesArchived }, label: 'archived per second', period: PERIOD }),
            new cloudwatch.MathExpression({
              expression: 'IF(seconds > 0, bytes / seconds, 0)',
              usingMetrics: { bytes: bytesArchived, seconds: copySeconds },
              label: 'per second of copying',
              period: PERIOD,
            }),
          ]),
        ],
        [
          graph('Copy failures', [
            ingest(I.integrityFailures, 'integrity failures'),
            ingest(I.retries, 'messages retried'),
            ingest(I.copiesStalled, 'copies stalled (DLQ)'),
            ingest(I.continuationLimitsReached, 'continuation limit (DLQ)'),
            ingest(I.downloadLinksRefused, 'download links refused'),
          ]),
          graph(
            'Function errors',
            Object.entries(props.functions).map(([name, fn]) => fn.function.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: name })),
          ),
          graph('Waits and deletions', [
            ingest(I.deferrals, 'deferrals'),
            ingest(I.continuations, 'continuations'),
            ingest(I.deletionsConfirmed, 'deletions confirmed'),
            ingest(I.deletionsUnconfirmed, 'deletions unconfirmed'),
          ]),
        ],
        [
          graph('Sweep: files', [sweep(R.filesFound, 'found'), sweep(R.filesAlreadyArchived, 'already archived'), sweep(R.filesEnqueued, 'enqueued')]),
          graph('Sweep runs', [sweep(R.sweepsCompleted, 'completed'), sweep(R.sweepsPaused, 'paused (budget or time)'), sweep(R.sweepsSkipped, 'skipped (overlap)')]),
          graph('Sweep: Tencent pages and bytes', [sweep(R.corpRecordsPages, 'corp/records pages')], { right: [sweep(R.bytesEnqueued, 'bytes enqueued')] }),
        ],
        [
          graph(
            'Source cleanup: files',
            [
              sweep(C.filesDeleted, 'deleted at Tencent'),
              sweep(C.filesWouldDelete, 'would delete (dry run)'),
              sweep(C.filesHeld, 'kept: legal hold'),
              sweep(C.filesNotVerified, 'kept: copy not verified'),
              sweep(C.unconfirmed, 'deletion not confirmed'),
              sweep(C.errors, 'runs failed'),
            ],
            { right: [sweep(C.bytesFreed, 'bytes freed at Tencent'), sweep(C.bytesWouldFree, 'bytes it would free')] },
          ),
          graph('Archive expiry', [sweep(C.filesExpired, 'files expired')], { right: [sweep(C.bytesExpired, 'bytes expired')] }),
          graph('Archive events (EventBridge)', [
            ...fromBothPublishers(E.published, 'published'),
            sweep(E.republished, 'republished by the sweep'),
            ...fromBothPublishers(E.publishFailed, 'publish failed'),
          ]),
        ],
      ],
    });
    const region = Stack.of(this).region;
    this.url = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}
