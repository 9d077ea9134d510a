// fauxqs 2.4 keeps S3 objects on disk (s3StorageDir) with one writeFileSync per object and reads
// them back with one readFileSync, and Node refuses both at 2 GiB (ERR_OUT_OF_RANGE,
// ERR_FS_FILE_TOO_LARGE). A recording of 2 GiB or more stored every part, then its
// CompleteMultipartUpload failed after fauxqs had already let the parts go, and the SDK's retry was
// answered InvalidPart. fauxqs has no setting for this and no newer release, so its file store is
// given chunked writes and reads for bodies past Node's limit; everything smaller takes fauxqs's own
// path, unchanged. Hand-written because it reaches into the package: the class is loaded from its
// file (the package exports only its entry), and the patch refuses to apply to a store whose shape
// it does not know, so an upgraded fauxqs fails loudly at start instead of storing bodies wrongly.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';

/** The most bytes one write or read moves in Node (fs's kIoMaxLength). */
const IO_MAX_BYTES = 2 ** 31 - 1;
/** Each write or read of a large body: 64 MiB. */
const CHUNK_BYTES = 64 * 1024 * 1024;

interface StoredObject {
  readonly key: string;
  readonly body: Buffer;
}

interface FileS3Persistence {
  readonly bucketsDir: string;
  upsertObject(bucket: string, obj: StoredObject): void;
  readBody(bucket: string, key: string): Buffer;
}

type FileS3PersistenceClass = { prototype: FileS3Persistence & { [PATCHED]?: true } };

const PATCHED = Symbol.for('tencent-meeting-archive.fauxqs-large-objects');

export class FauxqsStoreUnknownError extends Error {
  constructor(detail: string) {
    super(`fauxqs's file store is not the one this stack knows how to extend for objects of 2 GiB and more (${detail}); pin fauxqs 2.4.x`);
    this.name = 'FauxqsStoreUnknownError';
  }
}

/** fauxqs's own mapping of a key to its file (fileS3Persistence.js `encodeKeyToPath`); checked on every large write. */
function encodeKeyToPath(key: string): string {
  // eslint-disable-next-line no-control-regex
  const encoded = key.replace(/[<>:"|?*\\%\x00-\x1f]/g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return encoded.split('/').join(sep);
}

function dataPathOf(store: FileS3Persistence, bucket: string, key: string): string {
  return join(store.bucketsDir, bucket, 'objects', `${encodeKeyToPath(key)}.data`);
}

function writeInChunks(path: string, body: Buffer): void {
  const fd = openSync(path, 'w');
  try {
    for (let offset = 0; offset < body.length; ) offset += writeSync(fd, body, offset, Math.min(CHUNK_BYTES, body.length - offset), offset);
  } finally {
    closeSync(fd);
  }
}

function readInChunks(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const body = Buffer.allocUnsafe(size);
    for (let offset = 0; offset < size; ) {
      const read = readSync(fd, body, offset, Math.min(CHUNK_BYTES, size - offset), offset);
      if (read === 0) throw new Error(`${path} ended at ${offset} of ${size} bytes`);
      offset += read;
    }
    return body;
  } finally {
    closeSync(fd);
  }
}

/** Lets this process's fauxqs file store hold objects of 2 GiB and more; idempotent. */
export async function allowLargeFauxqsObjects(): Promise<void> {
  const entry = import.meta.resolve('fauxqs');
  const module = (await import(new URL('./s3/fileS3Persistence.js', entry).href)) as { FileS3Persistence?: FileS3PersistenceClass };
  const proto = module.FileS3Persistence?.prototype;
  if (!proto || typeof proto.upsertObject !== 'function' || typeof proto.readBody !== 'function') {
    throw new FauxqsStoreUnknownError('no FileS3Persistence with upsertObject and readBody');
  }
  if (proto[PATCHED]) return;
  const upsertObject = proto.upsertObject;
  const readBody = proto.readBody;
  proto.upsertObject = function upsertLargeObject(this: FileS3Persistence, bucket: string, obj: StoredObject): void {
    if (obj.body.length <= IO_MAX_BYTES) return upsertObject.call(this, bucket, obj);
    // The body goes to a file beside its place first; fauxqs then writes its metadata (from
    // contentLength, not the body) and an empty body file, which the rename replaces at once. A
    // process killed while seconds of body are written leaves the object as it was, never new
    // metadata over a half-written body (a resumed copy would take that for its completed upload).
    const path = dataPathOf(this, bucket, obj.key);
    const staging = `${path}.large-upload`;
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeInChunks(staging, obj.body);
      upsertObject.call(this, bucket, { ...obj, body: Buffer.alloc(0) });
      if (statSync(path, { throwIfNoEntry: false })?.size !== 0) throw new FauxqsStoreUnknownError(`no empty body file at ${path} after its own write`);
      renameSync(staging, path);
    } finally {
      rmSync(staging, { force: true });
    }
  };
  proto.readBody = function readLargeBody(this: FileS3Persistence, bucket: string, key: string): Buffer {
    // fauxqs's own read first: every GET of an ordinary object costs no more than before.
    try {
      return readBody.call(this, bucket, key);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_FS_FILE_TOO_LARGE') throw error;
      return readInChunks(dataPathOf(this, bucket, key));
    }
  };
  proto[PATCHED] = true;
}
