// A TCP proxy in front of an emulator, for tests that need a dependency to be unavailable for a
// while without stopping the emulator every test file shares. `down()` resets every open
// connection and every new one (what a client sees when a service restarts or a network path
// drops); `up()` forwards again. Bound to 127.0.0.1 on a free port.
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: give it to a client instead of the emulator's endpoint. */
  readonly endpoint: string;
  readonly isUp: boolean;
  /** Connections accepted and forwarded / reset because the proxy was down. */
  readonly stats: { forwarded: number; refused: number };
  /** Resets every open connection; new ones are reset as they arrive. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetEndpoint: string): Promise<TcpProxy> {
  const target = new URL(targetEndpoint);
  const targetPort = Number(target.port);
  const targetHost = target.hostname;
  const open = new Set<Socket>();
  const stats = { forwarded: 0, refused: 0 };
  let isUp = true;

  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  const server = createServer((client) => {
    if (!isUp) {
      stats.refused += 1;
      client.resetAndDestroy();
      return;
    }
    stats.forwarded += 1;
    const upstream = connect(targetPort, targetHost);
    track(client);
    track(upstream);
    // Any error on either side ends both, as a broken path would.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get isUp() {
      return isUp;
    },
    stats,
    down() {
      isUp = false;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    up() {
      isUp = true;
    },
    close() {
      for (const socket of open) socket.destroy();
      open.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
