// What a copy costs in AWS, from figures the copy bench measures: the copier's throughput through a
// link throttled per connection, its peak RSS and its CPU seconds per GiB. Prices are list prices,
// all in this one table; files are the README's scale model (1 GB recordings, 1 TB = 1,000 files).

export const PRICES = {
  asOf: '2026-11-22 (README "Scale on paper"; check current pricing)',
  region: 'us-east-1',
  /** Lambda arm64, first pricing tier. */
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1e6,
  /** S3 Standard: CreateMultipartUpload, UploadPart, CompleteMultipartUpload and PutObject. */
  s3PerPutRequest: 0.005 / 1000,
  /** S3 Standard: GET and HEAD (the HEAD that verifies the stored object). */
  s3PerGetRequest: 0.0004 / 1000,
  /** DynamoDB on demand, per write request unit (1 KB). */
  dynamoPerWriteUnit: 0.625 / 1e6,
} as const;

export const FILE_BYTES = 1e9;
export const FILES_PER_TB = 1000;
/** Lambda gives one vCPU at 1,769 MB, a share of one below; the copier is one Node thread. */
const FULL_VCPU_MB = 1769;
/** Tencent API and index calls around each copy (README scale model), on top of the transfer. */
export const OVERHEAD_SECONDS_PER_FILE = 3;
/** Headroom between the copier's peak RSS and the function's memory (runtime, variance). */
export const RSS_HEADROOM = 0.8;
/** The copy checkpoint (checkpoint-store.ts): ~385 B of fixed fields and ~47 B per finished part. */
const CHECKPOINT_FIXED_BYTES = 385;
const CHECKPOINT_BYTES_PER_PART = 47;
const CHECKPOINT_INTERVAL_SECONDS = 5;

export interface MeasuredSetting {
  readonly partMiB: number;
  readonly connections: number;
  /** Throughput through the throttled link, MB/s (the median round). */
  readonly linkMbPerSecond: number;
  /** The slowest round's: a setting holds the throughput only if every round did. */
  readonly slowestLinkMbPerSecond: number;
  readonly peakRssMiB: number;
  readonly cpuSecondsPerGiB: number;
}

export interface CostRow extends MeasuredSetting {
  readonly memoryMB: number;
  /** Throughput at this memory: the link's, or less if the memory's CPU share cannot keep up. */
  readonly mbPerSecond: number;
  /** The same from the slowest round: what `cheapest` holds to the requirement. */
  readonly slowestMbPerSecond: number;
  readonly cpuBound: boolean;
  readonly fits: boolean;
  readonly secondsPerFile: number;
  readonly gbSecondsPerFile: number;
  readonly lambdaPerTb: number;
  readonly s3PerTb: number;
  readonly dynamoPerTb: number;
  readonly totalPerTb: number;
}

/** Write units the checkpoint costs for one file copied in `copySeconds` (checkpoint-writer.ts). */
function checkpointWriteUnits(parts: number, copySeconds: number): number {
  const units = (partsDone: number) => Math.ceil((CHECKPOINT_FIXED_BYTES + CHECKPOINT_BYTES_PER_PART * partsDone) / 1024);
  let total = units(0); // created with the upload
  const saves = Math.floor(copySeconds / CHECKPOINT_INTERVAL_SECONDS);
  for (let i = 1; i <= saves; i += 1) total += units(Math.floor((parts * i * CHECKPOINT_INTERVAL_SECONDS) / copySeconds));
  return total + units(parts) /* completing */ + 1 /* delete */;
}

export function costOf(setting: MeasuredSetting, memoryMB: number): CostRow {
  const vcpu = Math.min(1, memoryMB / FULL_VCPU_MB);
  const cpuCeiling = (vcpu / setting.cpuSecondsPerGiB) * (1024 ** 3 / 1e6);
  const mbPerSecond = Math.min(setting.linkMbPerSecond, cpuCeiling);
  const copySeconds = FILE_BYTES / 1e6 / mbPerSecond;
  const secondsPerFile = copySeconds + OVERHEAD_SECONDS_PER_FILE;
  const gbSecondsPerFile = (memoryMB / 1024) * secondsPerFile;
  const parts = Math.ceil(FILE_BYTES / (setting.partMiB * 1024 * 1024));
  const lambdaPerTb = FILES_PER_TB * (gbSecondsPerFile * PRICES.lambdaPerGbSecond + PRICES.lambdaPerRequest);
  const s3PerTb = FILES_PER_TB * ((parts + 2) * PRICES.s3PerPutRequest + PRICES.s3PerGetRequest);
  const dynamoPerTb = FILES_PER_TB * checkpointWriteUnits(parts, copySeconds) * PRICES.dynamoPerWriteUnit;
  return {
    ...setting,
    memoryMB,
    mbPerSecond,
    slowestMbPerSecond: Math.min(setting.slowestLinkMbPerSecond, cpuCeiling),
    cpuBound: cpuCeiling < setting.linkMbPerSecond,
    fits: setting.peakRssMiB * 1.048576 <= memoryMB * RSS_HEADROOM,
    secondsPerFile,
    gbSecondsPerFile,
    lambdaPerTb,
    s3PerTb,
    dynamoPerTb,
    totalPerTb: lambdaPerTb + s3PerTb + dynamoPerTb,
  };
}

/**
 * The cheapest row that fits its memory and holds the throughput: at least `requiredMbPerSecond`
 * in its slowest round (a setting that holds it only in its median round flips from run to run:
 * 64 MiB parts held 145.6 / 143.9 / 146.0 MB/s against 144 required, and 143.5 the run before), or,
 * when no row reaches it (a loaded machine), 0.95 of the best that any fitting row reaches.
 */
export function cheapest(rows: readonly CostRow[], requiredMbPerSecond: number): { row: CostRow | undefined; held: 'required' | 'best' } {
  const fitting = rows.filter((r) => r.fits);
  const byCost = (candidates: CostRow[]) => candidates.sort((a, b) => a.totalPerTb - b.totalPerTb)[0];
  const holding = fitting.filter((r) => r.slowestMbPerSecond >= requiredMbPerSecond);
  if (holding.length > 0) return { row: byCost(holding), held: 'required' };
  const best = Math.max(...fitting.map((r) => r.mbPerSecond));
  return { row: byCost(fitting.filter((r) => r.mbPerSecond >= 0.95 * best)), held: 'best' };
}
