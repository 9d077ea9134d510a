// Powertools metrics for every function. The namespace comes from POWERTOOLS_METRICS_NAMESPACE
// (the CDK construct sets it to the stack's service name); a namespace given in code would
// override that variable, so code names one only as the fallback when the variable is unset.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const DEFAULT_METRICS_NAMESPACE = 'TencentMeetingArchive';

export function createMetrics(serviceName: string, env: Readonly<Record<string, string | undefined>> = process.env): Metrics {
  return new Metrics({ serviceName, namespace: env.POWERTOOLS_METRICS_NAMESPACE?.trim() || DEFAULT_METRICS_NAMESPACE });
}

export { Metrics, MetricUnit };
