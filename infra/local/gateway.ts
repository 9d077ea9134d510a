// The local stand-in for API Gateway (HTTP API, payload format 2.0): turns HTTP requests into
// APIGatewayProxyEventV2 events, invokes the function a route points to with a Lambda-like
// context, and maps APIGatewayProxyResultV2 back to HTTP. The handlers are the deployed ones, so
// what API Gateway would do (header lower-casing, comma-joined duplicates, base64 for binary
// bodies, response inference, payload and integration limits) is done here, not in the handlers.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createLambdaContext, PortInUseError, silentLog, type LocalLog } from './lambda-context.ts';

export type HttpFunction = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2 | undefined | null | void>;

export interface GatewayRoute {
  /** HTTP methods this route answers; 'ANY' like API Gateway's ANY route. */
  readonly methods: readonly string[] | 'ANY';
  /** API Gateway route path: literal segments, `{name}` (one segment) or a final `{name+}` (greedy). */
  readonly path: string;
  /** The function name shown in logs and in context.functionName. */
  readonly functionName: string;
  readonly handler: HttpFunction;
  /** The function's own timeout (Lambda setting) for context.getRemainingTimeInMillis(); default 30 s. */
  readonly timeoutMs?: number;
}

export interface GatewayOptions {
  readonly port: number;
  readonly host?: string;
  readonly routes: readonly GatewayRoute[];
  /** API Gateway HTTP APIs accept 10 MB; Lambda's synchronous payload cap makes ~6 MB the real limit. */
  readonly maxBodyBytes?: number;
  /** API Gateway's integration timeout (30 s): a slower function gets 503, as in AWS. */
  readonly integrationTimeoutMs?: number;
  /** Env var that moves the port, named in the error when it is taken. */
  readonly portVariable?: string;
  readonly log?: LocalLog;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;
const DEFAULT_INTEGRATION_TIMEOUT_MS = 30_000;
const DEFAULT_FUNCTION_TIMEOUT_MS = 30_000;

// API Gateway (HTTP API) passes these bodies as text; everything else, including a missing
// Content-Type, arrives base64-encoded with isBase64Encoded: true.
const TEXT_CONTENT_TYPES = [/^text\//, /^application\/(json|xml|javascript|graphql)$/, /\+(json|xml)$/];

function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return TEXT_CONTENT_TYPES.some((pattern) => pattern.test(mediaType));
}

interface CompiledRoute {
  readonly route: GatewayRoute;
  readonly segments: readonly string[];
  readonly literalCount: number;
  readonly greedy: boolean;
}

function compileRoute(route: GatewayRoute): CompiledRoute {
  const segments = route.path.split('/').filter(Boolean);
  const literalCount = segments.filter((segment) => !segment.startsWith('{')).length;
  const last = segments[segments.length - 1] ?? '';
  return { route, segments, literalCount, greedy: /^\{[^}]+\+\}$/.test(last) };
}

export interface RouteMatch {
  readonly route: GatewayRoute;
  readonly routeKey: string;
  readonly pathParameters: Record<string, string> | undefined;
}

/**
 * Picks the route for a request the way API Gateway does: the most specific path wins (literal
 * segments over `{param}` over a greedy `{proxy+}`); a path that exists under another method
 * is still 404 (HTTP APIs have no 405).
 */
export function createRouter(routes: readonly GatewayRoute[]): (method: string, rawPath: string) => RouteMatch | undefined {
  const compiled = routes
    .map(compileRoute)
    .sort((a, b) => Number(a.greedy) - Number(b.greedy) || b.literalCount - a.literalCount || b.segments.length - a.segments.length);
  return (method, rawPath) => {
    const upper = method.toUpperCase();
    const requestSegments = rawPath.split('/').filter(Boolean);
    for (const candidate of compiled) {
      const { route } = candidate;
      if (route.methods !== 'ANY' && !route.methods.some((m) => m.toUpperCase() === upper)) continue;
      const params = matchSegments(candidate, requestSegments);
      if (!params) continue;
      const routeKey = `${route.methods === 'ANY' ? 'ANY' : upper} ${route.path}`;
      return { route, routeKey, pathParameters: Object.keys(params).length > 0 ? params : undefined };
    }
    return undefined;
  };
}

