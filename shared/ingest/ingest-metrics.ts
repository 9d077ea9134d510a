// What the ingest worker counts, as one small interface: the IngestService and the batch handler
// report through it without knowing Powertools, and tests record it. The handler's builder binds it
// to Powertools Metrics (CloudWatch EMF), where these names are the dashboard's and alarms' metrics.
import { MetricUnit, type Metrics } from '../observability/metrics.ts';

export interface IngestMetrics {
  /** Messages an invocation was given. Also keeps every invocation's metrics non-empty. */
  messagesReceived(count: number): void;
  /** Every artifact of a file is archived, at least one of them by this invocation. */
  fileArchived(): void;
  /** Bytes of one artifact this invocation archived. */
  bytesArchived(bytes: number): void;
  /** How long one copy ran in this invocation, whether it finished, paused or failed. */
  copySeconds(seconds: number): void;
  /** A message handed back to the queue (it returns after the visibility timeout). */
  retried(): void;
  /** A message re-sent with a delay because it has to wait (file busy, not listed, not ready). */
  deferred(): void;
  /** A copy whose bytes or checksums did not match: never indexed as archived. */
  integrityFailed(): void;
  /** A paused copy handed over to a new message. */
  continued(): void;
  /** A copy sent to the DLQ after consecutive continuations without an acknowledged byte. */
  copyStalled(): void;
  /** A copy sent to the DLQ after the most continuations one file may take. */
  continuationLimitReached(): void;
  /** A download link the policy refused to fetch (shared/copy/download-policy.ts): never retried. */
  downloadRefused(): void;
  /** A video archived with a size other than its record_size (open point #4): recorded, not fatal. */
  recordSizeMismatch(): void;
  /** GET /v1/records listed the file only after the search widened past its first window (open point #1). */
  searchWidened(): void;
  /** Tencent confirmed a file deleted (recording.deleted, or a download link answering 404/410). */
  deletionConfirmed(): void;
  /** A deletion Tencent did not confirm (it still serves the file, or gave no clear answer): nothing changed. */
  deletionUnconfirmed(): void;
  /** Object versions removed from the bucket by a confirmed deletion under `mirror`. */
  objectVersionsDeleted(count: number): void;
  /** A download link answered 404/410 while Tencent still serves the file: resumed with a fresh link, parts kept. */
  linkGoneWhileServed(): void;
}

export const INGEST_METRIC_NAMES = {
  messagesReceived: 'MessagesReceived',
  filesArchived: 'FilesArchived',
  bytesArchived: 'BytesArchived',
  copySeconds: 'CopySeconds',
  retries: 'Retries',
  deferrals: 'Deferrals',
  integrityFailures: 'IntegrityFailures',
  continuations: 'Continuations',
  copiesStalled: 'CopiesStalled',
  continuationLimitsReached: 'ContinuationLimitsReached',
  downloadLinksRefused: 'DownloadLinksRefused',
  recordSizeMismatches: 'RecordSizeMismatches',
  searchWindowsWidened: 'SearchWindowsWidened',
  deletionsConfirmed: 'DeletionsConfirmed',
  deletionsUnconfirmed: 'DeletionsUnconfirmed',
  objectVersionsDeleted: 'ObjectVersionsDeleted',
  linksGoneWhileServed: 'LinksGoneWhileServed',
} as const;

/** Ingest metrics published through Powertools (flushed per invocation by `observed`). */
export function ingestMetricsOf(metrics: Metrics): IngestMetrics {
  const count = (name: string, value = 1) => metrics.addMetric(name, MetricUnit.Count, value);
  return {
    messagesReceived: (n) => count(INGEST_METRIC_NAMES.messagesReceived, n),
    fileArchived: () => count(INGEST_METRIC_NAMES.filesArchived),
    bytesArchived: (bytes) => metrics.addMetric(INGEST_METRIC_NAMES.bytesArchived, MetricUnit.Bytes, bytes),
    copySeconds: (seconds) => metrics.addMetric(INGEST_METRIC_NAMES.copySeconds, MetricUnit.Seconds, seconds),
    retried: () => count(INGEST_METRIC_NAMES.retries),
    deferred: () => count(INGEST_METRIC_NAMES.deferrals),
    integrityFailed: () => count(INGEST_METRIC_NAMES.integrityFailures),
    continued: () => count(INGEST_METRIC_NAMES.continuations),
    copyStalled: () => count(INGEST_METRIC_NAMES.copiesStalled),
    continuationLimitReached: () => count(INGEST_METRIC_NAMES.continuationLimitsReached),
    downloadRefused: () => count(INGEST_METRIC_NAMES.downloadLinksRefused),
    recordSizeMismatch: () => count(INGEST_METRIC_NAMES.recordSizeMismatches),
    searchWidened: () => count(INGEST_METRIC_NAMES.searchWindowsWidened),
    deletionConfirmed: () => count(INGEST_METRIC_NAMES.deletionsConfirmed),
    deletionUnconfirmed: () => count(INGEST_METRIC_NAMES.deletionsUnconfirmed),
    objectVersionsDeleted: (n) => count(INGEST_METRIC_NAMES.objectVersionsDeleted, n),
    linkGoneWhileServed: () => count(INGEST_METRIC_NAMES.linksGoneWhileServed),
  };
}

/** For callers that publish no metrics (the backfill CLI's tests, benches). */
export const UNCOUNTED: IngestMetrics = {
  messagesReceived: () => {},
  fileArchived: () => {},
  bytesArchived: () => {},
  copySeconds: () => {},
  retried: () => {},
  deferred: () => {},
  integrityFailed: () => {},
  continued: () => {},
  copyStalled: () => {},
  continuationLimitReached: () => {},
  downloadRefused: () => {},
  recordSizeMismatch: () => {},
  searchWidened: () => {},
  deletionConfirmed: () => {},
  deletionUnconfirmed: () => {},
  objectVersionsDeleted: () => {},
  linkGoneWhileServed: () => {},
};
