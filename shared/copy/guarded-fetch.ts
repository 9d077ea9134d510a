// The copy engine's HTTP client for download links, with download-policy.ts applied to every hop.
// Why not fetch: fetch resolves the host itself, after (and separately from) any check we make, so
// a DNS answer could change between the check and the connection; and it follows redirects on its
// own. Here each hop is checked, then link-get.ts connects to exactly the checked address (its
// `lookup` answers with it), TLS still verifying the certificate against the link's host name, on
// a socket of its own per request.
// Redirects are followed by hand, to https only, each target checked again. The answer is a web
// Response, so http-source.ts reads it exactly as it reads fetch's.
import type { ErrorContext } from '../errors.ts';
import { checkDownloadTarget, DownloadRefusedError, type DownloadPolicy, type Resolver } from './download-policy.ts';
import { linkGet } from './link-get.ts';

export interface SourceRequestInit {
  readonly headers: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Ids for a refusal's error (the link itself is never put in an error: it is a credential). */
  readonly context?: ErrorContext;
}

/** What HttpSource calls to GET a link: fetch's shape, so plain fetch fits where no policy applies. */
export type SourceFetch = (url: string, init: SourceRequestInit) => Promise<Response>;

export { SHORT_BODY_CODE } from './link-get.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_MAX_REDIRECTS = 5;

export interface GuardedFetchOptions {
  readonly maxRedirects?: number;
  /** Tests answer DNS themselves (a name resolving to 169.254.169.254, say). */
  readonly resolve?: Resolver;
}

export function createGuardedFetch(policy: DownloadPolicy, options: GuardedFetchOptions = {}): SourceFetch {
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
      const response = await linkGet(target, init.headers, init.signal);
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
