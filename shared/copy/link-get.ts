// One HTTP/1.1 GET of a download link, to the address download-policy.ts checked, its body read
// through one reused buffer per connection (net/tls `onread`).
//
// Why not node:http: its response parser copies every body chunk into a freshly allocated Buffer,
// on top of the socket's own per-read allocation, and the copy engine then copies it once more
// into a part buffer. For a 1 GiB file on loopback that was ~1.2 CPU-seconds of the copier's ~3.7
// (allocation, copying and the garbage collector's work on tens of thousands of 64 KiB buffers),
// measured against this reader, which hands the engine views into the reused read buffer instead.
// The engine copies each view into its part buffer before it asks for the next one.
//
// A socket whose answer was read to its end is kept for the next GET (link-connections.ts). The
// answer is a web Response (status, headers, a body stream that copies each chunk) so every caller
// reads it as it reads fetch's; the engine's hot path takes the body through `directBodyOf` instead.
import { open, park, takeIdle, type Connection, type LinkGetTarget } from './link-connections.ts';
import { parseHeadText, type Framing, type Head } from './link-head.ts';

export type { LinkGetTarget };

/** A body that ended (the peer closed cleanly) before its declared length. */
export const SHORT_BODY_CODE = 'ERR_SOURCE_SHORT_BODY';

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;

/**
 * Receives the body's bytes in order: a view valid only during the call (the socket's read buffer).
 * Answers false to stop reading, or a promise to hold the socket (and the view) until it settles.
 */
export type BodyConsumer = (chunk: Buffer) => boolean | Promise<boolean>;

export interface DirectBody {
  /** Feeds the whole body to `consume`; resolves when it ended or `consume` answered false. */
  consume(consume: BodyConsumer): Promise<void>;
  cancel(): void;
}

const directBodies = new WeakMap<Response, DirectBody>();

/** The zero-copy reader of a Response from `linkGet`, unless its body stream was used. */
export function directBodyOf(response: Response): DirectBody | undefined {
  return response.bodyUsed || response.body?.locked ? undefined : directBodies.get(response);
}

/** A body the peer ended early: source-retry.ts retries it as a short read, by its code. */
function shortBody(message: string): Error {
  return Object.assign(new Error(message), { code: SHORT_BODY_CODE });
}

/** The failure of a kept socket the server had closed meanwhile: the GET is sent again on a new one. */
const STALE = Symbol('stale connection');

export async function linkGet(target: LinkGetTarget, headers: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<Response> {
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n:]/.test(name) || /[\r\n]/.test(value)) throw new TypeError(`invalid request header ${name}`);
  }
  const key = `${target.url.protocol}//${target.family === 6 ? `[${target.address}]` : target.address}/${target.url.host}`;
  const kept = takeIdle(key);
  if (kept) {
    try {
      return await get(kept, target, headers, signal);
    } catch (error) {
      if (!(error as { [STALE]?: boolean })[STALE] || signal?.aborted) throw error;
    }
  }
  return get(open(target, key), target, headers, signal);
}

