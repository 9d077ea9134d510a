// The sockets of link-get.ts: opened to the address download-policy.ts checked (TLS verifying the
// link's host name), each with the one read buffer its answers are read through (net/tls `onread`),
// and kept between GETs to the same address and host for a few seconds, as node:http's keep-alive
// agent did, so the engine's next segment does not pay a new handshake to a far-away host.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { LookupFunction } from 'node:net';

/** Where a GET goes: the link, and the address its host was checked to resolve to. */
export interface LinkGetTarget {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
}

// This machine's per-core L2 (512 KiB): a read is copied into its part and CRC'd while still in cache.
// 128 KiB reads cost 2.13 CPU-s/GiB, 512 KiB 1.73, 1–4 MiB 1.66–1.79 (loopback; TLS delivers at
// most a 16 KiB record per read whatever the buffer).
const READ_BUFFER_BYTES = 512 * 1024;
/** Reads while the consumer holds a view: TLS records it already decrypted (≤ 16 KiB each). */
const WAITING_READ_BYTES = 32 * 1024;

/** A socket with its read buffer; between two GETs it waits in `idle`, paused and unreferenced. */
export interface Connection {
  socket: net.Socket;
  readonly key: string;
  readonly readBuffer: Buffer;
  /** The consumer holds a view of readBuffer: further reads go to fresh buffers. */
  waiting: boolean;
  /** The current GET's handlers; none while idle. */
  request?: { onBytes(bytes: Buffer, owned: boolean): boolean; onError(error: Error): void; onEnd(): void };
  idleTimer?: NodeJS.Timeout;
}

/** Below the usual 5 s keep-alive of servers, so a kept socket is rarely one the server is closing. */
const IDLE_MS = 4000;
const MAX_IDLE_PER_KEY = 16;
const idle = new Map<string, Connection[]>();

function drop(connection: Connection): void {
  const list = idle.get(connection.key);
  const at = list?.indexOf(connection) ?? -1;
  if (list && at >= 0) list.splice(at, 1);
  if (list?.length === 0) idle.delete(connection.key);
  clearTimeout(connection.idleTimer);
  connection.socket.destroy();
}

export function park(connection: Connection): void {
  connection.request = undefined;
  connection.waiting = false;
  const list = idle.get(connection.key) ?? [];
  if (connection.socket.destroyed || list.length >= MAX_IDLE_PER_KEY) return void connection.socket.destroy();
  list.push(connection);
  idle.set(connection.key, list);
  connection.socket.unref();
  connection.idleTimer = setTimeout(() => drop(connection), IDLE_MS);
  connection.idleTimer.unref();
  // Read while idle, so that a server closing the socket, or sending bytes nobody asked for, drops
  // it at once (the read callback and 'end' below) instead of those bytes being taken for the next
  // GET's answer. After the tick: park runs inside a read callback whose `false` pauses the socket.
  process.nextTick(() => {
    if (!connection.request && !connection.socket.destroyed) connection.socket.resume();
  });
}

export function takeIdle(key: string): Connection | undefined {
  const list = idle.get(key);
  for (let connection = list?.pop(); connection; connection = list?.pop()) {
    clearTimeout(connection.idleTimer);
    if (!connection.socket.destroyed) {
      connection.socket.ref();
      return connection;
    }
  }
  idle.delete(key);
  return undefined;
}

export function open(target: LinkGetTarget, key: string): Connection {
  const { url } = target;
  const lookup: LookupFunction = (_hostname, options, callback) => {
    // With autoSelectFamily (Node's default) net asks for every address at once.
    if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const connection: Connection = { socket: undefined as unknown as net.Socket, key, readBuffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), waiting: false };
  // A pause only takes effect after the current read (TLS hands over every record it decrypted),
  // so while the consumer holds a view, the next read must not overwrite it.
  const onread = {
    buffer: () => (connection.waiting ? Buffer.allocUnsafe(WAITING_READ_BYTES) : connection.readBuffer),
    callback: (length: number, buffer: Buffer) => {
      // Bytes on an idle socket answer nothing we asked: it cannot be reused.
      if (!connection.request) {
        drop(connection);
        return false;
      }
      return connection.request.onBytes(buffer.subarray(0, length), buffer !== connection.readBuffer);
    },
  };
  const options = { host: hostname, port, lookup, onread };
  connection.socket = secure
    ? tls.connect({ ...options, ALPNProtocols: ['http/1.1'], ...(net.isIP(hostname) ? {} : { servername: hostname }) })
    : net.connect(options);
  connection.socket.on('error', (error: Error) => (connection.request ? connection.request.onError(error) : drop(connection)));
  connection.socket.on('end', () => (connection.request ? connection.request.onEnd() : drop(connection)));
  return connection;
}
