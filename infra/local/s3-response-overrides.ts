// S3 answers a GET or HEAD whose (signed) query carries response-content-disposition and the other
// response-* parameters with those headers instead of the stored ones: that is how a presigned
// archive link names the download. fauxqs ignores them, so locally a link asking for
// `Demo_ weekly sync-<id>.mp4` saved as `Demo: weekly sync.mp4`. The emulator runs in this process,
// so its answers get the overrides here, at the HTTP layer, exactly where S3 applies them.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';

const OVERRIDES: Readonly<Record<string, string>> = {
  'response-content-disposition': 'content-disposition',
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-content-encoding': 'content-encoding',
  'response-cache-control': 'cache-control',
  'response-expires': 'expires',
};

const CHANNEL = 'http.server.request.start';

interface RequestStart {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly server: Server;
}

/** Applies the overrides to successful GET/HEAD answers of the server listening on `port`; returns how to stop. */
export function honourS3ResponseOverrides(port: number): () => void {
  const onRequest = (message: unknown): void => {
    const { request, response, server } = message as RequestStart;
    const address = server.address();
    if (typeof address !== 'object' || address?.port !== port) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const query = new URL(request.url ?? '/', 'http://emulator').searchParams;
    const headers = Object.entries(OVERRIDES).flatMap(([parameter, header]) => {
      const value = query.get(parameter);
      return value === null ? [] : [[header, value] as const];
    });
    if (headers.length === 0) return;
    const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
    (response as { writeHead: (...args: unknown[]) => ServerResponse }).writeHead = (statusCode: unknown, ...rest: unknown[]) => {
      if (typeof statusCode === 'number' && statusCode >= 200 && statusCode < 300) {
        // Headers given to writeHead win over setHeader's, so they are replaced where they are.
        const given = rest.find((arg): arg is OutgoingHttpHeaders => typeof arg === 'object' && arg !== null && !Array.isArray(arg));
        for (const [header, value] of headers) {
          if (given) {
            for (const key of Object.keys(given)) if (key.toLowerCase() === header) delete given[key];
            given[header] = value;
          }
          response.setHeader(header, value);
        }
      }
      return writeHead(statusCode, ...rest);
    };
  };
  subscribe(CHANNEL, onRequest);
  return () => unsubscribe(CHANNEL, onRequest);
}
