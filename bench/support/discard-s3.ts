// A minimal S3 endpoint that throws bytes away: the sink that measures the copy engine itself
// (fauxqs saturates at ~90 MB/s), and a strict S3 model for tests where fauxqs falls short: it
// implements ListParts and ListMultipartUploads, checks per-part CRC32s when asked, and checks a
// FULL_OBJECT CRC32 and MpuObjectSize at completion, as S3 does. Only part metadata is kept.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { compositeCrc32, crc32ToBase64, fullObjectCrc32 } from '../../shared/copy/crc32.ts';

interface PartMeta {
  size: number;
  etag: string;
  crc32?: string;
}

interface UploadMeta {
  key: string;
  initiated: Date;
  checksumType?: string;
  parts: Map<number, PartMeta>;
}

interface ObjectMeta {
  size: number;
  etag: string;
  contentType?: string;
  contentDisposition?: string;
  crc32?: string;
  checksumType?: string;
}

export interface DiscardS3Options {
  /** Recompute every part's CRC32 and refuse mismatches (costs CPU; off for throughput runs). */
  readonly verifyChecksums?: boolean;
}

export interface DiscardS3 {
  readonly endpoint: string;
  readonly server: Server;
  readonly uploads: Map<string, UploadMeta>;
  readonly objects: Map<string, ObjectMeta>;
  readonly stats: { uploadParts: number; bytes: number; listParts: number };
  close(): Promise<void>;
}

const XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

function xml(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  xml(res, status, `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId></Error>`);
}

