// Differential fuzzing of the archive's link reader (shared/copy/link-get.ts): random valid
// HTTP/1.1 answers (Content-Length, chunked with random chunk sizes, extensions and trailers,
// close-delimited, 204/304, informational answers first, random field case, order and whitespace),
// written by a raw server (plain TCP, or TLS, whose records reach the reader differently) cut at
// random points with random small delays, read by consumers that hold views for random waits or
// through the Response body stream. The generator knows each answer's status, fields and body
// bytes; the reader must deliver exactly those, keep every held view intact, name a body cut short
// an error (never a shorter file), refuse the framings it must not guess, and carry several
// answers on one kept socket. Fixed seeds, bounded runs: the same cases on every run.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, getCACertificates, setDefaultCACertificates } from 'node:tls';
import { directBodyOf, linkGet } from '../../../shared/copy/link-get.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deterministic body bytes from a seed (fast-check draws the seed and length, not every byte). */
function bytesOf(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const recase = (name: string, mask: boolean[]) => [...name].map((c, i) => (mask[i % Math.max(1, mask.length)] ? c.toUpperCase() : c.toLowerCase())).join('');

type Framing = 'length' | 'chunked' | 'close' | 'none';

/** An answer on the wire, and what the reader must make of it. */
interface Scripted {
  readonly wire: Buffer;
  /** Where the body's framed bytes start in `wire` (for cuts inside the body). */
  readonly bodyStart: number;
  readonly status: number;
  readonly reason: string;
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  readonly framing: Framing;
}

const EXTRA_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['ETag', '"5d41402abc4b2a76b9719d911017c592"'],
  ['Content-Type', 'video/mp4'],
  ['Last-Modified', 'Tue, 01 Dec 2026 10:00:00 GMT'],
  ['x-cos-request-id', 'NjVhYmNkZWZfMTIzNDU2Nzg5'],
  ['X-Dup', 'one'],
  ['X-Dup', 'two'],
  ['Server', 'tencent-cos'],
  ['Accept-Ranges', 'bytes'],
  ['x-empty', ''],
];
const OWS = ['', ' ', '  ', '\t', ' \t '];
const EXTENSIONS = ['', ';ext=1', ' ; name="quoted;value"', '\t;a', ';a=b;c=d'];
const TRAILERS = ['X-Checksum: abc', 'expires: 0', 'x-t:v'];
const INFORMATIONAL = ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n'];

const answerSpec = (framings: Framing[]) =>
  fc.record({
    framing: fc.constantFrom(...framings),
    status: fc.constantFrom(200, 206, 203, 404, 500),
    nullStatus: fc.constantFrom(204, 304),
    length: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3000 }) }, { weight: 1, arbitrary: fc.integer({ min: 3000, max: 300_000 }) }),
    seed: fc.integer(),
    extra: fc.shuffledSubarray([...EXTRA_FIELDS.keys()]),
    nameCase: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
    ows: fc.array(fc.constantFrom(...OWS), { minLength: 1, maxLength: 4 }),
    framingFirst: fc.boolean(),
    informational: fc.array(fc.constantFrom(...INFORMATIONAL), { maxLength: 2 }),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 6 }),
    extensions: fc.array(fc.constantFrom(...EXTENSIONS), { minLength: 1, maxLength: 4 }),
    upperHex: fc.boolean(),
    zeros: fc.integer({ min: 0, max: 2 }),
    trailers: fc.subarray(TRAILERS),
    keepAliveField: fc.boolean(),
    repeatLength: fc.boolean(),
  });
type AnswerSpec = ReturnType<typeof answerSpec> extends fc.Arbitrary<infer T> ? T : never;

