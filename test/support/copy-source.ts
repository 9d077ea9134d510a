// The copy engine tests' source and options: a seeded artifact on the simulator's download service,
// copyArtifact's options to copy it, and the check that the object holds exactly its bytes.
import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import type { DownloadServer, DownloadService } from '../../infra/local/simulator/downloads.ts';
import { seededChunk } from '../../infra/local/simulator/seeded-bytes.ts';
import type { CheckpointStore } from '../../shared/copy/checkpoint-store.ts';
import type { CopyArtifactOptions } from '../../shared/copy/copy-types.ts';

const MiB = 1024 * 1024;

export interface CopySource {
  readonly artifactKey: string;
  readonly seed: string;
  readonly size: number;
}

/** A new artifact of `size` seeded bytes on the download service. */
export function registerSource(service: DownloadService, size: number, fileName = 'file.mp4'): CopySource {
  const artifactKey = randomUUID();
  const seed = `seed-${artifactKey}`;
  service.register(artifactKey, { seed, size, contentType: 'video/mp4', fileName });
  return { artifactKey, seed, size };
}

export interface CopyTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Where the test's objects go: `<keyPrefix>/<artifactKey>/video.mp4`. */
  readonly keyPrefix: string;
  readonly server: DownloadServer;
  readonly checkpoints: CheckpointStore;
}

/** Small parts (8 MiB, up to 10 MiB) over 3 connections with quick retries, so a test copies several parts fast. */
export function copyOptionsFor(src: Pick<CopySource, 'artifactKey' | 'size'>, target: CopyTarget, overrides: Partial<CopyArtifactOptions> = {}): CopyArtifactOptions {
  return {
    s3: target.s3,
    bucket: target.bucket,
    key: `${target.keyPrefix}/${src.artifactKey}/video.mp4`,
    contentType: 'video/mp4',
    expectedBytes: src.size,
    resolveUrl: async () => target.server.url(src.artifactKey),
    checkpoints: target.checkpoints,
    checkpointKey: { recordFileId: src.artifactKey, artifact: 'video' },
    partSizeBytes: 8 * MiB,
    maxPartSizeBytes: 10 * MiB,
    concurrency: 3,
    retryBaseDelayMs: 5,
    ...overrides,
  };
}

/** Streams the object back and compares it with the seeded bytes, chunk by chunk. */
export async function expectObjectBytes(client: S3Client, bucket: string, key: string, seed: string, size: number): Promise<void> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  let position = 0;
  for await (const chunk of object.Body as AsyncIterable<Buffer>) {
    const expected = seededChunk(seed, position, chunk.length);
    if (!expected.equals(chunk)) throw new Error(`object differs from the source within bytes ${position}..${position + chunk.length}`);
    position += chunk.length;
  }
  expect(position).toBe(size);
}
