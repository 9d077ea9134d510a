// The copy engine's HTTP client for download links, with download-policy.ts applied to every hop.
// Why not fetch: fetch resolves the host itself, after (and separately from) any check we make, so
// a DNS answer could change between the check and the connection; and it follows redirects on its
// own. Here each hop is checked, then node:http(s) connects to exactly the checked address (its
// `lookup` answers with it), TLS still verifying the certificate against the link's host name.
// Redirects are followed by hand, to https only, each target checked again. The answer is a web
// Response, so http-source.ts reads it exactly as it reads fetch's.
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ErrorContext } from '../errors.ts';
import { checkDownloadTarget, DownloadRefusedError, type CheckedTarget, type DownloadPolicy, type Resolver } from './download-policy.ts';

export interface SourceRequestInit {
  readonly headers: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Ids for a refusal's error (the link itself is never put in an error: it is a credential). */
  readonly context?: ErrorContext;
}

/** What HttpSource calls to GET a link: fetch's shape, so plain fetch fits where no policy applies. */
export type SourceFetch = (url: string, init: SourceRequestInit) => Promise<Response>;

/** A body that ended (the peer closed cleanly) before its declared Content-Length. */
export const SHORT_BODY_CODE = 'ERR_SOURCE_SHORT_BODY';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([204, 205, 304]);
const DEFAULT_MAX_REDIRECTS = 5;

export interface GuardedFetchOptions {
  readonly maxRedirects?: number;
  /** Tests answer DNS themselves (a name resolving to 169.254.169.254, say). */
  readonly resolve?: Resolver;
}

export function createGuardedFetch(policy: DownloadPolicy, options: GuardedFetchOptions = {}): SourceFetch {
  // Own agents, so every pooled socket was opened by this function to an address it checked.
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  return async (link, init) => {
    let next = link;
    for (let hop = 0; ; hop += 1) {
      if (hop > 0) {
        const protocol = URL.parse(next)?.protocol;
        if (protocol !== 'https:') {
          throw new DownloadRefusedError('redirect-not-https', `redirect to a ${protocol ?? 'non-URL'} link (redirects are followed to https only)`, init.context);
        }
      }
      const target = await checkDownloadTarget(next, policy, init.context, options.resolve);
      const response = await requestOnce(target, init, target.url.protocol === 'https:' ? agents.https : agents.http);
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || !location) return response;
      await response.body?.cancel().catch(() => undefined);
      if (hop >= maxRedirects) throw new DownloadRefusedError('too-many-redirects', `more than ${maxRedirects} redirects`, init.context);
      const redirected = URL.parse(location, target.url);
      if (!redirected) throw new DownloadRefusedError('bad-url', 'redirect to something that is not a URL', init.context);
      next = redirected.toString();
    }
  };
}

function pinnedLookup(target: CheckedTarget): LookupFunction {
  return (_hostname, options, callback) => {
    // With autoSelectFamily (Node's default) net asks for every address at once.
    if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

function requestOnce(target: CheckedTarget, init: SourceRequestInit, agent: http.Agent): Promise<Response> {
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target.url,
      { method: 'GET', headers: init.headers, agent, lookup: pinnedLookup(target), ...(init.signal ? { signal: init.signal } : {}) },
      (res) => resolve(toResponse(res)),
    );
    request.once('error', (error) => reject(init.signal?.aborted ? init.signal.reason : error));
    request.end();
  });
}

function toResponse(res: http.IncomingMessage): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const status = res.statusCode ?? 502;
  if (NULL_BODY.has(status)) res.resume();
  return new Response(NULL_BODY.has(status) ? null : bodyOf(res), { status, statusText: res.statusMessage ?? '', headers });
}

/** The body as a web stream, with backpressure; a body cut short by a clean close is named as such. */
function bodyOf(res: http.IncomingMessage): ReadableStream<Uint8Array> {
  const declared = Number(res.headers['content-length'] ?? Number.NaN);
  let received = 0;
  let peerEnded = false;
  const socket = res.socket;
  const onPeerEnd = () => {
    peerEnded = true;
  };
  socket?.once('end', onPeerEnd);
  res.once('close', () => socket?.off('end', onPeerEnd));
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 1) <= 0) res.pause();
        });
        res.once('end', () => {
          try {
            controller.close();
          } catch {
            // already cancelled
          }
        });
        res.once('error', (error) => {
          const short = peerEnded && Number.isFinite(declared) && received < declared;
          const reported = short ? Object.assign(new Error(`body ended after ${received} of ${declared} bytes`, { cause: error }), { code: SHORT_BODY_CODE }) : error;
          try {
            controller.error(reported);
          } catch {
            // already cancelled
          }
        });
      },
      pull() {
        res.resume();
      },
      cancel() {
        res.destroy();
      },
    },
    // A few socket reads' worth: enough to keep the connection busy, bounded per reader.
    { highWaterMark: 8 },
  );
}
