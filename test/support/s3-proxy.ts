// An HTTP proxy in front of fauxqs's S3, over real sockets, that knows which S3 operation each
// request is. It records every multipart upload's life (CreateMultipartUpload, Complete, Abort as
// S3 answered them), so a test can assert that no upload was left open: fauxqs routes
// ListMultipartUploads to ListObjects, so asking S3 cannot tell. It also plays S3 faults a copy must
// survive: an operation held back (slow), refused with a status, or answered by S3 but the answer
// lost on the way back (the connection drops after S3 acted).
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../shared/aws/clients.ts';

export type S3Operation =
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'HeadObject'
  | 'PutObject'
  | 'GetObject'
  | 'DeleteObject'
  | 'PutObjectLegalHold'
  | 'Other';

export interface S3Call {
  readonly operation: S3Operation;
  readonly method: string;
  /** `/bucket/key` */
  readonly path: string;
  readonly uploadId?: string;
  /** What the client was answered (0: the connection was dropped). */
  status: number;
  /** What S3 answered, when the request reached it. */
  s3Status?: number;
  /** The request body, for a request the proxy answered itself (`answer`). */
  body?: string;
}

/** How the proxy treats matching requests, the next `times` of them. */
export type S3Fault =
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'refuse'; readonly status: number; readonly code?: string }
  | { readonly kind: 'lose-answer' }
  /** Answered by the proxy as S3 would, without reaching the emulator (an operation fauxqs does not implement). */
  | { readonly kind: 'answer'; readonly status: number; readonly body?: string };

interface ArmedFault {
  readonly operation: S3Operation;
  readonly fault: S3Fault;
  remaining: number;
}

export interface S3Proxy {
  /** `http://127.0.0.1:<port>`: the endpoint to give an S3 client instead of fauxqs's. */
  readonly endpoint: string;
  readonly calls: readonly S3Call[];
  /** Upload ids S3 created and neither completed nor aborted (as S3 answered, whatever the client saw). */
  openUploads(): string[];
  /** Upload ids S3 created. */
  createdUploads(): string[];
  count(operation: S3Operation, filter?: (call: S3Call) => boolean): number;
  /** The next `times` requests of `operation` get `fault`. */
  arm(operation: S3Operation, fault: S3Fault, times?: number): void;
  /** Called as each request arrives, before it is forwarded. */
  onRequest(listener: (call: S3Call) => void): void;
  clear(): void;
  close(): Promise<void>;
}

export function operationOf(method: string, query: URLSearchParams, path: string): S3Operation {
  const objectLevel = path.split('/').filter(Boolean).length > 1;
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'PUT' && query.has('uploadId') && query.has('partNumber')) return 'UploadPart';
  if (method === 'DELETE' && query.has('uploadId')) return 'AbortMultipartUpload';
  if (method === 'GET' && query.has('uploadId')) return 'ListParts';
  if (!objectLevel) return 'Other';
  if (method === 'PUT' && query.has('legal-hold')) return 'PutObjectLegalHold';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'PUT') return 'PutObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'DELETE') return 'DeleteObject';
  return 'Other';
}

export async function startS3Proxy(targetEndpoint: string): Promise<S3Proxy> {
  const target = new URL(targetEndpoint);
  const agent = new Agent({ keepAlive: true });
  const calls: S3Call[] = [];
  let faults: ArmedFault[] = [];
  const listeners: Array<(call: S3Call) => void> = [];

  const takeFault = (operation: S3Operation): S3Fault | undefined => {
    const hit = faults.find((f) => f.operation === operation && f.remaining > 0);
    if (!hit) return undefined;
    hit.remaining -= 1;
    faults = faults.filter((f) => f.remaining > 0);
    return hit.fault;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const operation = operationOf(req.method ?? 'GET', url.searchParams, url.pathname);
    const uploadId = url.searchParams.get('uploadId') ?? undefined;
    const call: S3Call = { operation, method: req.method ?? 'GET', path: url.pathname, ...(uploadId ? { uploadId } : {}), status: 0 };
    calls.push(call);
    for (const listener of listeners) listener(call);
    const fault = takeFault(operation);

    if (fault?.kind === 'answer') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        call.body = Buffer.concat(chunks).toString('utf8');
        call.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'application/xml' }).end(fault.body ?? '');
      });
      return;
    }

    if (fault?.kind === 'refuse') {
      req.resume();
      call.status = fault.status;
      const code = fault.code ?? (fault.status === 503 ? 'SlowDown' : 'InternalError');
      if (req.method === 'HEAD') res.writeHead(fault.status).end();
      else res.writeHead(fault.status, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`);
      return;
    }

    const forward = () => {
      // The proxy already answered any `Expect: 100-continue` itself; the body follows at once.
      const { expect: _expect, ...headers } = req.headers;
      const upstream = httpRequest(
        { host: target.hostname, port: Number(target.port), method: req.method, path: req.url, headers, agent },
        (answer) => {
          call.s3Status = answer.statusCode ?? 0;
          const inspect = operation === 'CreateMultipartUpload' || operation === 'CompleteMultipartUpload';
          if (!inspect && fault?.kind !== 'lose-answer') {
            call.status = answer.statusCode ?? 0;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const body = Buffer.concat(chunks);
            const text = inspect ? body.toString('utf8') : '';
            if (operation === 'CreateMultipartUpload') {
              const created = /<UploadId>([^<]+)<\/UploadId>/.exec(text)?.[1];
              if (created) (call as { uploadId?: string }).uploadId = created;
            }
            // S3 may answer a failed Complete with 200 and an <Error> body.
            if (operation === 'CompleteMultipartUpload' && call.s3Status === 200 && !text.includes('CompleteMultipartUploadResult')) call.s3Status = 500;
            if (fault?.kind === 'lose-answer') {
              res.destroy();
              return;
            }
            call.status = answer.statusCode ?? 0;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(body);
          });
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (fault?.kind === 'delay') setTimeout(forward, fault.ms);
    else forward();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const succeeded = (operation: S3Operation) =>
    new Set(calls.filter((c) => c.operation === operation && c.s3Status !== undefined && c.s3Status >= 200 && c.s3Status < 300).map((c) => c.uploadId));

  const createdUploads = () => [...succeeded('CreateMultipartUpload')].filter((id): id is string => id !== undefined);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    createdUploads,
    openUploads() {
      const completed = succeeded('CompleteMultipartUpload');
      const aborted = succeeded('AbortMultipartUpload');
      return createdUploads().filter((id) => !completed.has(id) && !aborted.has(id));
    },
    count: (operation, filter = () => true) => calls.filter((c) => c.operation === operation && filter(c)).length,
    arm(operation, fault, times = 1) {
      faults.push({ operation, fault, remaining: times });
    },
    onRequest(listener) {
      listeners.push(listener);
    },
    clear() {
      faults = [];
      listeners.length = 0;
    },
    close() {
      agent.destroy();
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** An S3 client like the functions' own, whose requests go through the proxy. */
export function s3ClientThrough(proxy: S3Proxy): S3Client {
  return createS3Client({ awsEndpoint: proxy.endpoint, forcePathStyle: true, region: 'us-east-1' });
}
