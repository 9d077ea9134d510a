// Powertools metrics for every function. The namespace comes from POWERTOOLS_METRICS_NAMESPACE
// (the CDK construct sets it to the stack's service name); a namespace given in code would
// override that variable, so code names one only as the fallback when the variable is unset.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const DEFAULT_METRICS_NAMESPACE = 'TencentMeetingArchive';

// An invocation that counts nothing is normal here (a heartbeat GET, a refusal of malformed HTTP,
// an empty sweep); Powertools would warn about it after every one. Its other warnings stay.
const EMPTY_FLUSH_WARNING = /^No application metrics to publish/;
const metricsLogger = {
  debug: (...args: unknown[]) => console.debug(...args),
  info: (...args: unknown[]) => console.info(...args),
  warn: (...args: unknown[]) => {
    if (typeof args[0] === 'string' && EMPTY_FLUSH_WARNING.test(args[0])) return;
    console.warn(...args);
  },
  error: (...args: unknown[]) => console.error(...args),
};

/**
 * The `service` dimension of each function's metrics (Powertools adds it to every metric): the
 * handlers create their Metrics with these, and the CloudWatch dashboard and alarms read them.
 */
export const METRIC_SERVICES = { webhook: 'webhook', ingest: 'ingest', reconcile: 'reconcile', query: 'archive-query' } as const;

export type MetricService = (typeof METRIC_SERVICES)[keyof typeof METRIC_SERVICES];

export function createMetrics(serviceName: MetricService | (string & {}), env: Readonly<Record<string, string | undefined>> = process.env): Metrics {
  return new Metrics({ serviceName, namespace: env.POWERTOOLS_METRICS_NAMESPACE?.trim() || DEFAULT_METRICS_NAMESPACE, logger: metricsLogger });
}

export { Metrics, MetricUnit };
