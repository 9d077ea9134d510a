// Alarms for the things that mean "recordings are not being archived": messages dead-lettered or
// waiting too long, functions failing or throttled, and the webhook rejecting or failing
// Tencent's calls. All alarms notify one SNS topic.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_SERVICES } from '../../shared/observability/metrics.ts';
import { WEBHOOK_METRIC_NAMES } from '../../shared/webhook/webhook-metrics.ts';
import { ArchiveDashboard } from './dashboard.ts';
import type { ArchiveHttpApi } from './http-api.ts';
import type { ArchiveFunction } from './node-function.ts';

export interface MonitoringProps {
  readonly functions: Readonly<Record<string, ArchiveFunction>>;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly httpApi: ArchiveHttpApi;
  /** @default - no subscription; subscribe to the topic yourself */
  readonly alarmEmail?: string;
  /** Alarm when the oldest ingest message is older than this. @default Duration.hours(1) */
  readonly maxIngestMessageAge?: Duration;
  /** Webhook 4xx responses per 5 minutes that signal a misconfigured token/AES key or an attack. @default 10 */
  readonly webhook4xxThreshold?: number;
  /** Namespace of the functions' Powertools metrics (POWERTOOLS_METRICS_NAMESPACE). */
  readonly metricsNamespace: string;
}

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: ArchiveDashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // A customer-managed key because CloudWatch alarms cannot publish to a topic encrypted with
    // the AWS-managed aws/sns key (its policy cannot grant cloudwatch.amazonaws.com).
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the Tencent Meeting archive alarm topic',
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, '*' means this key
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Tencent Meeting archive alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const period = Duration.minutes(5);
    this.add('DeadLetterQueueNotEmpty', {
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      description: 'Ingest messages failed repeatedly and were dead-lettered: recordings are not archived. Inspect, fix, then redrive the DLQ.',
    });
    this.add('IngestBacklogTooOld', {
      metric: props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: (props.maxIngestMessageAge ?? Duration.hours(1)).toSeconds(),
      description: 'The oldest ingest message waits too long: copiers are stuck, throttled or too few.',
    });
    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}FunctionErrors`, {
        metric: fn.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        description: `The ${name} function threw (unhandled errors, timeouts or crashes).`,
      });
      this.add(`${name}FunctionThrottles`, {
        metric: fn.function.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        description: `The ${name} function was throttled (account or reserved concurrency exhausted).`,
      });
    }
    this.add('Webhook5xx', {
      metric: props.httpApi.webhookMetric('5xx', { period }),
      threshold: 1,
      description: 'The webhook failed Tencent Meeting callbacks; Tencent retries a few times, then drops the event (reconcile catches up).',
    });
    this.add('Webhook4xx', {
      metric: props.httpApi.webhookMetric('4xx', { period }),
      threshold: props.webhook4xxThreshold ?? 10,
      description: 'The webhook rejects many callbacks: check the token / EncodingAESKey in the secret, or someone is probing the endpoint.',
    });
    // Open point #5: a parked event was acknowledged to Tencent, so nothing retries it; only an
    // operator's replay archives it, within the parked retention.
    this.add('WebhookEventsParked', {
      metric: this.webhookCount(props.metricsNamespace, WEBHOOK_METRIC_NAMES.eventParked, period),
      threshold: 1,
      description:
        'A validly signed Tencent Meeting event did not fit what this release understands; it was acknowledged and kept (log "webhook event parked"). List it with `npm run parked`; replay it with `npm run parked -- --replay` once a release understands it (or the EncodingAESKey is fixed), before WEBHOOK_PARKED_RETENTION_DAYS pass.',
    });
    // Either a captured delivery replayed, or Tencent's clock / timestamp unit disagrees with ours:
    // then every event is refused and Tencent drops them after its retries.
    this.add('WebhookStaleTimestamps', {
      metric: this.webhookCount(props.metricsNamespace, WEBHOOK_METRIC_NAMES.staleTimestamp, period),
      threshold: 1,
      description:
        'Validly signed webhook deliveries were refused for a timestamp outside WEBHOOK_REPLAY_WINDOW_SECONDS: a replayed capture, or a clock or timestamp-unit mismatch with Tencent that refuses real events.',
    });
    this.dashboard = new ArchiveDashboard(this, 'Dashboard', props);
  }

  /** A count the webhook function emits (Powertools EMF: dimension `service` = webhook). */
  private webhookCount(namespace: string, metricName: string, period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace, metricName, dimensionsMap: { service: METRIC_SERVICES.webhook }, statistic: cloudwatch.Stats.SUM, period });
  }

  private add(id: string, props: { metric: cloudwatch.IMetric; threshold: number; description: string }): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means no traffic or no failures, never trouble.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: props.description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