function matchSegments(candidate: CompiledRoute, requestSegments: readonly string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  const { segments, greedy } = candidate;
  const fixed = greedy ? segments.length - 1 : segments.length;
  if (greedy ? requestSegments.length <= fixed : requestSegments.length !== fixed) return null;
  for (let i = 0; i < fixed; i += 1) {
    const pattern = segments[i]!;
    const actual = requestSegments[i]!;
    if (pattern.startsWith('{')) params[pattern.slice(1, -1)] = safeDecode(actual);
    else if (pattern !== actual) return null;
  }
  if (greedy) {
    const name = segments[segments.length - 1]!.slice(1, -2);
    params[name] = requestSegments.slice(fixed).map(safeDecode).join('/');
  }
  return params;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Query parameters as API Gateway v2 gives them: decoded, duplicates joined with ','. */
export function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const out: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (!pair) continue;
    const equals = pair.indexOf('=');
    const name = safeDecode((equals === -1 ? pair : pair.slice(0, equals)).replace(/\+/g, ' '));
    const value = equals === -1 ? '' : safeDecode(pair.slice(equals + 1).replace(/\+/g, ' '));
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function apiGatewayTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

export interface RawHttpRequest {
  readonly method: string;
  /** Path and query as sent: `/v1/records?meeting_id=1`. */
  readonly url: string;
  /** Header name → every value received, in order (Node's headersDistinct). */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly localPort: number;
}

/** Builds the event API Gateway would send for this request (pure: no I/O). */
function toApiGatewayEvent(request: RawHttpRequest, match: Pick<RouteMatch, 'routeKey' | 'pathParameters'>, now = new Date()): APIGatewayProxyEventV2 {
  const questionMark = request.url.indexOf('?');
  const rawPath = questionMark === -1 ? request.url : request.url.slice(0, questionMark);
  const rawQueryString = questionMark === -1 ? '' : request.url.slice(questionMark + 1);
  const requestId = randomBytes(10).toString('base64').replace(/=+$/, '=');
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, values] of Object.entries(request.headers)) {
    if (!values || values.length === 0) continue;
    const lower = name.toLowerCase();
    // API Gateway moves cookies out of the headers into `cookies`, one entry per cookie.
    if (lower === 'cookie') {
      cookies = values.flatMap((value) => value.split(';').map((cookie) => cookie.trim()).filter(Boolean));
      continue;
    }
    headers[lower] = values.join(',');
  }
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${request.sourceIp}` : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  const host = headers.host ?? `127.0.0.1:${request.localPort}`;
  const hasBody = request.body.length > 0;
  const asText = isTextContentType(headers['content-type']);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: match.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0]!.split(':')[0]!,
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: match.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: hasBody && !asText,
  };
  if (cookies && cookies.length > 0) event.cookies = cookies;
  const query = parseQueryString(rawQueryString);
  if (query) event.queryStringParameters = query;
  if (match.pathParameters) event.pathParameters = match.pathParameters;
  if (hasBody) event.body = asText ? request.body.toString('utf8') : request.body.toString('base64');
  return event;
}

export interface HttpResponseParts {
  readonly statusCode: number;
  /** Header name → value; `set-cookie` may carry several. */
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/**
 * Maps a function's result to HTTP as API Gateway does for payload 2.0: a structured result is
 * used as is; anything without a statusCode (a string, an object) is a 200 JSON body.
 */
export function fromApiGatewayResult(result: APIGatewayProxyResultV2 | undefined | null | void): HttpResponseParts {
  if (result === undefined || result === null || typeof result !== 'object' || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body, 'utf8') };
  }
  const structured = result as APIGatewayProxyStructuredResultV2;
  const statusCode = structured.statusCode;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return internalError();
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (structured.cookies && structured.cookies.length > 0) headers['set-cookie'] = [...structured.cookies];
  const rawBody = structured.body ?? '';
  const body = structured.isBase64Encoded ? Buffer.from(rawBody, 'base64') : Buffer.from(rawBody, 'utf8');
  return { statusCode, headers, body };
}

function gatewayError(statusCode: number, message: string): HttpResponseParts {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ message })) };
}

const internalError = () => gatewayError(500, 'Internal Server Error');

class BodyTooLargeError extends Error {}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

function send(response: ServerResponse, parts: HttpResponseParts, requestId: string): void {
  response.statusCode = parts.statusCode;
  for (const [name, value] of Object.entries(parts.headers)) response.setHeader(name, value);
  response.setHeader('apigw-requestid', requestId);
  response.setHeader('content-length', String(parts.body.length));
  response.end(parts.body);
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS;
  const log = options.log ?? silentLog;
  const route = createRouter(options.routes);

  const answer = async (request: IncomingMessage, match: RouteMatch | undefined): Promise<{ parts: HttpResponseParts; requestId: string }> => {
    const requestId = randomBytes(10).toString('base64');
    if (!match) return { parts: gatewayError(404, 'Not Found'), requestId };
    let body: Buffer;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return { parts: gatewayError(413, 'Request Entity Too Large'), requestId };
      throw error;
    }
    const event = toApiGatewayEvent(
      {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headersDistinct,
        body,
        sourceIp: normaliseIp(request.socket.remoteAddress),
        localPort: request.socket.localPort ?? 0,
      },
      match,
    );
    return { parts: await invoke(match.route, event, integrationTimeoutMs, log), requestId: event.requestContext.requestId };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = Date.now();
    const method = request.method ?? 'GET';
    const rawPath = (request.url ?? '/').split('?')[0]!;
    const match = route(method, rawPath);
    const { parts, requestId } = await answer(request, match);
    // The rest of an oversized upload is not worth reading: answer and close.
    if (parts.statusCode === 413) response.setHeader('connection', 'close');
    send(response, parts, requestId);
    log.info(`${method} ${rawPath} → ${parts.statusCode}`, { function: match?.route.functionName ?? null, ms: Date.now() - started, requestId });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error('gateway failed to answer a request', { error: String(error) });
      if (!response.headersSent) send(response, internalError(), 'none');
      else response.destroy();
    });
  });
  await listen(server, options.port, host, options.portVariable);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // In-flight requests get a moment to finish; then their sockets are cut.
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
    },
  };
}

async function invoke(route: GatewayRoute, event: APIGatewayProxyEventV2, integrationTimeoutMs: number, log: LocalLog): Promise<HttpResponseParts> {
  const { context } = createLambdaContext({ functionName: route.functionName, timeoutMs: route.timeoutMs ?? DEFAULT_FUNCTION_TIMEOUT_MS });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), integrationTimeoutMs);
  });
  try {
    const invocation = route.handler(event, context);
    const outcome = await Promise.race([invocation, timedOut]);
    if (outcome === 'timeout') {
      invocation.catch(() => undefined);
      log.error(`${route.functionName} did not answer within ${integrationTimeoutMs} ms`, { requestId: event.requestContext.requestId });
      return gatewayError(503, 'Service Unavailable');
    }
    return fromApiGatewayResult(outcome);
  } catch (error) {
    // A function that throws is a 500 to the caller, as in API Gateway; the cause stays in the log.
    log.error(`${route.functionName} threw`, { requestId: event.requestContext.requestId, error: describeError(error) });
    return internalError();
  } finally {
    clearTimeout(timer);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function normaliseIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export async function listen(server: Server, port: number, host: string, portVariable?: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, portVariable, { cause: error }) : error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
