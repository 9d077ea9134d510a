// Who is asking, and what of the archive they may see. IAM auth and the local bearer token are
// account-wide: whoever may invoke the API (an IAM principal with execute-api:Invoke, the holder of
// ARCHIVE_API_TOKEN) reads every recording. In JWT mode API Gateway's JWT authorizer has verified
// the token (signature, issuer, audience, expiry, and that it carries one of the route's scopes);
// this reads the verified claims it passes in `requestContext.authorizer.jwt`:
//   - the admin scope (ARCHIVE_JWT_ADMIN_SCOPE, `archive/admin`) sees the whole account;
//   - the read scope (ARCHIVE_JWT_READ_SCOPE, `archive/read`) sees only the recordings hosted by the
//     Tencent userid in the claim named by ARCHIVE_USERID_CLAIM (`tencent_userid`).
// A request in JWT mode without verified claims (a direct invocation, a route left without the
// authorizer) is refused, never served account-wide.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { JwtAuthorization } from './auth-settings.ts';
import { ApiError, ERROR_CODES, forbidden } from './errors.ts';

export { DEFAULT_JWT_AUTHORIZATION, type JwtAuthorization } from './auth-settings.ts';

export type Caller = { readonly scope: 'account' } | { readonly scope: 'user'; readonly userId: string };

export const ACCOUNT_CALLER: Caller = { scope: 'account' };

interface JwtContext {
  readonly claims?: Readonly<Record<string, unknown>>;
  readonly scopes?: readonly string[] | null;
}

function jwtOf(event: APIGatewayProxyEventV2): JwtContext | undefined {
  return (event.requestContext as { authorizer?: { jwt?: JwtContext } } | undefined)?.authorizer?.jwt;
}

/** API Gateway fills `scopes` from `scope` / `scp`; a claim left as a space-separated string is read too. */
function scopesOf(jwt: JwtContext): string[] {
  if (jwt.scopes && jwt.scopes.length > 0) return [...jwt.scopes];
  const raw = jwt.claims?.scope ?? jwt.claims?.scp;
  if (Array.isArray(raw)) return raw.map(String);
  return typeof raw === 'string' ? raw.split(/\s+/).filter(Boolean) : [];
}

export function callerOf(event: APIGatewayProxyEventV2, jwtAuth: JwtAuthorization | undefined): Caller {
  if (!jwtAuth) return ACCOUNT_CALLER;
  const jwt = jwtOf(event);
  if (!jwt?.claims) throw new ApiError(401, ERROR_CODES.unauthenticated, 'missing or invalid JWT');
  const scopes = scopesOf(jwt);
  if (scopes.includes(jwtAuth.adminScope)) return ACCOUNT_CALLER;
  if (!scopes.includes(jwtAuth.readScope)) throw forbidden(`the token carries neither the ${jwtAuth.readScope} nor the ${jwtAuth.adminScope} scope`);
  const claim = jwt.claims[jwtAuth.userIdClaim];
  const userId = typeof claim === 'number' ? String(claim) : typeof claim === 'string' ? claim.trim() : '';
  if (!userId) throw forbidden(`the token has no ${jwtAuth.userIdClaim} claim naming a Tencent userid (needed without the ${jwtAuth.adminScope} scope)`);
  return { scope: 'user', userId };
}
