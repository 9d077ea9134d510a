// The simulator's file host: what Tencent's `download_address` links point at. Links are signed
// and expire (Tencent's /v1/addresses/{id} links live 5 minutes), so the archiver's "ask for a
// fresh link, never store one" logic is exercised. Bytes are generated from a seed on the fly, so a
// multi-GB recording costs no memory here and the archived copy can be checked byte for byte.
//
// Faults are switchable per test to reproduce what links to Tencent's hosts do in practice:
// connection resets mid-body, slow far-away links, 5xx bursts, expired links, hosts that ignore
// Range, bodies that stop short of their Content-Length, and a link dropping every response it is
// streaming. Like a CDN, the host checks a link (signature, expiry, whether the object exists) only
// when a request starts: a response already streaming keeps streaming after its link expires or its
// file is deleted, and the client meets the 403/404 only when it asks again, e.g. after a drop.
import { createHmac, randomBytes, timingSafeEqual, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededChunks } from './seeded-bytes.ts';

export interface DownloadSource {
  readonly seed: string;
  /** Given bytes (a readable transcript) instead of the seeded ones; `size` is their length. */
  readonly content?: Uint8Array;
  readonly size: number;
  readonly contentType: string;
  readonly fileName: string;
}

export interface DownloadServiceOptions {
  /** Lifetime of a signed link. Default 5 minutes (Tencent's /v1/addresses/{record_file_id}). */
  readonly linkTtlMs?: number;
  readonly now?: () => number;
}

export interface DownloadStats {
  requests: number;
  rangeRequests: number;
  bytesServed: number;
  resets: number;
  expired: number;
}

/** One answered request, for tests that must prove *which* bytes were asked for (e.g. resume offsets). */
export interface DownloadLogEntry {
  readonly artifactKey: string | undefined;
  readonly method: string;
  /** Parsed `Range` start/end (inclusive) when the request carried a single range we honoured. */
  readonly range?: { readonly start: number; readonly end: number };
  readonly rangeHeader?: string;
  readonly status: number;
}

interface CountedFault {
  remaining: number;
  afterBytes: number;
}

/** Faults applied to the next requests. Counters count GET requests the fault actually hit. */
export class DownloadFaults {
  private readonly cutOpenStreams: () => number;

  constructor(cutOpenStreams: () => number = () => 0) {
    this.cutOpenStreams = cutOpenStreams;
  }

  /** Reset the TCP connection after this many body bytes. */
  reset: CountedFault | undefined;
  /** Close the connection cleanly after this many body bytes, short of Content-Length. */
  truncate: CountedFault | undefined;
  /** Answer this many requests with a 5xx. */
  serverErrors: { remaining: number; status: number } | undefined;
  /** Per-connection bandwidth cap (bytes/s); undefined = unthrottled. */
  bytesPerSecond: number | undefined;
  /** Delay before the status line, like a far-away host. */
  firstByteLatencyMs = 0;
  /** Every link counts as expired (403), whatever its token says. */
  allLinksExpired = false;
  /** Behave like a host without Range support: ignore the header and send 200 with the full body. */
  rangeUnsupported = false;

  resetAfterBytes(afterBytes: number, options: { times?: number } = {}): void {
    this.reset = { afterBytes, remaining: options.times ?? 1 };
  }

  truncateAfterBytes(afterBytes: number, options: { times?: number } = {}): void {
    this.truncate = { afterBytes, remaining: options.times ?? 1 };
  }

  failNext(times: number, status = 503): void {
    this.serverErrors = { remaining: times, status };
  }

  throttle(options: { bytesPerSecond?: number; firstByteLatencyMs?: number }): void {
    this.bytesPerSecond = options.bytesPerSecond;
    this.firstByteLatencyMs = options.firstByteLatencyMs ?? 0;
  }

  expireAllLinks(on = true): void {
    this.allLinksExpired = on;
  }

  ignoreRange(on = true): void {
    this.rangeUnsupported = on;
  }

  /**
   * RSTs the connection of every response being streamed right now, as a dropped link does (the
   * faults above only hit requests still to come). Returns how many it cut, so a test can prove it
   * hit a response in flight.
   */
  resetOpenStreams(): number {
    return this.cutOpenStreams();
  }

  clear(): void {
    this.reset = undefined;
    this.truncate = undefined;
    this.serverErrors = undefined;
    this.bytesPerSecond = undefined;
    this.firstByteLatencyMs = 0;
    this.allLinksExpired = false;
    this.rangeUnsupported = false;
  }
}

