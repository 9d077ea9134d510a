// `npm start`'s S3 emulator (fauxqs with its objects on disk) holds a recording of 2 GiB and more:
// Node refuses to write or read 2 GiB in one call, and fauxqs 2.4 does both
// (infra/local/fauxqs-large-objects.ts). The emulator runs as `npm start` runs it, in a process of
// its own (jest cannot load fauxqs), and is restarted on the same directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import type { EmulatorsPartSettings, S3EmulatorInfo } from '../../../infra/local/emulators-cli.ts';
import { startPart, type PartProcess } from '../../../infra/local/processes.ts';

const MiB = 1024 * 1024;
const PART_BYTES = 10 * MiB;
/** Past Node's 2 GiB − 1 per call, with a short last part. */
const TOTAL_BYTES = 2 ** 31 + 3 * MiB + 7;
const BUCKET = 'large-objects';
const KEY = 'recordings/2026/12/02/meeting/long-recording.mp4';
const SCRIPT = join(__dirname, '../../../infra/local/emulators-cli.ts');

/**
 * The object's bytes from `start`: offset mod 251 (a prime, and 10 MiB is no multiple of it), so
 * any two parts differ and one stored out of order, twice or short shows in what is read back.
 */
function expectedBytes(start: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) bytes[i] = (start + i) % 251;
  return bytes;
}

async function startS3(dataDir: string): Promise<{ part: PartProcess<S3EmulatorInfo>; s3: S3Client }> {
  const part = await startPart<EmulatorsPartSettings, S3EmulatorInfo>('S3 emulator', SCRIPT, { serve: 's3', options: { dataDir } });
  const s3 = new S3Client({
    endpoint: part.info.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The SDK's own CRC32 of 2 GiB costs seconds of the suite and tests nothing here.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { part, s3 };
}

async function readRange(s3: S3Client, start: number, length: number): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY, Range: `bytes=${start}-${start + length - 1}` }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

describe("npm start's S3 emulator with an object of 2 GiB and more", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tma-large-object-'));
  let running: { part: PartProcess<S3EmulatorInfo>; s3: S3Client } | undefined;

  afterAll(async () => {
    running?.s3.destroy();
    await running?.part.stop(10_000);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('completes the multipart upload and serves its bytes across the 2 GiB line, also after a restart', async () => {
    running = await startS3(dataDir);
    const { s3 } = running;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: KEY }));
    const partCount = Math.ceil(TOTAL_BYTES / PART_BYTES);
    // Every part is a view of one buffer: the pattern repeats every 251 bytes.
    const period = expectedBytes(0, PART_BYTES + 251);
    const etags: string[] = [];
    let next = 1;
    const uploadOne = async (): Promise<void> => {
      for (let partNumber = next++; partNumber <= partCount; partNumber = next++) {
        const start = (partNumber - 1) * PART_BYTES;
        const size = Math.min(PART_BYTES, TOTAL_BYTES - start);
        const body = period.subarray(start % 251, (start % 251) + size);
        const { ETag } = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: KEY, UploadId, PartNumber: partNumber, Body: body }));
        etags[partNumber - 1] = ETag!;
      }
    };
    await Promise.all([uploadOne(), uploadOne(), uploadOne(), uploadOne()]);
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: KEY, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) } }),
    );
    expect(completed.ETag).toMatch(new RegExp(`-${partCount}"$`));

    // Each read loads the whole object in fauxqs: one range across the 2 GiB line to the end (the short last part).
    const start = 2 ** 31 - 4096;
    const length = TOTAL_BYTES - start;
    expect((await readRange(s3, start, length)).equals(expectedBytes(start, length))).toBe(true);

    s3.destroy();
    await running.part.stop(10_000);
    running = await startS3(dataDir);
    const head = await running.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }));
    expect(head.ContentLength).toBe(TOTAL_BYTES);
    expect(head.ETag).toBe(completed.ETag);
    expect((await readRange(running.s3, start, length)).equals(expectedBytes(start, length))).toBe(true);
  }, 240_000);
});
