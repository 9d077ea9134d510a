// One measured copy per process, so peak RSS belongs to that copy alone. Run as
//   node bench/support/copy-child.ts '<json ChildConfig>'
// and read one JSON line (ChildResult) from stdout. Used by bench/copy.ts and the 1 GiB memory test.
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import ky from 'ky';
import { Readable } from 'node:stream';
import { copyArtifact } from '../../shared/copy/copy-artifact.ts';
import type { CopyResult } from '../../shared/copy/copy-types.ts';
import { withUnsignedPayload } from '../../shared/copy/s3-objects.ts';
import { HttpSource } from '../../shared/copy/http-source.ts';
import { partRange } from '../../shared/copy/part-plan.ts';
import { SegmentScheduler } from '../../shared/copy/segment-scheduler.ts';
import { MemoryCheckpointStore } from '../../shared/copy/checkpoint-store.ts';
import { crc32, crc32ToBase64 } from '../../shared/copy/crc32.ts';
import { createGuardedFetch } from '../../shared/copy/guarded-fetch.ts';

export interface ChildConfig {
  /**
   * engine: the project's copy; naive: ky stream → lib-storage Upload defaults; download: source →
   * nowhere (one GET); streamed: the engine's reads (one ranged GET per segment of parts per
   * connection) → nowhere, the source's ceiling for the engine; ranged: one ranged GET per part
   * (`concurrency` at once), the previous engine's reads; sink: generated parts → S3.
   */
  readonly mode: 'engine' | 'naive' | 'download' | 'ranged' | 'streamed' | 'sink';
  readonly sourceUrl?: string;
  readonly s3Endpoint?: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly size: number;
  readonly partSize?: number;
  readonly maxPartSize?: number;
  readonly concurrency?: number;
}

export interface ChildResult {
  readonly mode: ChildConfig['mode'];
  readonly bytes: number;
  readonly seconds: number;
  readonly mbPerSecond: number;
  readonly maxRssMiB: number;
  /** CPU time (user + system) of this process during the measurement. */
  readonly cpuSeconds: number;
  readonly checksum?: string;
  readonly status?: string;
}

