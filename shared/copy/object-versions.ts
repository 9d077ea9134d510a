// Removing an archived object for good. The archive bucket is versioned: a DeleteObject without a
// VersionId only stacks a delete marker on top, and the bytes live on as a noncurrent version
// (for 90 days under the bucket's lifecycle rule). A deletion the archive promises (deletion policy
// `mirror`) therefore deletes every version and every delete marker of the key, by VersionId.
//
// An S3 without versioning (fauxqs, the local emulator, does not implement ListObjectVersions: it
// answers the request as a plain object listing, which carries no versions) lists nothing; the
// object found by HEAD is then deleted without a VersionId, which on such a store removes it.
import { DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorName, wrapS3Error } from './s3-objects.ts';

export interface RemovedObject {
  /** VersionIds deleted (versions and delete markers); empty on a store without versioning. */
  readonly versionIds: readonly string[];
  /** The key was deleted without a VersionId because the store listed no versions of it. */
  readonly unversioned: boolean;
}

/** Deletes every version and delete marker of `key`; nothing of it is left in the bucket afterwards. */
export async function deleteEveryVersion(s3: S3Client, bucket: string, key: string): Promise<RemovedObject> {
  const context = { bucket, key };
  const versionIds: string[] = [];
  try {
    for (const versionId of await listVersionIds(s3, bucket, key)) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      versionIds.push(versionId);
    }
    // What the listing did not show (an unversioned store, or a version written meanwhile) is still
    // found by HEAD: deleted, then listed again until nothing is left.
    let unversioned = false;
    for (let round = 0; round < 3 && (await exists(s3, bucket, key)); round += 1) {
      const more = await listVersionIds(s3, bucket, key);
      if (more.length === 0) {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        unversioned = true;
        continue;
      }
      for (const versionId of more) {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
        versionIds.push(versionId);
      }
    }
    return { versionIds, unversioned };
  } catch (error) {
    throw wrapS3Error(error, 'deleting every version of the archived object failed', context);
  }
}

async function listVersionIds(s3: S3Client, bucket: string, key: string): Promise<string[]> {
  const ids: string[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: key,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
      }),
    );
    // Prefix also matches longer keys (`video.mp4.part`): only this exact key counts.
    for (const entry of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
      // A version written before versioning was enabled has the id "null", and is deleted by it.
      if (entry.Key === key && entry.VersionId) ids.push(entry.VersionId);
    }
    if (!page.IsTruncated) return ids;
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
    if (!keyMarker && !versionMarker) return ids;
  }
}

async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const name = errorName(error);
    if (name === 'NotFound' || name === 'NoSuchKey') return false;
    throw error;
  }
}
