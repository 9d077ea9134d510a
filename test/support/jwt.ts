// Real RS256 JWTs, signed with node:crypto, and the part of API Gateway's JWT authorizer that the
// query function relies on: it verifies the signature, issuer, audience and expiry, lets the token
// through only with one of the route's scopes, and hands the handler the verified claims and scopes
// in `requestContext.authorizer.jwt` (HTTP API payload 2.0). The handler never sees a token itself.
import { generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface Issuer {
  readonly issuer: string;
  readonly audience: string;
  /** Signs `claims` (iss, aud, iat, exp, jti added unless given). */
  token(claims: Record<string, unknown>): string;
  readonly publicKey: KeyObject;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export function createIssuer(issuer = 'https://idp.example.test/', audience = 'archive-api'): Issuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  return {
    issuer,
    audience,
    publicKey,
    token(claims) {
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
      const payload = b64url(JSON.stringify({ iss: issuer, aud: audience, iat: now, exp: now + 300, jti: randomUUID(), ...claims }));
      const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey);
      return `${header}.${payload}.${b64url(signature)}`;
    },
  };
}

/** What API Gateway does with a bearer JWT on a route with `routeScopes`: the verified context, or why it answers 401/403 itself. */
export function authorizeAtGateway(issuer: Issuer, token: string, routeScopes: readonly string[]): { jwt: { claims: Record<string, unknown>; scopes: string[] | null } } | { refused: 401 | 403 } {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return { refused: 401 };
  const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
  if (alg !== 'RS256' || !verify('sha256', Buffer.from(`${header}.${payload}`), issuer.publicKey, Buffer.from(signature, 'base64url'))) return { refused: 401 };
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const now = Date.now() / 1000;
  const audiences = ([] as unknown[]).concat(claims.aud ?? claims.client_id);
  if (claims.iss !== issuer.issuer || !audiences.includes(issuer.audience) || typeof claims.exp !== 'number' || claims.exp <= now) return { refused: 401 };
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : Array.isArray(claims.scp) ? claims.scp.map(String) : [];
  if (routeScopes.length > 0 && !scopes.some((s) => routeScopes.includes(s))) return { refused: 403 };
  // API Gateway passes claim values on as strings.
  const passed = Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, typeof v === 'string' ? v : Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]));
  return { jwt: { claims: passed, scopes: scopes.length > 0 ? scopes : null } };
}

/** An event as API Gateway sends it after the JWT authorizer let the request through. */
export function withJwt(event: APIGatewayProxyEventV2, jwt: { claims: Record<string, unknown>; scopes: string[] | null }): APIGatewayProxyEventV2 {
  return { ...event, requestContext: { ...event.requestContext, authorizer: { jwt } } } as APIGatewayProxyEventV2;
}
