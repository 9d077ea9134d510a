// The CloudWatch dashboard names only metrics the functions really publish, with the dimensions
// they publish them under, and covers what an operator watches (issue 14). Synthesized without
// bundling: the functions' code is not what this file tests (archive-stack.test.ts bundles and
// runs cdk-nag over the same stack, dashboard included).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ArchiveStack } from '../../infra/stack.ts';
import { INGEST_METRIC_NAMES, ingestMetricsOf, type IngestMetrics } from '../../shared/ingest/ingest-metrics.ts';
import { METRIC_SERVICES } from '../../shared/observability/metrics.ts';
import { ARCHIVE_EVENT_METRIC_NAMES } from '../../shared/events/outbox.ts';
import { CLEANUP_METRIC_NAMES } from '../../shared/reconcile/cleanup-step.ts';
import { RECONCILE_METRIC_NAMES } from '../../shared/reconcile/reconcile-run.ts';
import { WEBHOOK_METRIC_NAMES } from '../../shared/webhook/webhook-metrics.ts';
import { RecordingMetrics } from '../support/recording-metrics.ts';
import { resources } from './support.ts';

let template: Template;
let body: { widgets: Array<{ type: string; properties: { title?: string; metrics?: unknown[][] } }> };

/** The dashboard body with every CloudFormation token replaced by a readable placeholder. */
function renderBody(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(renderBody).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref) return `<${ref}>`;
  const att = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (att) return `<${att.join('.')}>`;
  return '<token>';
}

beforeAll(() => {
  const { context } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(new ArchiveStack(app, 'TencentMeetingArchive'));
  const dashboards = Object.values(resources(template)).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  body = JSON.parse(renderBody(dashboards[0]!.Properties!.DashboardBody));
}, 120_000);

/** POWERTOOLS_METRICS_NAMESPACE, as every function of the stack is given it. */
function functionsNamespace(): string {
  const namespaces = new Set(
    Object.values(resources(template))
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => (r.Properties!.Environment as { Variables?: Record<string, string> } | undefined)?.Variables?.POWERTOOLS_METRICS_NAMESPACE)
      .filter((v): v is string => typeof v === 'string'),
  );
  expect(namespaces.size).toBe(1);
  return [...namespaces][0]!;
}

interface GraphedMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
}

function graphed(): GraphedMetric[] {
  const out: GraphedMetric[] = [];
  for (const widget of body.widgets) {
    for (const row of widget.properties.metrics ?? []) {
      // Metric rows are [namespace, name, dim1, value1, …, {options}]; math expressions are [{expression…}].
      const plain = row.filter((cell) => typeof cell === 'string') as string[];
      if (plain.length < 2) continue;
      const [namespace, name, ...dims] = plain;
      const dimensions: Record<string, string> = {};
      for (let i = 0; i + 1 < dims.length; i += 2) dimensions[dims[i]!] = dims[i + 1]!;
      out.push({ namespace: namespace!, name: name!, dimensions });
    }
  }
  return out;
}

/** What ingestMetricsOf really publishes: every method called once on a recording Metrics. */
function emittedIngestNames(): Set<string> {
  const metrics = new RecordingMetrics({ namespace: 'test', serviceName: METRIC_SERVICES.ingest });
  const ingest = ingestMetricsOf(metrics);
  for (const method of Object.keys(ingest) as (keyof IngestMetrics)[]) (ingest[method] as (n?: number) => void)(1);
  return new Set(metrics.recorded.map((m) => m.name));
}

