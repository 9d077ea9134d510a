// Signing in: locally the archive's bearer token, asked once and kept for this tab only
// (sessionStorage); with a JWT issuer, the authorization-code flow with PKCE, the access token
// kept the same way. Nothing secret is in the page: the client is public, the verifier per sign-in.
import { authorizationUrl, codeChallenge, discoveryUrl, jwtExpiryMs, parseCallback, randomVerifier, tokenRequestBody } from './pkce.ts';

export type AuthConfig =
  | { mode: 'token' }
  | { mode: 'oidc'; issuer: string; clientId: string; scopes: string[]; authorizationEndpoint?: string; tokenEndpoint?: string }
  | { mode: 'unavailable'; reason: string };

const TOKEN = 'archive-console.token';
const VERIFIER = 'archive-console.pkce-verifier';
const STATE = 'archive-console.pkce-state';

export function storedToken(): string | undefined {
  const token = sessionStorage.getItem(TOKEN) ?? undefined;
  const expiry = token ? jwtExpiryMs(token) : undefined;
  if (token && expiry !== undefined && expiry <= Date.now()) {
    sessionStorage.removeItem(TOKEN);
    return undefined;
  }
  return token;
}

export function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN);
}

/** The page's own address without query or fragment: what the issuer redirects back to. */
export function redirectUri(): string {
  return `${location.origin}${location.pathname}`;
}

async function endpoints(config: Extract<AuthConfig, { mode: 'oidc' }>): Promise<{ authorization: string; token: string }> {
  if (config.authorizationEndpoint && config.tokenEndpoint) return { authorization: config.authorizationEndpoint, token: config.tokenEndpoint };
  const response = await fetch(discoveryUrl(config.issuer));
  if (!response.ok) throw new Error(`Sign-in unavailable: the issuer's discovery document answered ${response.status}.`);
  const doc = (await response.json()) as { authorization_endpoint?: string; token_endpoint?: string };
  if (!doc.authorization_endpoint || !doc.token_endpoint) throw new Error('Sign-in unavailable: the issuer does not publish its authorization and token endpoints.');
  return { authorization: config.authorizationEndpoint ?? doc.authorization_endpoint, token: config.tokenEndpoint ?? doc.token_endpoint };
}

export async function startSignIn(config: Extract<AuthConfig, { mode: 'oidc' }>): Promise<void> {
  const verifier = randomVerifier();
  const state = randomVerifier();
  sessionStorage.setItem(VERIFIER, verifier);
  sessionStorage.setItem(STATE, state);
  const { authorization } = await endpoints(config);
  location.assign(
    authorizationUrl({ authorizationEndpoint: authorization, clientId: config.clientId, redirectUri: redirectUri(), scopes: config.scopes, state, challenge: await codeChallenge(verifier) }),
  );
}

/** Completes a redirect back from the issuer, if this page load is one; returns an error message or undefined. */
export async function finishSignIn(config: Extract<AuthConfig, { mode: 'oidc' }>): Promise<string | undefined> {
  const result = parseCallback(location.search, sessionStorage.getItem(STATE));
  if (result.kind === 'none') return undefined;
  const verifier = sessionStorage.getItem(VERIFIER);
  sessionStorage.removeItem(STATE);
  sessionStorage.removeItem(VERIFIER);
  // The code is single-use and must not stay in the address bar or history.
  history.replaceState(null, '', redirectUri() + location.hash);
  if (result.kind === 'error') return result.message;
  if (!verifier) return 'Sign-in failed: this tab did not start it. Sign in again.';
  const { token: tokenEndpoint } = await endpoints(config);
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenRequestBody({ code: result.code, redirectUri: redirectUri(), clientId: config.clientId, verifier }),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
  if (!response.ok || !body.access_token) return `Sign-in failed: the issuer refused the code (${body.error ?? response.status}).`;
  keepToken(body.access_token);
  return undefined;
}
