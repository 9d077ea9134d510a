// The local gateway is the unit under test here: the functions behind it are small test handlers
// (an echo of the event it built, fixed results), so every assertion is about the HTTP ↔ API
// Gateway v2 mapping over a real socket.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { request as httpRequest, createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  createRouter,
  fromApiGatewayResult,
  parseQueryString,
  startGateway,
  type Gateway,
  type GatewayRoute,
  type HttpFunction,
} from '../../../infra/local/gateway.ts';
import { PortInUseError } from '../../../infra/local/lambda-context.ts';

interface Echo {
  event: APIGatewayProxyEventV2;
  context: { functionName: string; remainingMs: number; awsRequestId: string };
}

const echo: HttpFunction = async (event, context) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    event,
    context: { functionName: context.functionName, remainingMs: context.getRemainingTimeInMillis(), awsRequestId: context.awsRequestId },
  } satisfies Echo),
});

function route(path: string, handler: HttpFunction, methods: GatewayRoute['methods'] = 'ANY', extra: Partial<GatewayRoute> = {}): GatewayRoute {
  return { methods, path, handler, functionName: `fn${path.replace(/[^a-z]/gi, '-')}`, ...extra };
}

/** node:http instead of fetch: fetch merges repeated headers before they reach the wire. */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('local gateway (HTTP ↔ API Gateway v2)', () => {
  let gateway: Gateway;
  let neverSettle: (() => void) | undefined;

  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      maxBodyBytes: 1024,
      integrationTimeoutMs: 200,
      routes: [
        route('/webhooks/tencent-meeting', echo, ['GET', 'POST'], { functionName: 'webhook', timeoutMs: 10_000 }),
        route('/v1/{proxy+}', echo, 'ANY', { functionName: 'query' }),
        route('/v1/records/special', async () => ({ statusCode: 204 })),
        route('/items/{id}', echo, ['GET']),
        route('/result/structured', async () => ({
          statusCode: 201,
          headers: { 'X-Custom': 'yes', 'Cache-Control': 'no-store', 'x-number': 7 },
          cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
          body: 'created',
        })),
        route('/result/binary', async () => ({
          statusCode: 200,
          headers: { 'content-type': 'application/octet-stream' },
          isBase64Encoded: true,
          body: Buffer.from([0, 1, 2, 255]).toString('base64'),
        })),
        route('/result/string', async () => 'plain result' as APIGatewayProxyResultV2),
        route('/result/object', async () => ({ hello: 'world' }) as unknown as APIGatewayProxyResultV2),
        route('/result/bad-status', async () => ({ statusCode: 42 })),
        route('/result/throws', async () => {
          throw new Error('boom');
        }),
        route('/result/slow', () => new Promise<APIGatewayProxyResultV2>((resolve) => (neverSettle = () => resolve({ statusCode: 200 })))),
      ],
    });
  });

  afterAll(async () => {
    neverSettle?.();
    await gateway.stop();
  });

  async function echoed(path: string, init?: RequestInit): Promise<Echo> {
    const response = await fetch(`${gateway.url}${path}`, init);
    expect(response.status).toBe(200);
    return (await response.json()) as Echo;
  }

  it('builds a version 2.0 event with route key, raw path and query, request context and a live deadline', async () => {
    const { event, context } = await echoed('/webhooks/tencent-meeting?check_str=abc%3D%3D&x=1', {
      headers: { 'User-Agent': 'tencent-test/1.0', 'X-TC-Signature': 'sig' },
    });
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('GET /webhooks/tencent-meeting');
    expect(event.requestContext.routeKey).toBe('GET /webhooks/tencent-meeting');
    expect(event.rawPath).toBe('/webhooks/tencent-meeting');
    expect(event.rawQueryString).toBe('check_str=abc%3D%3D&x=1');
    expect(event.queryStringParameters).toEqual({ check_str: 'abc==', x: '1' });
    expect(event.headers['x-tc-signature']).toBe('sig');
    expect(event.headers['user-agent']).toBe('tencent-test/1.0');
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.requestContext.http).toEqual({
      method: 'GET',
      path: '/webhooks/tencent-meeting',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'tencent-test/1.0',
    });
    expect(event.requestContext.requestId).toEqual(expect.any(String));
    expect(event.requestContext.stage).toBe('$default');
    expect(event.requestContext.timeEpoch).toEqual(expect.any(Number));
    expect(event.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBeUndefined();
    expect(context.functionName).toBe('webhook');
    expect(context.remainingMs).toBeGreaterThan(0);
    expect(context.remainingMs).toBeLessThanOrEqual(10_000);
  });

  it('omits queryStringParameters without a query, and decodes + and %20 as spaces', async () => {
    expect((await echoed('/webhooks/tencent-meeting')).event.queryStringParameters).toBeUndefined();
    expect((await echoed('/webhooks/tencent-meeting?q=a+b%20c&empty=&flag')).event.queryStringParameters).toEqual({ q: 'a b c', empty: '', flag: '' });
  });

  it('joins repeated query parameters and repeated headers with commas, and moves cookies out of the headers', async () => {
    const response = await rawRequest(`${gateway.url}/v1/records?meeting_id=1&meeting_id=2&page=3`, {
      headers: { 'X-Dup': ['a', 'b'], Cookie: 'session=abc; theme=dark' },
    });
    const { event } = JSON.parse(response.body.toString()) as Echo;
    expect(event.queryStringParameters).toEqual({ meeting_id: '1,2', page: '3' });
    expect(event.headers['x-dup']).toBe('a,b');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.cookies).toEqual(['session=abc', 'theme=dark']);
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(event.headers['x-forwarded-proto']).toBe('http');
  });

  it('passes JSON and text bodies as text, binary and untyped bodies as base64', async () => {
    const json = await echoed('/webhooks/tencent-meeting', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"data":"中文"}' });
    expect(json.event.routeKey).toBe('POST /webhooks/tencent-meeting');
    expect(json.event.isBase64Encoded).toBe(false);
    expect(json.event.body).toBe('{"data":"中文"}');

    const bytes = randomBytes(300);
    const binary = await echoed('/webhooks/tencent-meeting', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    expect(binary.event.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.event.body!, 'base64').equals(bytes)).toBe(true);

    const untyped = await rawRequest(`${gateway.url}/webhooks/tencent-meeting`, { method: 'POST', body: Buffer.from('hello') });
    const { event } = JSON.parse(untyped.body.toString()) as Echo;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').toString()).toBe('hello');
  });

  it('routes greedy and single-segment parameters, preferring the most specific route', async () => {
    const proxy = await echoed('/v1/addresses/file%2F1');
    expect(proxy.event.routeKey).toBe('ANY /v1/{proxy+}');
    expect(proxy.event.pathParameters).toEqual({ proxy: 'addresses/file/1' });
    expect(proxy.context.functionName).toBe('query');
    expect((await fetch(`${gateway.url}/v1/records/special`)).status).toBe(204);
    const item = await echoed('/items/42');
    expect(item.event.routeKey).toBe('GET /items/{id}');
    expect(item.event.pathParameters).toEqual({ id: '42' });
  });

  it('answers 404 like API Gateway for unknown paths and for known paths under another method', async () => {
    for (const [method, path] of [['GET', '/nope'], ['DELETE', '/webhooks/tencent-meeting'], ['POST', '/items/1'], ['GET', '/v1']] as const) {
      const response = await fetch(`${gateway.url}${path}`, { method });
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
      expect(await response.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('maps a structured result: status, headers, cookies as set-cookie, and the API Gateway request id', async () => {
    const response = await rawRequest(`${gateway.url}/result/structured`, {});
    expect(response.status).toBe(201);
    expect(response.headers['x-custom']).toBe('yes');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-number']).toBe('7');
    expect(response.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(response.headers['apigw-requestid']).toEqual(expect.any(String));
    expect(response.body.toString()).toBe('created');
  });

  it('decodes base64 results to the exact bytes', async () => {
    const response = await fetch(`${gateway.url}/result/binary`);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from([0, 1, 2, 255]))).toBe(true);
  });

  it('infers a 200 JSON response from results without a statusCode', async () => {
    const text = await fetch(`${gateway.url}/result/string`);
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toBe('application/json');
    expect(await text.text()).toBe('plain result');
    const object = await fetch(`${gateway.url}/result/object`);
    expect(await object.json()).toEqual({ hello: 'world' });
  });

  it('turns a throwing function or an invalid status into 500, and a function past the integration timeout into 503', async () => {
    const thrown = await fetch(`${gateway.url}/result/throws`);
    expect(thrown.status).toBe(500);
    expect(await thrown.json()).toEqual({ message: 'Internal Server Error' });
    expect((await fetch(`${gateway.url}/result/bad-status`)).status).toBe(500);
    const slow = await fetch(`${gateway.url}/result/slow`);
    expect(slow.status).toBe(503);
    expect(await slow.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('rejects bodies over the payload limit with 413 without invoking the function, and accepts one at the limit', async () => {
    const atLimit = await echoed('/webhooks/tencent-meeting', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(1024) });
    expect(atLimit.event.body).toHaveLength(1024);
    const tooLarge = await fetch(`${gateway.url}/webhooks/tencent-meeting`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(1025) });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('names the port and the variable that moves it when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const attempt = startGateway({ port, routes: [], portVariable: 'PORT' });
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(`Port ${port} is already in use`);
      await expect(attempt).rejects.toThrow('PORT=<port>');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('gateway pieces', () => {
  it('parses query strings like API Gateway', () => {
    expect(parseQueryString('')).toBeUndefined();
    expect(parseQueryString('a=1&a=2&b=%E4%B8%AD&c=%ZZ')).toEqual({ a: '1,2', b: '中', c: '%ZZ' });
  });

  it('prefers literal routes over parameters over greedy proxies', () => {
    const noop: HttpFunction = async () => ({ statusCode: 200 });
    const router = createRouter([route('/v1/{proxy+}', noop), route('/v1/records/{id}', noop), route('/v1/records/all', noop)]);
    expect(router('GET', '/v1/records/all')?.routeKey).toBe('ANY /v1/records/all');
    expect(router('GET', '/v1/records/7')?.pathParameters).toEqual({ id: '7' });
    expect(router('GET', '/v1/records/7/files')?.pathParameters).toEqual({ proxy: 'records/7/files' });
  });

  it('maps results without I/O', () => {
    expect(fromApiGatewayResult(undefined)).toMatchObject({ statusCode: 200 });
    expect(fromApiGatewayResult({ statusCode: 302, headers: { Location: '/x' } })).toMatchObject({ statusCode: 302, headers: { location: '/x' } });
  });
});

// Type-level check that a real (event, context) handler signature fits the route type.
const _typed: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2> = async () => ({ statusCode: 200 });
void (_typed satisfies HttpFunction);