describe('the CloudWatch dashboard', () => {
  test('every custom metric on it is one the functions publish, under their service dimension and namespace', () => {
    const published: Record<string, Set<string>> = {
      [METRIC_SERVICES.ingest]: new Set([...emittedIngestNames(), ...Object.values(ARCHIVE_EVENT_METRIC_NAMES)]),
      [METRIC_SERVICES.webhook]: new Set(Object.values(WEBHOOK_METRIC_NAMES)),
      [METRIC_SERVICES.reconcile]: new Set([...Object.values(RECONCILE_METRIC_NAMES), ...Object.values(CLEANUP_METRIC_NAMES), ...Object.values(ARCHIVE_EVENT_METRIC_NAMES)]),
    };
    // The ingest constants are what ingestMetricsOf emits: a renamed emission would leave the dashboard on a dead name.
    expect([...emittedIngestNames()].sort()).toEqual(Object.values(INGEST_METRIC_NAMES).sort());
    const custom = graphed().filter((m) => !m.namespace.startsWith('AWS/'));
    expect(custom.length).toBeGreaterThan(20);
    for (const metric of custom) {
      expect(metric.namespace).toBe(functionsNamespace());
      expect(Object.keys(metric.dimensions)).toEqual(['service']);
      const service = metric.dimensions.service!;
      expect(Object.keys(published)).toContain(service);
      if (!published[service]!.has(metric.name)) throw new Error(`the dashboard graphs ${service}/${metric.name}, which the ${service} function never publishes`);
    }
  });

  test('it shows webhook deliveries and rejections, queue age and depth, files and bytes archived, copy throughput, failures, the DLQ, sweep results, source cleanup, expiry and archive events', () => {
    const all = graphed();
    const has = (namespace: string, name: string, dimension?: [string, string]) =>
      all.some((m) => m.namespace === namespace && m.name === name && (!dimension || m.dimensions[dimension[0]] === dimension[1]));
    const ns = functionsNamespace();
    expect(has('AWS/ApiGateway', 'Count', ['Resource', '/webhooks/tencent-meeting'])).toBe(true);
    expect(has('AWS/ApiGateway', '4xx')).toBe(true);
    for (const name of ['WebhookAccepted', 'WebhookRejected', 'WebhookEventParked', 'WebhookStaleTimestamp']) expect(has(ns, name, ['service', 'webhook'])).toBe(true);
    expect(has('AWS/SQS', 'ApproximateAgeOfOldestMessage')).toBe(true);
    expect(has('AWS/SQS', 'ApproximateNumberOfMessagesVisible')).toBe(true);
    for (const name of ['FilesArchived', 'BytesArchived', 'CopySeconds', 'IntegrityFailures', 'Retries', 'CopiesStalled']) expect(has(ns, name, ['service', 'ingest'])).toBe(true);
    for (const name of ['FilesFound', 'FilesEnqueued', 'SweepsCompleted']) expect(has(ns, name, ['service', 'reconcile'])).toBe(true);
    for (const name of ['SourceCleanupFilesDeleted', 'SourceCleanupBytesFreed', 'SourceCleanupFilesWouldDelete', 'SourceCleanupFilesHeld', 'ArchiveFilesExpired']) {
      expect(has(ns, name, ['service', 'reconcile'])).toBe(true);
    }
    expect(has(ns, 'ArchiveEventsPublished', ['service', 'ingest'])).toBe(true);
    expect(has(ns, 'ArchiveEventsPublishFailed', ['service', 'reconcile'])).toBe(true);
    expect(all.some((m) => m.namespace === 'AWS/Lambda' && m.name === 'Errors')).toBe(true);
    // Throughput is a math expression over BytesArchived (and CopySeconds).
    const expressions = body.widgets.flatMap((w) => (w.properties.metrics ?? []).flat()).filter((c) => typeof c === 'object' && c !== null && 'expression' in c);
    expect(expressions.map((e) => (e as { expression: string }).expression)).toEqual(expect.arrayContaining(['bytes / PERIOD(bytes)']));
    // The DLQ depth is one of the two queues' visible count, shown on its own.
    const dlq = body.widgets.find((w) => w.type === 'metric' && w.properties.title?.startsWith('Dead-letter queue'));
    expect(dlq?.properties.metrics?.[0]?.slice(0, 2)).toEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible']);
  });

  test('its console URL is a stack output', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const url = renderBody(outputs.DashboardUrl?.Value);
    expect(url).toMatch(/^https:\/\/<AWS::Region>\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=<AWS::Region>#dashboards:name=<.*Dashboard.*>$/);
  });
});
