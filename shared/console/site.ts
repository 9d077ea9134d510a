// The archive console's public part, served by the query function: the page shell, its bundled
// script and style, and the small config that says how to sign in. Nothing here reads the
// archive: every recording, link and transcript goes through the archive API with its auth.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ConsoleOidcSettings } from '../config/environment.ts';

/** The bundle console/build.ts writes: file name → bytes. */
export interface ConsoleAssets {
  readonly script: string;
  readonly style: string;
}

export const CONSOLE_SCRIPT = 'console.js';
export const CONSOLE_STYLE = 'console.css';
export const CONSOLE_CONFIG = 'config.json';

/** How the page signs in: the local bearer token, the issuer's code flow with PKCE, or not at all (IAM only). */
export type ConsoleAuth =
  | { readonly mode: 'token' }
  | ({ readonly mode: 'oidc' } & ConsoleOidcSettings)
  | { readonly mode: 'unavailable'; readonly reason: string };

export interface ConsoleSiteOptions {
  readonly assets: ConsoleAssets;
  readonly auth: ConsoleAuth;
  /** Origin of the presigned archive links (the bucket's S3 endpoint): the only media source. */
  readonly mediaOrigin: () => Promise<string | undefined>;
}

export type ConsoleSite = (path: string) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;

/** Reads the bundle from a directory (the Lambda package's `console/`). */
export function readConsoleAssets(directory: URL | string): ConsoleAssets {
  const base = typeof directory === 'string' ? directory.replace(/\/?$/, '/') : directory.href.replace(/\/?$/, '/');
  const read = (name: string) => readFileSync(typeof directory === 'string' ? `${base}${name}` : new URL(name, base), 'utf8');
  return { script: read(CONSOLE_SCRIPT), style: read(CONSOLE_STYLE) };
}

const origin = (url: string | undefined): string | undefined => {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

/**
 * The shell's policy: scripts and styles only from this origin (no inline code, no eval), media
 * only from the bucket's presigned links, requests only to the API itself and the sign-in issuer.
 */
export function contentSecurityPolicy(auth: ConsoleAuth, mediaOrigin: string | undefined): string {
  const connect = new Set(["'self'"]);
  if (auth.mode === 'oidc') for (const url of [auth.issuer, auth.tokenEndpoint]) if (origin(url)) connect.add(origin(url)!);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `media-src ${origin(mediaOrigin) ?? "'none'"}`,
    `connect-src ${[...connect].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const fingerprint = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 12);

function shell(assets: ConsoleAssets): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Meeting archive</title>',
    // No favicon request (it would be one more unauthenticated path to serve).
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="/console/${CONSOLE_STYLE}?v=${fingerprint(assets.style)}">`,
    `<script type="module" src="/console/${CONSOLE_SCRIPT}?v=${fingerprint(assets.script)}"></script>`,
    '</head>',
    '<body>',
    '<main id="app" aria-live="polite"><p>Loading the archive console…</p></main>',
    '<noscript>The archive console needs JavaScript.</noscript>',
    '</body>',
    '</html>',
  ].join('\n');
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  // The sign-in callback carries the authorization code in the URL; presigned links carry signatures.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function createConsoleSite(options: ConsoleSiteOptions): ConsoleSite {
  const { assets, auth } = options;
  const html = shell(assets);
  let policy: Promise<string> | undefined;
  const config = JSON.stringify({ apiBase: '/v1', auth });
  const respond = (contentType: string, body: string, extra: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
    statusCode: 200,
    headers: { 'content-type': contentType, 'cache-control': 'no-cache', ...SECURITY_HEADERS, ...extra },
    body,
  });
  return async (path) => {
    switch (path) {
      case '/':
        policy ??= options.mediaOrigin().then((media) => contentSecurityPolicy(auth, media)).catch(() => contentSecurityPolicy(auth, undefined));
        return respond('text/html; charset=utf-8', html, { 'content-security-policy': await policy });
      case `/console/${CONSOLE_SCRIPT}`:
        return respond('text/javascript; charset=utf-8', assets.script);
      case `/console/${CONSOLE_STYLE}`:
        return respond('text/css; charset=utf-8', assets.style);
      case `/console/${CONSOLE_CONFIG}`:
        return respond('application/json', config);
      default:
        return undefined;
    }
  };
}

/** What the console's sign-in is, from the query settings. */
export function consoleAuthOf(settings: { readonly apiToken?: string; readonly consoleOidc?: ConsoleOidcSettings }): ConsoleAuth {
  if (settings.consoleOidc) return { mode: 'oidc', ...settings.consoleOidc };
  if (settings.apiToken) return { mode: 'token' };
  return {
    mode: 'unavailable',
    reason: 'This archive API uses IAM (SigV4) authorization, which a browser page cannot sign. Deploy it with a JWT issuer (jwt in the construct) to use the console.',
  };
}