function esc(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Drains the body, counting (and optionally CRC-ing) it. aws-chunked bodies are counted raw. Data
 * events, not `for await`: an async iterator costs a promise per 64 KiB chunk, CPU the bench would
 * take from the copier it measures on the same two cores.
 */
function drain(req: IncomingMessage, withCrc: boolean): Promise<{ size: number; crc: number }> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let crc = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (withCrc) crc = crc32(chunk, crc);
    });
    req.once('end', () => resolve({ size, crc }));
    req.once('error', reject);
  });
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function startDiscardS3(options: DiscardS3Options = {}): Promise<DiscardS3> {
  const uploads = new Map<string, UploadMeta>();
  const objects = new Map<string, ObjectMeta>();
  const stats = { uploadParts: 0, bytes: 0, listParts: 0 };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const objectId = `${bucket}/${key}`;
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const chunked = (header(req, 'content-encoding') ?? '').includes('aws-chunked') || header(req, 'x-amz-decoded-content-length') !== undefined;

    if (method === 'PUT' && q.has('uploadId') && q.has('partNumber')) {
      const upload = uploads.get(q.get('uploadId')!);
      if (!upload) {
        await drain(req, false);
        return s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      }
      const sent = header(req, 'x-amz-checksum-crc32');
      const verify = options.verifyChecksums === true && sent !== undefined && !chunked;
      const { size, crc } = await drain(req, verify);
      const decoded = Number(header(req, 'x-amz-decoded-content-length') ?? size);
      if (verify && crc32ToBase64(crc) !== sent) return s3Error(res, 400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
      stats.uploadParts += 1;
      stats.bytes += decoded;
      const partNumber = Number(q.get('partNumber'));
      const etag = createHash('md5').update(`${q.get('uploadId')}:${partNumber}:${decoded}:${sent ?? ''}`).digest('hex');
      upload.parts.set(partNumber, { size: decoded, etag, ...(sent ? { crc32: sent } : {}) });
      res.writeHead(200, { ETag: `"${etag}"`, ...(sent ? { 'x-amz-checksum-crc32': sent } : {}), 'Content-Length': 0 });
      return res.end();
    }
    if (method === 'PUT' && key) {
      const sent = header(req, 'x-amz-checksum-crc32');
      const verify = options.verifyChecksums === true && sent !== undefined && !chunked;
      const { size, crc } = await drain(req, verify);
      const decoded = Number(header(req, 'x-amz-decoded-content-length') ?? size);
      if (verify && crc32ToBase64(crc) !== sent) return s3Error(res, 400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
      stats.bytes += decoded;
      const etag = createHash('md5').update(`${objectId}:${decoded}:${Date.now()}`).digest('hex');
      objects.set(objectId, {
        size: decoded,
        etag,
        ...(sent ? { crc32: sent, checksumType: 'FULL_OBJECT' } : {}),
        ...(header(req, 'content-type') ? { contentType: header(req, 'content-type')! } : {}),
        ...(header(req, 'content-disposition') ? { contentDisposition: header(req, 'content-disposition')! } : {}),
      });
      res.writeHead(200, { ETag: `"${etag}"`, ...(sent ? { 'x-amz-checksum-crc32': sent } : {}), 'Content-Length': 0 });
      return res.end();
    }
    if (method === 'POST' && q.has('uploads')) {
      await drain(req, false);
      const uploadId = randomUUID();
      const checksumType = header(req, 'x-amz-checksum-type');
      uploads.set(uploadId, { key: objectId, initiated: new Date(), parts: new Map(), ...(checksumType ? { checksumType } : {}) });
      return xml(
        res,
        200,
        `<InitiateMultipartUploadResult ${XMLNS}><Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    if (method === 'POST' && q.has('uploadId')) {
      const body = await readText(req);
      const uploadId = q.get('uploadId')!;
      const upload = uploads.get(uploadId);
      if (!upload) return s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      const listed: PartMeta[] = [];
      for (const block of body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
        const n = Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(block[1]!)?.[1]);
        const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(block[1]!)?.[1]?.replace(/&quot;|"/g, '');
        const part = upload.parts.get(n);
        if (!part || part.etag !== etag) return s3Error(res, 400, 'InvalidPart', `part ${n} not found or ETag differs`);
        listed.push(part);
      }
      const size = listed.reduce((sum, p) => sum + p.size, 0);
      const declaredSize = header(req, 'x-amz-mp-object-size');
      if (declaredSize !== undefined && Number(declaredSize) !== size) {
        return s3Error(res, 400, 'InvalidRequest', `object size ${size} differs from x-amz-mp-object-size ${declaredSize}`);
      }
      const withCrc = listed.every((p) => p.crc32) && listed.length > 0;
      let crcValue: string | undefined;
      const fullObject = upload.checksumType === 'FULL_OBJECT';
      if (withCrc) {
        const crcParts = listed.map((p) => ({ crc32: p.crc32!, size: p.size }));
        crcValue = fullObject ? fullObjectCrc32(crcParts) : compositeCrc32(crcParts);
        const claimed = header(req, 'x-amz-checksum-crc32');
        if (claimed !== undefined && claimed !== crcValue) return s3Error(res, 400, 'BadDigest', 'The full-object CRC32 does not match.');
      }
      const etag = `${createHash('md5').update(listed.map((p) => p.etag).join('')).digest('hex')}-${listed.length}`;
      uploads.delete(uploadId);
      objects.set(objectId, { size, etag, ...(crcValue ? { crc32: crcValue, checksumType: fullObject ? 'FULL_OBJECT' : 'COMPOSITE' } : {}) });
      return xml(
        res,
        200,
        `<CompleteMultipartUploadResult ${XMLNS}><Location>http://localhost/${esc(objectId)}</Location><Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key><ETag>"${etag}"</ETag>` +
          (crcValue ? `<ChecksumCRC32>${crcValue}</ChecksumCRC32><ChecksumType>${fullObject ? 'FULL_OBJECT' : 'COMPOSITE'}</ChecksumType>` : '') +
          `</CompleteMultipartUploadResult>`,
      );
    }
    if (method === 'DELETE' && q.has('uploadId')) {
      await drain(req, false);
      if (!uploads.delete(q.get('uploadId')!)) return s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      res.writeHead(204);
      return res.end();
    }
    if (method === 'DELETE' && key) {
      await drain(req, false);
      objects.delete(objectId);
      res.writeHead(204);
      return res.end();
    }
    if (method === 'GET' && q.has('uploadId')) {
      stats.listParts += 1;
      const upload = uploads.get(q.get('uploadId')!);
      if (!upload) return s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      const marker = Number(q.get('part-number-marker') ?? 0);
      const max = Number(q.get('max-parts') ?? 1000);
      const numbers = [...upload.parts.keys()].filter((n) => n > marker).sort((a, b) => a - b);
      const page = numbers.slice(0, max);
      const truncated = numbers.length > page.length;
      const parts = page
        .map((n) => {
          const p = upload.parts.get(n)!;
          return `<Part><PartNumber>${n}</PartNumber><ETag>"${p.etag}"</ETag><Size>${p.size}</Size>${p.crc32 ? `<ChecksumCRC32>${p.crc32}</ChecksumCRC32>` : ''}</Part>`;
        })
        .join('');
      return xml(
        res,
        200,
        `<ListPartsResult ${XMLNS}><Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key><UploadId>${q.get('uploadId')}</UploadId>` +
          `<IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextPartNumberMarker>${page.at(-1)}</NextPartNumberMarker>` : ''}${parts}</ListPartsResult>`,
      );
    }
    if (method === 'GET' && q.has('uploads')) {
      const entries = [...uploads.entries()]
        .filter(([, u]) => u.key.startsWith(`${bucket}/`))
        .map(([id, u]) => `<Upload><Key>${esc(u.key.slice(bucket.length + 1))}</Key><UploadId>${id}</UploadId><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`)
        .join('');
      return xml(res, 200, `<ListMultipartUploadsResult ${XMLNS}><Bucket>${esc(bucket)}</Bucket><IsTruncated>false</IsTruncated>${entries}</ListMultipartUploadsResult>`);
    }
    if (method === 'HEAD' && key) {
      const object = objects.get(objectId);
      if (!object) {
        res.writeHead(404);
        return res.end();
      }
      const withChecksum = header(req, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' && object.crc32;
      res.writeHead(200, {
        'Content-Length': object.size,
        ETag: `"${object.etag}"`,
        'Content-Type': object.contentType ?? 'application/octet-stream',
        ...(object.contentDisposition ? { 'Content-Disposition': object.contentDisposition } : {}),
        ...(withChecksum ? { 'x-amz-checksum-crc32': object.crc32!, 'x-amz-checksum-type': object.checksumType ?? 'FULL_OBJECT' } : {}),
      });
      return res.end();
    }
    await drain(req, false);
    return s3Error(res, 501, 'NotImplemented', `${method} ${url.pathname}${url.search} is not implemented by the discard sink`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) s3Error(res, 500, 'InternalError', String(error));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    server,
    uploads,
    objects,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