function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function run(config: ChildConfig): Promise<ChildResult> {
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let bytes = 0;
  let checksum: string | undefined;
  let status: string | undefined;
  if (config.mode === 'download') {
    const res = await ky.get(config.sourceUrl!, { timeout: false, retry: 0 });
    for await (const chunk of Readable.fromWeb(res.body! as never) as AsyncIterable<Buffer>) bytes += chunk.length;
  } else if (config.mode === 'streamed') {
    // The engine's reads (segments of parts from SegmentScheduler, each streamed over one ranged GET
    // into a reused part buffer), with nothing uploaded: what the source delivers to that pattern.
    const source = new HttpSource({ resolveUrl: async () => config.sourceUrl! });
    const plan = { totalBytes: config.size, partSize: config.partSize! };
    const partCount = Math.ceil(config.size / plan.partSize);
    const scheduler = new SegmentScheduler(Array.from({ length: partCount }, (_, i) => i + 1), config.concurrency ?? 4);
    const signal = new AbortController().signal;
    await Promise.all(
      Array.from({ length: config.concurrency ?? 4 }, async () => {
        const buffer = Buffer.allocUnsafeSlow(plan.partSize);
        for (let segment = scheduler.take(); segment; segment = scheduler.take()) {
          const current = segment;
          const first = partRange(plan, current.next).start;
          await source.streamRange(first, partRange(plan, current.end - 1).end, config.size, signal, (chunk, position) => {
            const part = Math.floor(position / plan.partSize) + 1;
            if (part >= current.end) return false;
            current.next = part + 1;
            // Up to the segment's end, which a connection taking over its tail may have lowered.
            const wanted = chunk.subarray(0, Math.min(chunk.length, (current.end - 1) * plan.partSize - position));
            const offset = position % plan.partSize;
            const take = Math.min(wanted.length, plan.partSize - offset);
            buffer.set(wanted.subarray(0, take), offset);
            if (take < wanted.length) buffer.set(wanted.subarray(take), 0);
            bytes += wanted.length;
            return wanted.length === chunk.length;
          });
          scheduler.release(current);
        }
      }),
    );
  } else if (config.mode === 'ranged') {
    // The previous engine's reads (HttpSource.readRange of one part into a reused part buffer,
    // `concurrency` at once), with nothing uploaded: a new request and first byte for every part.
    const source = new HttpSource({ resolveUrl: async () => config.sourceUrl! });
    const partSize = config.partSize!;
    const partCount = Math.ceil(config.size / partSize);
    const signal = new AbortController().signal;
    let next = 1;
    await Promise.all(
      Array.from({ length: config.concurrency ?? 4 }, async () => {
        const buffer = Buffer.allocUnsafeSlow(partSize);
        for (let n = next++; n <= partCount; n = next++) {
          const start = (n - 1) * partSize;
          const end = Math.min(start + partSize, config.size);
          await source.readRange(start, end, config.size, buffer.subarray(0, end - start), signal);
          bytes += end - start;
        }
      }),
    );
  } else if (config.mode === 'naive') {
    const res = await ky.get(config.sourceUrl!, { timeout: false, retry: 0 });
    const upload = new Upload({
      client: s3Client(config.s3Endpoint!),
      params: { Bucket: config.bucket!, Key: config.key!, Body: Readable.fromWeb(res.body! as never) },
    });
    await upload.done();
    bytes = config.size;
  } else if (config.mode === 'sink') {
    // The sink's own ceiling: the same part size, concurrency and request shape as the engine
    // (per-part CRC32 header, unsigned payload), with the bytes already in memory (one buffer,
    // checksummed once).
    const s3 = s3Client(config.s3Endpoint!);
    const partSize = config.partSize!;
    const buffer = Buffer.alloc(partSize, 7);
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: config.bucket!, Key: config.key!, ChecksumAlgorithm: 'CRC32', ChecksumType: 'COMPOSITE' }),
    );
    const partCount = Math.ceil(config.size / partSize);
    const crcs = new Map<number, string>();
    const parts: { PartNumber: number; ETag: string; ChecksumCRC32: string }[] = [];
    let next = 1;
    await Promise.all(
      Array.from({ length: config.concurrency ?? 4 }, async () => {
        for (let n = next++; n <= partCount; n = next++) {
          const length = Math.min(partSize, config.size - (n - 1) * partSize);
          const body = buffer.subarray(0, length);
          let crc = crcs.get(length);
          if (!crc) crcs.set(length, (crc = crc32ToBase64(crc32(body))));
          const out = await s3.send(
            withUnsignedPayload(
              new UploadPartCommand({ Bucket: config.bucket!, Key: config.key!, UploadId: created.UploadId!, PartNumber: n, Body: body, ContentLength: length, ChecksumCRC32: crc }),
            ),
          );
          parts.push({ PartNumber: n, ETag: out.ETag!, ChecksumCRC32: crc });
          bytes += length;
        }
      }),
    );
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: config.bucket!, Key: config.key!, UploadId: created.UploadId!, MultipartUpload: { Parts: parts } }),
    );
  } else {
    const result: CopyResult = await copyArtifact({
      s3: s3Client(config.s3Endpoint!),
      bucket: config.bucket!,
      key: config.key!,
      contentType: 'video/mp4',
      expectedBytes: config.size,
      resolveUrl: async () => config.sourceUrl!,
      // The archive's own link client (download-policy checks, pinned address), loopback allowed.
      fetchSource: createGuardedFetch({ allowInsecureLoopback: true, hostAllowlist: [] }),
      checkpoints: new MemoryCheckpointStore(),
      checkpointKey: { recordFileId: 'bench', artifact: 'video' },
      ...(config.partSize ? { partSizeBytes: config.partSize } : {}),
      ...(config.maxPartSize ? { maxPartSizeBytes: config.maxPartSize } : {}),
      ...(config.concurrency ? { concurrency: config.concurrency } : {}),
    });
    status = result.status;
    if (result.status !== 'archived') throw new Error(`copy ended ${result.status}`);
    bytes = result.bytes;
    checksum = result.checksum;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return {
    mode: config.mode,
    bytes,
    seconds,
    mbPerSecond: bytes / 1e6 / seconds,
    // maxRSS is in KiB.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    ...(checksum ? { checksum } : {}),
    ...(status ? { status } : {}),
  };
}

const arg = process.argv[2];
if (arg) {
  run(JSON.parse(arg) as ChildConfig).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
