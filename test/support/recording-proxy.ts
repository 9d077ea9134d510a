// An HTTP proxy in front of an emulator that records every request and can answer some itself,
// for behaviour the emulator does not have: a versioned bucket's ListObjectVersions (fauxqs has no
// versioning), or a secondary index that has not caught up yet (DynamoDB Local's are immediate).
// Real sockets on both sides; everything it does not answer is forwarded byte for byte.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  /** Raw request target (path and query). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface CannedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: string;
}

export interface RecordingProxy {
  readonly endpoint: string;
  /** Every request, in arrival order. */
  readonly requests: ProxiedRequest[];
  /** Answers a request instead of the emulator when it returns a response. */
  intercept: ((request: ProxiedRequest) => CannedResponse | undefined) | undefined;
  close(): Promise<void>;
}

export async function startRecordingProxy(targetEndpoint: string): Promise<RecordingProxy> {
  const target = new URL(targetEndpoint);
  const proxy: RecordingProxy = {
    endpoint: '',
    requests: [],
    intercept: undefined,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
      proxy.requests.push(recorded);
      const canned = proxy.intercept?.(recorded);
      if (canned) {
        res.writeHead(canned.status, { 'content-length': String(Buffer.byteLength(canned.body)), ...canned.headers });
        res.end(canned.body);
        return;
      }
      const upstream = httpRequest(
        { host: target.hostname, port: Number(target.port), method: recorded.method, path: recorded.url, headers: { ...req.headers, host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(recorded.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  (proxy as { endpoint: string }).endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
