// What the archive API reads from an API Gateway (HTTP API, payload v2) request before a route
// runs: the path and method, the bearer token, the query string and path parameters. (Which route
// a path names is route-matcher.ts.)
import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { badRequest } from './errors.ts';
import type { QueryParams } from './service.ts';

/** The path as received: rawPath keeps a named stage (`/prod/v1/records`); older events only carry http.path. */
export function requestPath(event: APIGatewayProxyEventV2): string {
  return event.rawPath ?? event.requestContext?.http?.path ?? '/';
}

/** The method, upper case; a direct invocation without one is a GET. */
export function requestMethod(event: APIGatewayProxyEventV2): string {
  return (event.requestContext?.http?.method ?? 'GET').toUpperCase();
}

/** Parameters from the raw query string, so a repeated parameter is an error, not a comma-joined value. */
export function queryParams(event: APIGatewayProxyEventV2): QueryParams {
  if (event.rawQueryString === undefined) return { ...(event.queryStringParameters ?? {}) };
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(event.rawQueryString)) {
    if (name in out) throw badRequest(`invalid parameter ${name.slice(0, 64)}: given more than once`);
    out[name] = value;
  }
  return out;
}

/** Path parameters as the client meant them (percent-decoded); a malformed escape is a 400. */
export function decodePathParameters(raw: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, segment] of Object.entries(raw)) {
    try {
      out[name] = decodeURIComponent(segment);
    } catch {
      throw badRequest('invalid path');
    }
  }
  return out;
}

/**
 * Checks `Authorization: Bearer <token>` in constant time: both sides are hashed to equal length
 * before comparing, so neither the token's length nor its prefix leaks through timing.
 */
export function bearerTokenCheck(expectedToken: string): (headers: Readonly<Record<string, string | undefined>>) => boolean {
  const expected = digest(expectedToken);
  return (headers) => {
    const header = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) return false;
    return timingSafeEqual(digest(match[1]!), expected);
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