function build(spec: AnswerSpec): Scripted {
  const framing = spec.framing;
  const status = framing === 'none' ? spec.nullStatus : spec.status;
  const body = framing === 'none' ? Buffer.alloc(0) : bytesOf(spec.length, spec.seed);
  const reason = { 200: 'OK', 203: 'Non-Authoritative Information', 204: 'No Content', 206: 'Partial Content', 304: 'Not Modified', 404: 'Not Found', 500: 'Internal Server Error' }[status] ?? '';
  let owsAt = 0;
  const ows = () => spec.ows[owsAt++ % spec.ows.length]!;
  const line = (name: string, value: string) => `${recase(name, spec.nameCase)}:${ows()}${value}${ows()}\r\n`;
  const fields = spec.extra.map((i) => EXTRA_FIELDS[i]!);
  const framingLines: string[] = [];
  if (framing === 'length') framingLines.push(line('Content-Length', spec.repeatLength ? `${body.length}, ${body.length}` : String(body.length)));
  if (framing === 'chunked') framingLines.push(line('Transfer-Encoding', 'chunked'));
  // A 304 may declare the length of the representation it did not send.
  if (framing === 'none' && status === 304 && spec.repeatLength) framingLines.push(line('Content-Length', String(spec.length)));
  if (spec.keepAliveField && framing !== 'close') framingLines.push(line('Connection', 'keep-alive'));
  const extraLines = fields.map(([name, value]) => line(name, value));
  const head = `${spec.informational.join('')}HTTP/1.1 ${status} ${reason}\r\n${(spec.framingFirst ? [...framingLines, ...extraLines] : [...extraLines, ...framingLines]).join('')}\r\n`;
  let framed: Buffer = body;
  if (framing === 'chunked') {
    const pieces: Buffer[] = [];
    for (let at = 0, i = 0; at < body.length; i += 1) {
      const size = Math.min(spec.chunkSizes[i % spec.chunkSizes.length]!, body.length - at);
      const hex = '0'.repeat(spec.zeros) + (spec.upperHex ? size.toString(16).toUpperCase() : size.toString(16));
      pieces.push(Buffer.from(`${hex}${spec.extensions[i % spec.extensions.length]}\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
      at += size;
    }
    pieces.push(Buffer.from(`0${spec.extensions[0]}\r\n${spec.trailers.map((t) => `${t}\r\n`).join('')}\r\n`));
    framed = Buffer.concat(pieces);
  }
  const headBytes = Buffer.from(head, 'latin1');
  return { wire: Buffer.concat([headBytes, framed]), bodyStart: headBytes.length, status, reason, fields, body, framing };
}

/** How the server writes an answer: cut at these points, each piece after this many ms (0: at once). */
const deliverySpec = fc.record({
  cuts: fc.array(fc.nat(), { maxLength: 10 }),
  delays: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 5 }),
});
type DeliverySpec = ReturnType<typeof deliverySpec.generate>['value'];

/** How the reader is read: hold views for these waits (sync, a microtask, a timer), or as a stream. */
const readerSpec = fc.record({
  mode: fc.constantFrom<'direct' | 'stream'>('direct', 'direct', 'stream'),
  holds: fc.array(fc.constantFrom<'sync' | 'micro' | 'timer'>('sync', 'sync', 'micro', 'timer'), { minLength: 1, maxLength: 6 }),
});
type ReaderSpec = ReturnType<typeof readerSpec.generate>['value'];

function piecesOf(wire: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...at, wire.length]) {
    if (cut > from) out.push(wire.subarray(from, cut));
    from = Math.max(from, cut);
  }
  return out;
}

interface Job {
  readonly wire: Buffer;
  readonly delivery: DeliverySpec;
  /** End the socket after writing (close-delimited, cut short). */
  readonly close: boolean;
}

/** A raw server answering each request (a complete request head) with the answer scripted for its path. */
class RawServer {
  readonly jobs = new Map<string, Job>();
  private served = 0;
  readonly requests: string[] = [];
  connections = 0;
  readonly sockets = new Set<Socket>();
  port = 0;
  private server!: Server;

  async start(tlsOptions?: { key: string; cert: string }): Promise<void> {
    const onSocket = (socket: Socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      // Each piece its own segment at once (Nagle would hold a small piece for the peer's delayed ACK).
      socket.setNoDelay(true);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      let pending = '';
      socket.on('data', (data: Buffer) => {
        pending += data.toString('latin1');
        for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
          this.requests.push(pending.slice(0, end));
          pending = pending.slice(end + 4);
          const path = /^GET (\/job\/\d+)/.exec(this.requests.at(-1)!)?.[1] ?? '';
          const job = this.jobs.get(path);
          this.jobs.delete(path);
          if (job) void this.write(socket, job);
          else socket.destroy();
        }
      });
    };
    this.server = tlsOptions ? createTlsServer(tlsOptions, onSocket) : createServer(onSocket);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async write(socket: Socket, job: Job): Promise<void> {
    const pieces = piecesOf(job.wire, job.delivery.cuts);
    for (const [i, piece] of pieces.entries()) {
      if (socket.destroyed) return;
      const delay = job.delivery.delays[i % job.delivery.delays.length]!;
      if (delay > 0 && i > 0) await pause(delay);
      await new Promise<void>((resolve) => socket.write(piece, () => resolve()));
    }
    if (job.close) socket.end();
  }

  /** Scripts the answer to a GET of the path returned (a GET that never arrives leaves no answer for another). */
  serve(job: Job): string {
    this.served += 1;
    const path = `/job/${this.served}`;
    this.jobs.set(path, job);
    return path;
  }

  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * Reads a body as the reader spec says. Answers the bytes delivered (also on failure, as `partial`)
 * and the held views found changed after their wait.
 */
async function readBody(response: Response, spec: ReaderSpec): Promise<{ bytes: Buffer; error?: unknown; overwritten: number }> {
  const chunks: Buffer[] = [];
  let overwritten = 0;
  let calls = 0;
  try {
    if (spec.mode === 'stream') {
      if (!response.body) return { bytes: Buffer.alloc(0), overwritten };
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(Buffer.from(value));
        const hold = spec.holds[calls++ % spec.holds.length];
        if (hold === 'timer') await pause(1);
        else if (hold === 'micro') await Promise.resolve();
      }
    } else {
      const direct = directBodyOf(response);
      if (!direct) return { bytes: Buffer.alloc(0), overwritten };
      await direct.consume((view) => {
        const copy = Buffer.from(view);
        chunks.push(copy);
        const hold = spec.holds[calls++ % spec.holds.length];
        if (hold === 'sync') return true;
        const wait = hold === 'timer' ? pause(1) : Promise.resolve();
        return wait.then(() => {
          // The view must still say what it said: the reader may not read into it while held.
          if (!view.equals(copy)) overwritten += 1;
          return true;
        });
      });
    }
    return { bytes: Buffer.concat(chunks), overwritten };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error, overwritten };
  }
}

function expectHead(response: Response, scripted: Scripted): void {
  expect(response.status).toBe(scripted.status);
  expect(response.statusText).toBe(scripted.reason);
  const expected = new Map<string, string[]>();
  for (const [name, value] of scripted.fields) expected.set(name.toLowerCase(), [...(expected.get(name.toLowerCase()) ?? []), value]);
  for (const [name, values] of expected) expect(response.headers.get(name)).toBe(values.join(', '));
}

const FUZZ_SEED = 20261201;

describe.each([
  ['plain TCP', false],
  ['TLS', true],
])('link-get against random valid answers over %s', (_transport, secure) => {
  const fixtures = join(process.cwd(), 'test/integration/copy/fixtures');
  const defaults = getCACertificates('default');
  const server = new RawServer();
  beforeAll(async () => {
    if (secure) {
      const cert = readFileSync(join(fixtures, 'link-tls.crt'), 'utf8');
      setDefaultCACertificates([...defaults, cert]);
      await server.start({ key: readFileSync(join(fixtures, 'link-tls.key'), 'utf8'), cert });
    } else await server.start();
  });
  afterAll(async () => {
    if (secure) setDefaultCACertificates(defaults);
    await server.stop();
  });
  const target = (path: string) => ({ url: new URL(`${secure ? 'https' : 'http'}://${secure ? 'files.example.test' : '127.0.0.1'}:${server.port}${path}?sign=abc`), address: '127.0.0.1', family: 4 as const });

  test('one answer: exactly its status, fields and body bytes; a cut inside the body is an error, never a shorter file', async () => {
    const truncation = fc.option(fc.nat(), { freq: 5 });
    await fc.assert(
      fc.asyncProperty(answerSpec(['length', 'length', 'chunked', 'chunked', 'close', 'none']), deliverySpec, readerSpec, truncation, async (spec, delivery, reader, cut) => {
        const scripted = build(spec);
        const bodyWire = scripted.wire.length - scripted.bodyStart;
        const cutAt = cut !== null && bodyWire > 0 ? scripted.bodyStart + (cut % bodyWire) : undefined;
        const wire = cutAt === undefined ? scripted.wire : scripted.wire.subarray(0, cutAt);
        const path = server.serve({ wire, delivery, close: cutAt !== undefined || scripted.framing === 'close' });
        const response = await linkGet(target(path), { range: 'bytes=0-', 'accept-encoding': 'identity' });
        expectHead(response, scripted);
        const read = await readBody(response, reader);
        expect(read.overwritten).toBe(0);
        if (cutAt !== undefined && scripted.framing !== 'close') {
          // Bytes delivered before the error are the body's own; the error says the body was short.
          expect(read.error).toBeDefined();
          expect(read.bytes.equals(scripted.body.subarray(0, read.bytes.length))).toBe(true);
        } else {
          expect(read.error).toBeUndefined();
          const body = cutAt === undefined ? scripted.body : scripted.body.subarray(0, cutAt - scripted.bodyStart);
          expect(read.bytes.length).toBe(body.length);
          expect(read.bytes.equals(body)).toBe(true);
        }
        expect(server.jobs.has(path)).toBe(false);
        expect(server.requests.at(-1)).toMatch(/^GET \/job\/\d+\?sign=abc HTTP\/1\.1\r\nHost: [^\r]+\r\nrange: bytes=0-\r\naccept-encoding: identity$/);
      }),
      { seed: FUZZ_SEED, numRuns: secure ? 80 : 250, endOnFailure: true },
    );
  });

  test('several answers on one kept socket: each body exactly, one connection for the run unless a server overran an answer', async () => {
    // An overrun: bytes past an answer's end in its last write (a server that sent more than it
    // declared). They are nobody's answer: that socket is not kept, and the next GET gets its own.
    const overrun = fc.option(fc.constantFrom('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nWRONG', 'x', '\r\n'), { freq: 6 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(answerSpec(['length', 'chunked', 'chunked', 'none']), deliverySpec, readerSpec, overrun), { minLength: 2, maxLength: 5 }), async (answers) => {
        // Whatever an earlier run left kept is closed by the server first.
        server.dropConnections();
        await pause(5);
        const before = server.connections;
        let overruns = 0;
        for (const [i, [spec, delivery, reader, extra]] of answers.entries()) {
          const scripted = build(spec);
          // Overrun bytes only in the same write as the answer's end, so the reader sees them with it.
          const overran = extra !== null && i < answers.length - 1;
          if (overran) overruns += 1;
          const wire = overran ? Buffer.concat([scripted.wire, Buffer.from(extra)]) : scripted.wire;
          const cuts = overran ? delivery.cuts.map((cut) => cut % scripted.wire.length) : delivery.cuts;
          const path = server.serve({ wire, delivery: { ...delivery, cuts }, close: false });
          const response = await linkGet(target(path), {});
          expectHead(response, scripted);
          const read = await readBody(response, reader);
          expect(read.error).toBeUndefined();
          expect(read.overwritten).toBe(0);
          expect(read.bytes.equals(scripted.body)).toBe(true);
        }
        expect(server.connections - before).toBe(1 + overruns);
      }),
      { seed: FUZZ_SEED + 1, numRuns: secure ? 20 : 50, endOnFailure: true },
    );
  });
});

describe('link-get with an answer split at every position', () => {
  const server = new RawServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  test('a chunked answer (informational head, extensions, trailer) and a Content-Length one, each cut in two at every byte, arrive exactly', async () => {
    const body = Buffer.from('0123456789abcdefXYZ\r\n0\r\n\r\n tricky');
    const chunkedWire = Buffer.from(
      `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 206 Partial Content\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n` +
        `a;ext="v;w"\r\n${body.subarray(0, 10).toString('latin1')}\r\n01 ; e\r\n${body.subarray(10, 11).toString('latin1')}\r\n` +
        `${(body.length - 11).toString(16).toUpperCase()}\r\n${body.subarray(11).toString('latin1')}\r\n0;last\r\nX-Trailer: t\r\n\r\n`,
      'latin1',
    );
    const lengthWire = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    let runs = 0;
    for (const wire of [chunkedWire, lengthWire]) {
      for (let cut = 1; cut < wire.length; cut += 1) {
        const path = server.serve({ wire, delivery: { cuts: [cut], delays: [1] }, close: false });
        const response = await linkGet({ url: new URL(`http://127.0.0.1:${server.port}${path}`), address: '127.0.0.1', family: 4 }, {});
        const read = await readBody(response, { mode: cut % 2 === 0 ? 'direct' : 'stream', holds: cut % 3 === 0 ? ['micro'] : ['sync'] });
        expect(read.error).toBeUndefined();
        expect(read.bytes.toString('latin1')).toBe(body.toString('latin1'));
        runs += 1;
      }
    }
    // Every one of them on the first socket: each answer ended exactly, so it was kept.
    expect(server.connections).toBe(1);
    expect(runs).toBe(chunkedWire.length + lengthWire.length - 2);
  });
});

describe('link-get aborted at random stages', () => {
  const server = new RawServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  test('an abort before the head, mid-body or while a view is held ends the read with its reason, never a shorter file; the next GET is answered', async () => {
    await fc.assert(
      fc.asyncProperty(answerSpec(['length', 'chunked', 'close']), deliverySpec, readerSpec, fc.integer({ min: 0, max: 6 }), async (spec, delivery, reader, abortAfterCalls) => {
        const scripted = build(spec);
        const at = (path: string) => ({ url: new URL(`http://127.0.0.1:${server.port}${path}`), address: '127.0.0.1', family: 4 as const });
        const path = server.serve({ wire: scripted.wire, delivery, close: scripted.framing === 'close' });
        const controller = new AbortController();
        const reason = new Error('aborted by the fuzz');
        // 0: abort as soon as the GET is sent; n: at the consumer's nth call.
        let calls = 0;
        const counted: ReaderSpec = { ...reader, mode: abortAfterCalls === 0 ? reader.mode : 'direct' };
        const outcome = await (async () => {
          const pending = linkGet(at(path), {}, controller.signal);
          if (abortAfterCalls === 0) controller.abort(reason);
          const response = await pending;
          const direct = directBodyOf(response);
          if (!direct || counted.mode === 'stream') return readBody(response, counted);
          const chunks: Buffer[] = [];
          try {
            await direct.consume((view) => {
              chunks.push(Buffer.from(view));
              calls += 1;
              if (calls === abortAfterCalls) controller.abort(reason);
              return counted.holds[calls % counted.holds.length] === 'timer' ? pause(1).then(() => true) : true;
            });
            return { bytes: Buffer.concat(chunks), overwritten: 0 };
          } catch (error) {
            return { bytes: Buffer.concat(chunks), error, overwritten: 0 };
          }
        })().catch((error: unknown) => ({ bytes: Buffer.alloc(0), error, overwritten: 0 }));
        if (outcome.error === undefined) {
          // The body ended before the abort could land: then it is whole.
          expect(outcome.bytes.equals(scripted.body)).toBe(true);
        } else {
          expect(outcome.error).toBe(reason);
          expect(outcome.bytes.equals(scripted.body.subarray(0, outcome.bytes.length))).toBe(true);
        }
        // Whatever the abort left, the next GET gets its own answer.
        const nextPath = server.serve({ wire: Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext'), delivery: { cuts: [], delays: [0] }, close: false });
        const next = await readBody(await linkGet(at(nextPath), {}), { mode: 'direct', holds: ['sync'] });
        expect(next.bytes.toString()).toBe('next');
      }),
      { seed: FUZZ_SEED + 3, numRuns: 100, endOnFailure: true },
    );
  });
});

describe('link-get against framings it must refuse', () => {
  const server = new RawServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  test('ambiguous or undecodable framing is refused with an error, whatever the case, whitespace and cuts', async () => {
    const refused = fc.constantFrom(
      (body: string) => `Transfer-Encoding: gzip\r\n\r\n${body}`,
      (body: string) => `Transfer-Encoding: gzip, chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      (body: string) => `Transfer-Encoding: chunked\r\nContent-Length: ${body.length}\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      (body: string) => `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
      (body: string) => `Content-Length: ${body.length}\r\nContent-Length: ${body.length + 1}\r\n\r\n${body}`,
      (body: string) => `Content-Length:\r\n\r\n${body}`,
      (body: string) => `Content-Length: +${body.length}\r\n\r\n${body}`,
      (body: string) => `Content-Length : ${body.length}\r\n\r\n${body}`,
      (body: string) => `X-Folded: a\r\n b\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await fc.assert(
      fc.asyncProperty(refused, fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom('a', 'b', '0') }), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }), deliverySpec, readerSpec, async (rest, body, mask, delivery, reader) => {
        // Field names in random case: the framing rules are case-blind.
        const text = rest(body).replace(/^(Transfer-Encoding|Content-Length)/gm, (name) => recase(name, mask));
        const path = server.serve({ wire: Buffer.from(`HTTP/1.1 200 OK\r\n${text}`, 'latin1'), delivery, close: true });
        const outcome = await linkGet({ url: new URL(`http://127.0.0.1:${server.port}${path}`), address: '127.0.0.1', family: 4 }, {}).then(
          async (response) => readBody(response, reader),
          (error: unknown) => ({ error, bytes: Buffer.alloc(0), overwritten: 0 }),
        );
        expect(outcome.error).toBeDefined();
        expect(outcome.bytes).toHaveLength(0);
      }),
      { seed: FUZZ_SEED + 2, numRuns: 60, endOnFailure: true },
    );
  });
});
