// The archive's link reader (shared/copy/link-get.ts) against a raw TCP server that writes every
// byte of the answer itself: framing the engine must decode exactly (chunked, informational answers,
// heads split across reads), a consumer that makes the reader wait while bytes keep arriving, bodies
// cut short, and aborts. A mistake here would put wrong bytes into an archived file with a CRC32
// computed from those same wrong bytes, so nothing downstream would notice.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { crc32 } from 'node:zlib';
import { directBodyOf, linkGet, SHORT_BODY_CODE } from '../../../shared/copy/link-get.ts';

const BODY = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 7 }, (_, i) => (i * 7 + (i >> 11)) & 0xff));

let server: Server;
let port: number;
let answer: (socket: Socket) => unknown;

beforeAll(async () => {
  server = createServer((socket) => {
    socket.once('data', () => void answer(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const target = () => ({ url: new URL(`http://127.0.0.1:${port}/file`), address: '127.0.0.1', family: 4 as const });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `parts` one by one, each flushed before the next (so the reader sees them as separate reads). */
async function writeSlowly(socket: Socket, parts: Array<string | Buffer>): Promise<void> {
  for (const part of parts) {
    await new Promise<void>((resolve) => socket.write(part, () => resolve()));
    await pause(2);
  }
}

/** Every body byte through the engine's direct path; `wait` makes the consumer hold some chunks. */
async function readDirect(response: Response, wait = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let calls = 0;
  await directBodyOf(response)!.consume((chunk) => {
    // The view is only valid during the call (and while a returned promise is pending): copy it.
    const copy = Buffer.from(chunk);
    calls += 1;
    if (!wait || calls % 2 === 1) {
      chunks.push(copy);
      return true;
    }
    // Hold the view across a wait, then check it still says what it said.
    return pause(5).then(() => {
      expect(Buffer.compare(Buffer.from(chunk), copy)).toBe(0);
      chunks.push(copy);
      return true;
    });
  });
  return Buffer.concat(chunks);
}

async function readStream(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

function chunked(body: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < body.length; i += 1) {
    const size = Math.min(sizes[i % sizes.length]!, body.length - at);
    out.push(Buffer.from(`${size.toString(16)};ext=1\r\n`), body.subarray(at, at + size), Buffer.from('\r\n'));
    at += size;
  }
  out.push(Buffer.from('0\r\nx-trailer: yes\r\n\r\n'));
  return out;
}

test('a chunked body (extensions, trailer, chunk lines split across reads) arrives byte for byte, directly and as a stream', async () => {
  const pieces = chunked(BODY, [100_000, 1, 777_777, 65_536]);
  // Split some chunk lines in two so a size line spans two reads.
  const parts = pieces.flatMap((piece, i) => (i % 3 === 0 && piece.length > 2 ? [piece.subarray(0, 2), piece.subarray(2)] : [piece]));
  answer = (socket) => writeSlowly(socket, ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', ...parts]).then(() => socket.end());
  expect(crc32(await readDirect(await linkGet(target(), {})))).toBe(crc32(BODY));
  expect(crc32(await readStream(await linkGet(target(), {})))).toBe(crc32(BODY));
});

test('informational answers (100, 103) before the real one are skipped; a head split byte by byte still parses', async () => {
  const head = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 206 Partial Content\r\n' + `Content-Range: bytes 0-9/${BODY.length}\r\nContent-Length: 10\r\n\r\n`;
  answer = (socket) => writeSlowly(socket, [...head.split(''), BODY.subarray(0, 10)]).then(() => socket.end());
  const response = await linkGet(target(), { range: 'bytes=0-9' });
  expect(response.status).toBe(206);
  expect(response.headers.get('content-range')).toBe(`bytes 0-9/${BODY.length}`);
  expect(Buffer.compare(await readDirect(response), BODY.subarray(0, 10))).toBe(0);
});

test('a consumer that makes the reader wait keeps every view intact while more bytes arrive', async () => {
  answer = (socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`);
    socket.end(BODY);
  };
  expect(crc32(await readDirect(await linkGet(target(), {}), true))).toBe(crc32(BODY));
});

test('a body closed cleanly short of its Content-Length is named a short body; one within it is not', async () => {
  answer = (socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`);
    socket.end(BODY.subarray(0, 1000));
  };
  const error = await readDirect(await linkGet(target(), {})).then(() => undefined, (e: unknown) => e);
  expect((error as { code?: string }).code).toBe(SHORT_BODY_CODE);
  answer = (socket) => socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde`);
  expect((await readDirect(await linkGet(target(), {}))).toString()).toBe('abcde');
});

test('a consumer answering false ends the read; an abort ends it with the signal’s reason', async () => {
  answer = (socket) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n`);
    socket.end(BODY);
  };
  let seen = 0;
  await directBodyOf(await linkGet(target(), {}))!.consume((chunk) => {
    seen += chunk.length;
    return false;
  });
  expect(seen).toBeGreaterThan(0);
  expect(seen).toBeLessThan(BODY.length);

  answer = (socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n${'x'.repeat(100)}`);
  const controller = new AbortController();
  const response = await linkGet(target(), {}, controller.signal);
  const reading = readDirect(response);
  controller.abort(new Error('stopped by the copy'));
  await expect(reading).rejects.toThrow('stopped by the copy');
});

test('a malformed answer is an error, not a body', async () => {
  answer = (socket) => socket.end('HTTP/1.1 600 Nonsense\r\nContent-Length: 5\r\n\r\nabcde');
  await expect(linkGet(target(), {})).rejects.toThrow(/status/);
  answer = (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nabcde');
  await expect(linkGet(target(), {})).rejects.toThrow(/Content-Length/);
  answer = (socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc');
  await expect(readDirect(await linkGet(target(), {}))).rejects.toThrow(/chunk size/);
});

describe('connections', () => {
  let http: ReturnType<typeof createHttpServer>;
  let httpPort: number;
  let connections = 0;
  beforeAll(async () => {
    http = createHttpServer((req, res) => {
      if (req.url === '/close') res.setHeader('connection', 'close');
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
    });
    http.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpPort = (http.address() as AddressInfo).port;
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  beforeEach(() => {
    // Each test starts with the server having closed whatever an earlier one left kept.
    http.closeAllConnections();
    connections = 0;
  });
  const at = (path: string) => ({ url: new URL(`http://127.0.0.1:${httpPort}${path}`), address: '127.0.0.1', family: 4 as const });
  const whole = async (path: string) => expect(crc32(await readDirect(await linkGet(at(path), {})))).toBe(crc32(BODY));

  test('answers read to their end leave the connection for the next GET: one handshake for a run of segments', async () => {
    await whole('/a');
    await whole('/b');
    await whole('/c');
    expect(connections).toBe(1);
  });

  test('a read stopped early, or an answer saying close, is not reused', async () => {
    await directBodyOf(await linkGet(at('/a'), {}))!.consume(() => false);
    await whole('/close');
    await whole('/b');
    expect(connections).toBe(3);
  });

  test('a kept connection the server closed meanwhile is replaced, and the GET still answered', async () => {
    await whole('/a');
    // What a server's keep-alive timeout does, without waiting for it.
    http.closeAllConnections();
    await pause(20);
    await whole('/b');
    expect(connections).toBe(2);
  });
});

describe('over TLS', () => {
  // A certificate for files.example.test (fixtures/, valid for a century), trusted for this file only.
  const fixtures = join(process.cwd(), 'test/integration/copy/fixtures');
  const cert = readFileSync(join(fixtures, 'link-tls.crt'), 'utf8');
  const key = readFileSync(join(fixtures, 'link-tls.key'), 'utf8');
  const defaults = getCACertificates('default');
  let tlsServer: ReturnType<typeof createHttpsServer>;
  let tlsPort: number;
  beforeAll(async () => {
    setDefaultCACertificates([...defaults, cert]);
    tlsServer = createHttpsServer({ key, cert }, (_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.end(BODY);
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsServer.address() as AddressInfo).port;
  });
  afterAll(async () => {
    setDefaultCACertificates(defaults);
    tlsServer.closeAllConnections();
    await new Promise((resolve) => tlsServer.close(resolve));
  });
  const tlsTarget = (host: string) => ({ url: new URL(`https://${host}:${tlsPort}/file`), address: '127.0.0.1', family: 4 as const });

  test('a consumer that waits keeps every view intact, though TLS hands over every record it decrypted before pausing', async () => {
    // Reusing the read buffer while the consumer held a view overwrote ~40% of the held views here.
    expect(crc32(await readDirect(await linkGet(tlsTarget('files.example.test'), {}), true))).toBe(crc32(BODY));
  });

  test('the certificate is checked against the link’s host name, not the pinned address', async () => {
    await expect(linkGet(tlsTarget('other.example.test'), {})).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describe('review: what an adversarial server can make of the reader', () => {
  test('an abort while the consumer holds a view rejects consume only after the consumer settled', async () => {
    // The caller resumes from the position its consumer reaches when its promise settles: settling
    // first would let the caller act (retry, release the part buffer) while the consumer still
    // writes the view it holds.
    answer = (socket) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${'x'.repeat(10)}`);
    const controller = new AbortController();
    const order: string[] = [];
    let release!: () => void;
    const consuming = directBodyOf(await linkGet(target(), {}, controller.signal))!.consume(
      () =>
        new Promise<boolean>((resolve) => {
          release = () => {
            order.push('consumer settled');
            resolve(true);
          };
        }),
    );
    const settled = consuming.then(
      () => order.push('consume resolved'),
      (error: Error) => order.push(`consume rejected: ${error.message}`),
    );
    await pause(20);
    controller.abort(new Error('stopped'));
    await pause(20);
    release();
    await settled;
    expect(order).toEqual(['consumer settled', 'consume rejected: stopped']);
  });

  test.each([
    ['a transfer coding other than chunked (its bytes are not the file)', 'Transfer-Encoding: gzip\r\n\r\nabcde', /Transfer-Encoding/],
    ['chunked after another coding', 'Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n', /Transfer-Encoding/],
    ['chunked twice', 'Transfer-Encoding: chunked, chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n', /Transfer-Encoding/],
    ['Transfer-Encoding beside Content-Length (ambiguous framing)', 'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nabcde\r\n0\r\n\r\n', /Transfer-Encoding/],
    ['an empty Content-Length', 'Content-Length:\r\n\r\nabcde', /Content-Length/],
    ['a Content-Length with an empty member', 'Content-Length: 5,\r\n\r\nabcde', /Content-Length/],
    ['a Content-Length past exact integers', 'Content-Length: 9007199254740993\r\n\r\nabcde', /Content-Length/],
    ['a Content-Length ending in a non-breaking space', 'Content-Length: 5\xa0\r\n\r\nabcde', /Content-Length/],
  ])('refused, not guessed: %s', async (_name, rest, message) => {
    answer = (socket) => socket.end(Buffer.from(`HTTP/1.1 200 OK\r\n${rest}`, 'latin1'));
    await expect(linkGet(target(), {}).then(readDirect)).rejects.toThrow(message);
  });

  test('refused: Transfer-Encoding on an HTTP/1.0 answer, and a 101 to a GET that asked for no upgrade', async () => {
    answer = (socket) => socket.end('HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n');
    await expect(linkGet(target(), {}).then(readDirect)).rejects.toThrow(/Transfer-Encoding/);
    answer = (socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde');
    await expect(linkGet(target(), {}).then(readDirect)).rejects.toThrow(/101/);
  });

  test('chunk extensions after whitespace (BWS) are read; a chunk size past exact integers is refused', async () => {
    answer = (socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 ; name=value\r\nabcde\r\n0\r\n\r\n');
    expect((await readDirect(await linkGet(target(), {}))).toString()).toBe('abcde');
    answer = (socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20000000000001\r\nabcde\r\n0\r\n\r\n');
    await expect(linkGet(target(), {}).then(readDirect)).rejects.toThrow(/chunk size/);
  });

  test('a chunk longer than its size line said is refused, even when the excess is only spaces', async () => {
    answer = (socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde  \r\n0\r\n\r\n');
    await expect(linkGet(target(), {}).then(readDirect)).rejects.toThrow(/malformed chunked body/);
  });

  test('bytes a server sends on a kept socket between answers are never read as the next answer', async () => {
    // A server that overran its Content-Length (or sent a 408 before closing an idle socket): the
    // socket is dropped, and the next GET gets its own answer on a new one.
    let requests = 0;
    const sockets = new Set<Socket>();
    const raw = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('data', () => {
        requests += 1;
        if (requests === 1) {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde');
          setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nWRONG'), 20);
        } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nright');
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const at = { url: new URL(`http://127.0.0.1:${(raw.address() as AddressInfo).port}/f`), address: '127.0.0.1', family: 4 as const };
      expect((await readDirect(await linkGet(at, {}))).toString()).toBe('abcde');
      await pause(60);
      expect((await readDirect(await linkGet(at, {}))).toString()).toBe('right');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => raw.close(resolve));
    }
  });
});