const PATH_PREFIX = '/downloads/';

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** COS-style XML error body (Tencent's download hosts are COS buckets behind a CDN). */
function cosError(res: ServerResponse, status: number, code: string, message: string, resource: string, head: boolean): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<Resource>${resource.replace(/[<>&"']/g, '')}</Resource><RequestId>${randomUUID()}</RequestId></Error>`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-cos-request-id': randomUUID(),
  });
  res.end(head ? undefined : body);
}

type ParsedRange = { kind: 'none' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

function parseRange(header: string | undefined, size: number): ParsedRange {
  if (!header) return { kind: 'none' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Multi-range and malformed headers are ignored, as RFC 9110 allows: a full 200 answer.
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'none' };
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return { kind: 'none' };
  }
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}

export class DownloadService {
  readonly faults = new DownloadFaults(() => this.resetOpenStreams());
  readonly stats: DownloadStats = { requests: 0, rangeRequests: 0, bytesServed: 0, resets: 0, expired: 0 };
  readonly log: DownloadLogEntry[] = [];
  private readonly linkTtlMs: number;
  private readonly now: () => number;
  private readonly secret = randomBytes(32);
  private readonly sources = new Map<string, DownloadSource>();
  /** Responses whose body is being written (status line sent, body not ended). */
  private readonly streaming = new Set<ServerResponse>();

  constructor(opts: DownloadServiceOptions = {}) {
    this.linkTtlMs = opts.linkTtlMs ?? 5 * 60 * 1000;
    this.now = opts.now ?? Date.now;
  }

  register(artifactKey: string, source: DownloadSource): void {
    if (!Number.isSafeInteger(source.size) || source.size < 0) throw new RangeError(`invalid size ${source.size}`);
    this.sources.set(artifactKey, { ...source });
  }

  unregister(artifactKey: string): void {
    this.sources.delete(artifactKey);
  }

  has(artifactKey: string): boolean {
    return this.sources.has(artifactKey);
  }

  /** Responses being streamed right now (what `faults.resetOpenStreams()` would cut). */
  get openStreams(): number {
    return this.streaming.size;
  }

  private resetOpenStreams(): number {
    let cut = 0;
    for (const res of this.streaming) {
      this.streaming.delete(res);
      const socket = res.socket;
      if (!socket || socket.destroyed) continue;
      socket.resetAndDestroy();
      this.stats.resets += 1;
      cut += 1;
    }
    return cut;
  }

  /**
   * A path with an opaque token carrying the key and expiry, HMAC-signed; the file name is cosmetic.
   * `ttlMs` overrides the service's lifetime for this link (recordings and AI transcripts differ).
   */
  signedPath(artifactKey: string, ttlMs: number = this.linkTtlMs): string {
    const payload = base64url(JSON.stringify({ k: artifactKey, e: this.now() + ttlMs }));
    const signature = base64url(createHmac('sha256', this.secret).update(payload).digest());
    const fileName = this.sources.get(artifactKey)?.fileName ?? 'file';
    return `${PATH_PREFIX}${payload}.${signature}/${encodeURIComponent(fileName)}`;
  }

  /** Handles `/downloads/…`; returns false for any other path so a host server can route it. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(PATH_PREFIX)) return false;
    void this.serve(req, res, url).catch(() => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else {
        res.destroy();
      }
    });
    return true;
  }

  private verifyToken(token: string): { key: string; expiresAt: number } | 'tampered' {
    const [payload, signature] = token.split('.');
    if (!payload || !signature) return 'tampered';
    const expected = createHmac('sha256', this.secret).update(payload).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'tampered';
    try {
      const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { k?: unknown; e?: unknown };
      if (typeof parsed.k !== 'string' || typeof parsed.e !== 'number') return 'tampered';
      return { key: parsed.k, expiresAt: parsed.e };
    } catch {
      return 'tampered';
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.stats.requests += 1;
    const method = req.method ?? 'GET';
    const head = method === 'HEAD';
    const token = url.pathname.slice(PATH_PREFIX.length).split('/')[0] ?? '';
    const record = (status: number, key: string | undefined, range?: { start: number; end: number }) =>
      this.log.push({
        artifactKey: key,
        method,
        status,
        ...(range ? { range } : {}),
        ...(req.headers.range ? { rangeHeader: req.headers.range } : {}),
      });

    if (method !== 'GET' && !head) {
      record(405, undefined);
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 });
      res.end();
      return;
    }
    if (this.faults.firstByteLatencyMs > 0) await sleep(this.faults.firstByteLatencyMs);

    const verified = this.verifyToken(token);
    if (verified === 'tampered') {
      record(403, undefined);
      cosError(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.', url.pathname, head);
      return;
    }
    if (this.faults.allLinksExpired || verified.expiresAt <= this.now()) {
      this.stats.expired += 1;
      record(403, verified.key);
      cosError(res, 403, 'AccessDenied', 'Request has expired', url.pathname, head);
      return;
    }
    const serverErrors = this.faults.serverErrors;
    if (serverErrors && serverErrors.remaining > 0) {
      serverErrors.remaining -= 1;
      record(serverErrors.status, verified.key);
      cosError(res, serverErrors.status, 'InternalError', 'We encountered an internal error. Please try again.', url.pathname, head);
      return;
    }
    const source = this.sources.get(verified.key);
    if (!source) {
      record(404, verified.key);
      cosError(res, 404, 'NoSuchKey', 'The specified key does not exist.', url.pathname, head);
      return;
    }

    const range = this.faults.rangeUnsupported ? ({ kind: 'none' } as const) : parseRange(req.headers.range, source.size);
    const headers: Record<string, string | number> = {
      'Content-Type': source.contentType,
      'Accept-Ranges': this.faults.rangeUnsupported ? 'none' : 'bytes',
      'Last-Modified': new Date(0).toUTCString(),
      ETag: `"${verified.key.length}-${source.size}"`,
    };
    if (range.kind === 'unsatisfiable') {
      record(416, verified.key);
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${source.size}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    let start = 0;
    let endExclusive = source.size;
    let status = 200;
    if (range.kind === 'range') {
      this.stats.rangeRequests += 1;
      start = range.start;
      endExclusive = range.end + 1;
      status = 206;
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${source.size}`;
    }
    headers['Content-Length'] = endExclusive - start;
    record(status, verified.key, range.kind === 'range' ? { start: range.start, end: range.end } : undefined);

    const length = endExclusive - start;
    let cutAfter: number | undefined;
    let cutKind: 'reset' | 'truncate' | undefined;
    if (!head) {
      const reset = this.faults.reset;
      const truncate = this.faults.truncate;
      if (reset && reset.remaining > 0 && reset.afterBytes < length) {
        reset.remaining -= 1;
        cutAfter = reset.afterBytes;
        cutKind = 'reset';
      } else if (truncate && truncate.remaining > 0 && truncate.afterBytes < length) {
        truncate.remaining -= 1;
        cutAfter = truncate.afterBytes;
        cutKind = 'truncate';
        // The connection must close after the short body, or the client would wait forever.
        headers.Connection = 'close';
      }
    }
    res.writeHead(status, headers);
    if (head) {
      res.end();
      return;
    }
    this.streaming.add(res);
    res.once('close', () => this.streaming.delete(res));
    try {
      await this.pump(res, source, start, cutAfter === undefined ? endExclusive : start + cutAfter);
    } finally {
      this.streaming.delete(res);
    }
    if (cutKind === 'reset') {
      this.stats.resets += 1;
      // Let the bytes already written reach the client first, then RST like a dropped link.
      const socket = res.socket;
      if (socket && !socket.destroyed) {
        await new Promise<void>((resolve) => (socket.writableNeedDrain ? socket.once('drain', () => resolve()) : resolve()));
        socket.resetAndDestroy();
      }
      return;
    }
    if (cutKind === 'truncate') {
      // A clean FIN short of Content-Length: what a proxy that dropped the tail looks like.
      res.socket?.end();
      return;
    }
    res.end();
  }

  /** Writes bytes [start, end) honouring backpressure and the per-connection bandwidth cap. */
  private async pump(res: ServerResponse, source: DownloadSource, start: number, end: number): Promise<void> {
    const bytesPerSecond = this.faults.bytesPerSecond;
    // Small slices when throttled so the cap is smooth (≤ 20 ms of transfer each); large ones
    // otherwise for loopback speed.
    const chunkSize = bytesPerSecond ? Math.max(4096, Math.min(256 * 1024, Math.floor(bytesPerSecond / 50))) : 256 * 1024;
    const begin = performance.now();
    let sent = 0;
    let closed = false;
    res.once('close', () => {
      closed = true;
    });
    // No stream in between: a Readable read through an async iterator cost a promise per chunk and
    // copied chunks it had buffered together; the pool lends pre-filled buffers instead (see
    // SeededChunks), returned once the socket has taken them.
    const content = source.content ? Buffer.from(source.content.subarray(start, end)) : undefined;
    const pool = content ? undefined : seededChunks(source.seed, chunkSize);
    for (let position = start; position < end && !closed; ) {
      const length = Math.min(chunkSize, end - position);
      if (bytesPerSecond) {
        // Pacing against the body's start, not per chunk: a late timer (one event loop serves every
        // connection) is made up by the next chunk instead of accumulating, and a chunk leaves only
        // once all of its bytes are due, so no prefix of the body ever beats the cap (sending at
        // `sent` instead of `sent + chunk` ran each body one chunk, ~3%, ahead of it).
        const due = begin + ((sent + length) / bytesPerSecond) * 1000;
        const wait = due - performance.now();
        if (wait >= 1) await sleep(wait);
        if (closed) break;
      }
      const chunk = content ? content.subarray(position - start, position - start + length) : pool!.take(position, length);
      position += length;
      sent += length;
      this.stats.bytesServed += length;
      const flushed = pool
        ? res.write(chunk, (error) => {
            if (!error) pool.release(chunk);
          })
        : res.write(chunk);
      if (!flushed) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
  }
}

export interface DownloadServer {
  readonly server: Server;
  /** e.g. `http://127.0.0.1:41234` */
  readonly baseUrl: string;
  /** A fresh signed absolute URL for the artifact (what resolveUrl() hands the copy engine). */
  url(artifactKey: string): string;
  close(): Promise<void>;
}

/** Serves a DownloadService alone on 127.0.0.1 (random port): for the bench and the copy tests. */
export async function startDownloadServer(service: DownloadService, options: { port?: number } = {}): Promise<DownloadServer> {
  const server = createServer((req, res) => {
    if (!service.handle(req, res)) {
      res.writeHead(404, { 'Content-Length': 0 });
      res.end();
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    server,
    baseUrl,
    url: (artifactKey) => `${baseUrl}${service.signedPath(artifactKey)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