function get(connection: Connection, target: LinkGetTarget, headers: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<Response> {
  const { url } = target;
  const socket = connection.socket;
  const reused = connection.socket.bytesRead > 0;

  return new Promise<Response>((resolve, reject) => {
    let settledHead = false;
    let head: Buffer = Buffer.alloc(0);
    let framing: Framing = { kind: 'none' };
    let received = 0;
    // Chunked framing: the size line being read, or the bytes of the current chunk still to come.
    let chunkState: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
    let chunkLine = '';
    let chunkLeft = 0;
    let bodyDone = false;
    let failure: Error | undefined;
    /**
     * Bytes read while nobody may take them (no consumer yet, or the consumer holds a view), in
     * order. Each is its own memory: copied from the shared read buffer, or read into a fresh one.
     */
    const backlog: Buffer[] = [];
    let keepAlive = false;
    let gotBytes = false;
    let peerEnded = false;
    let consumer: BodyConsumer | undefined;
    let finish: { resolve: () => void; reject: (error: Error) => void } | undefined;
    /**
     * The consumer's promise is pending (it may still be writing the view it was given, at a
     * position the caller advances only when it settles): `consume` settles after it, never before,
     * so the caller cannot start another read of the same bytes meanwhile.
     */
    let holding = false;

    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => socket.destroy(signal!.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    /** `reusable`: the answer ended exactly where its framing said, with nothing after it. */
    const end = (error?: Error, reusable = false) => {
      if (bodyDone) return;
      bodyDone = true;
      if (error) failure = error;
      signal?.removeEventListener('abort', onAbort);
      if (reusable && !error && keepAlive && !peerEnded && backlog.length === 0) park(connection);
      else socket.destroy();
      backlog.length = 0;
      settle();
    };
    function settle(): void {
      if (!finish || !bodyDone || holding) return;
      const { resolve: done, reject: failed } = finish;
      finish = undefined;
      if (failure) failed(failure);
      else done();
    }

    /** Before any byte of the answer, a kept socket's failure means the server had closed it. */
    const beforeAnswer = (error: Error) => (reused && !gotBytes ? Object.assign(error, { [STALE]: true }) : error);
    connection.request = {
      onBytes: (bytes, owned) => {
        gotBytes = true;
        try {
          return onBytes(bytes, owned);
        } catch (error) {
          // Nothing may escape into the socket's read callback (a Response refusing a status, say).
          return failed(error instanceof Error ? error : new Error(String(error)));
        }
      },
      onError: (error) => {
        const reported = signal?.aborted ? (signal.reason as Error) : beforeAnswer(error);
        if (!settledHead) {
          settledHead = true;
          reject(reported);
        }
        end(reported);
      },
      onEnd: () => {
        peerEnded = true;
        if (!settledHead) {
          settledHead = true;
          reject(beforeAnswer(Object.assign(new Error('connection closed before a response'), { code: 'ECONNRESET' })));
          return end();
        }
        if (!connection.waiting && backlog.length === 0) endOfStream();
      },
    };
    socket.write(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
        Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        '\r\n',
    );
    // A kept socket was paused when its last answer ended.
    socket.resume();

    /** The peer closed and every byte before it was taken: a complete or a short body. */
    function endOfStream(): void {
      if (framing.kind === 'length' && framing.remaining > 0) return end(shortBody(`body ended after ${received} of ${framing.declared} bytes`));
      if (framing.kind === 'chunked') return end(shortBody('chunked body ended before its last chunk'));
      end();
    }

    /** Socket bytes (`owned`: in a buffer of their own); false pauses the socket. */
    function onBytes(bytes: Buffer, owned: boolean): boolean {
      if (bodyDone) return false;
      if (!settledHead) {
        head = head.length === 0 ? Buffer.from(bytes) : Buffer.concat([head, bytes]);
        const rest = parseHead();
        if (rest === undefined) return !bodyDone;
        if (framing.kind === 'none') {
          end(undefined, rest.length === 0);
          return false;
        }
        if (rest.length > 0) backlog.push(rest);
        // Nobody reads yet: hold the socket until a consumer (or the body stream) asks.
        return false;
      }
      if (!consumer || connection.waiting || backlog.length > 0) {
        backlog.push(owned ? bytes : Buffer.from(bytes));
        return false;
      }
      return feed(bytes);
    }

    /** Feeds the backlog while the consumer takes bytes; reads on once it is empty. */
    function drain(): void {
      while (backlog.length > 0 && !connection.waiting && !bodyDone) feed(backlog.shift()!);
      if (connection.waiting || bodyDone) return;
      if (peerEnded) endOfStream();
      else socket.resume();
    }

    /** Parses the head once complete; answers the body bytes after it, or undefined to read on. */
    function parseHead(): Buffer | undefined {
      for (;;) {
        const at = head.indexOf('\r\n\r\n');
        if (at < 0) {
          if (head.length > MAX_HEAD_BYTES) fail(new Error('response head too large'));
          return undefined;
        }
        const rest = head.subarray(at + 4);
        let parsed: Head | 'informational';
        try {
          parsed = parseHeadText(head.subarray(0, at).toString('latin1'));
        } catch (error) {
          return fail(error as Error);
        }
        // Informational answers (100, 103) precede the real one.
        if (parsed === 'informational') {
          head = Buffer.from(rest);
          continue;
        }
        ({ framing, keepAlive } = parsed);
        const response = new Response(framing.kind === 'none' ? null : bodyStream(), { status: parsed.code, statusText: parsed.reason, headers: parsed.headers });
        settledHead = true;
        if (framing.kind !== 'none') directBodies.set(response, { consume: startConsumer, cancel: () => end() });
        resolve(response);
        return Buffer.from(rest);
      }
    }

    function fail(error: Error): undefined {
      if (!settledHead) {
        settledHead = true;
        reject(error);
      }
      end(error);
      return undefined;
    }

    function failed(error: Error): false {
      fail(error);
      return false;
    }

    function startConsumer(consume: BodyConsumer): Promise<void> {
      if (consumer) return Promise.reject(new Error('body already being read'));
      consumer = consume;
      return new Promise<void>((resolve, reject) => {
        finish = { resolve, reject };
        if (bodyDone) return failure ? reject(failure) : resolve();
        drain();
      });
    }

    /** Body bytes (after the head): decodes the framing and hands the payload to the consumer. */
    function feed(bytes: Buffer): boolean {
      let data = bytes;
      while (data.length > 0 && !bodyDone) {
        let piece: Buffer;
        if (framing.kind === 'length') {
          piece = data.subarray(0, Math.min(data.length, framing.remaining));
          framing.remaining -= piece.length;
        } else if (framing.kind === 'chunked') {
          if (chunkState !== 'data') {
            const newline = data.indexOf(10);
            const upto = newline < 0 ? data.length : newline + 1;
            chunkLine += data.subarray(0, upto).toString('latin1');
            data = data.subarray(upto);
            if (chunkLine.length > MAX_CHUNK_LINE) return failed(new Error('chunk size line too long'));
            if (newline < 0) continue;
            const line = chunkLine.trimEnd();
            // Exactly a line end: bytes (even spaces) after a chunk's data mean its size was wrong.
            const blank = chunkLine === '\r\n' || chunkLine === '\n';
            chunkLine = '';
            if (chunkState === 'data-end') {
              if (!blank) return failed(new Error('malformed chunked body'));
              chunkState = 'size';
            } else if (chunkState === 'size') {
              // At most 13 hex digits: an exact integer. Whitespace may precede an extension (BWS).
              const size = /^([0-9a-fA-F]{1,13})(?:[ \t]*;.*)?$/.exec(line);
              if (!size) return failed(new Error('malformed chunk size'));
              chunkLeft = Number.parseInt(size[1]!, 16);
              chunkState = chunkLeft === 0 ? 'trailer' : 'data';
            } else if (line === '') {
              if (!blank) return failed(new Error('malformed chunked trailer'));
              end(undefined, data.length === 0);
              return false;
            }
            continue;
          }
          piece = data.subarray(0, Math.min(data.length, chunkLeft));
          chunkLeft -= piece.length;
          if (chunkLeft === 0) chunkState = 'data-end';
        } else {
          piece = data;
        }
        data = data.subarray(piece.length);
        received += piece.length;
        let answer: boolean | Promise<boolean>;
        try {
          answer = consumer!(piece);
        } catch (error) {
          return failed(error instanceof Error ? error : new Error(String(error)));
        }
        const complete = framing.kind === 'length' && framing.remaining === 0;
        // The consumer may say "enough" at the body's last byte: the connection is still whole.
        if (answer === false) {
          end(undefined, complete && data.length === 0);
          return false;
        }
        if (answer !== true) {
          connection.waiting = true;
          holding = true;
          if (data.length > 0) backlog.unshift(data);
          answer.then(
            (more) => {
              connection.waiting = false;
              holding = false;
              if (bodyDone) return settle();
              if (!more || complete) return end(undefined, complete);
              drain();
            },
            (error: unknown) => {
              connection.waiting = false;
              holding = false;
              if (bodyDone) return settle();
              end(error instanceof Error ? error : new Error(String(error)));
            },
          );
          return false;
        }
        if (complete) {
          end(undefined, data.length === 0);
          return false;
        }
      }
      return !bodyDone;
    }

    /** The body as a web stream for callers other than the engine's hot path: each chunk copied. */
    function bodyStream(): ReadableStream<Uint8Array> {
      // Each read() pulls once (highWaterMark 0): the socket stays paused between reads.
      let wake: (() => void) | undefined;
      let started = false;
      return new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (wake) {
              const resume = wake;
              wake = undefined;
              return resume();
            }
            if (started) return;
            started = true;
            startConsumer((chunk) => {
              controller.enqueue(Buffer.from(chunk));
              return (controller.desiredSize ?? 0) > 0 || new Promise<boolean>((resolve) => (wake = () => resolve(true)));
            }).then(
              () => {
                try {
                  controller.close();
                } catch {
                  // already cancelled
                }
              },
              (error: unknown) => {
                try {
                  controller.error(error);
                } catch {
                  // already cancelled
                }
              },
            );
          },
          cancel() {
            end();
          },
        },
        { highWaterMark: 0 },
      );
    }
  });
}
