// The pieces of OAuth 2.0 authorization code + PKCE (RFC 7636) the console's sign-in needs, pure
// and free of the DOM so they run (and are tested) in Node as in the browser: Web Crypto only.

export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A code verifier: 32 random bytes, base64url (43 characters, within RFC 7636's 43-128). */
export function randomVerifier(random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  return base64Url(random(new Uint8Array(32)));
}

/** The S256 code challenge: BASE64URL(SHA256(ASCII(code_verifier))). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

export interface AuthorizationRequest {
  readonly authorizationEndpoint: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly challenge: string;
}

export function authorizationUrl(request: AuthorizationRequest): string {
  const url = new URL(request.authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', request.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('scope', request.scopes.join(' '));
  url.searchParams.set('state', request.state);
  url.searchParams.set('code_challenge', request.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

export type CallbackResult = { readonly kind: 'none' } | { readonly kind: 'code'; readonly code: string } | { readonly kind: 'error'; readonly message: string };

/** Reads the redirect back from the issuer; a state that is not the one this tab sent is refused (CSRF). */
export function parseCallback(search: string, expectedState: string | null): CallbackResult {
  const params = new URLSearchParams(search);
  const error = params.get('error');
  const code = params.get('code');
  if (!error && !code) return { kind: 'none' };
  if (!expectedState || params.get('state') !== expectedState) return { kind: 'error', message: 'Sign-in failed: the answer from the issuer does not belong to this tab (state mismatch). Sign in again.' };
  if (error) return { kind: 'error', message: `Sign-in failed: ${error}${params.get('error_description') ? ` (${params.get('error_description')})` : ''}` };
  return { kind: 'code', code: code! };
}

/** The token request body (a public client: no secret, the verifier proves it started the flow). */
export function tokenRequestBody(input: { code: string; redirectUri: string; clientId: string; verifier: string }): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
    client_id: input.clientId,
    code_verifier: input.verifier,
  });
}

/** The issuer's discovery document (OpenID Connect Discovery 1.0). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/** A JWT's `exp` in ms (undefined when it has none or is not a JWT); the signature is the API's to check. */
export function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='))) as { exp?: unknown };
    return typeof json.exp === 'number' ? json.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
