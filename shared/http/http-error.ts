// One HTTP error type and one renderer for every function behind API Gateway. Each function keeps
// its own body shape (the webhook answers `{error, message}`, the archive API Tencent's
// `{error_info: {error_code, message}}`), but they are raised, logged and rendered the same way.
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/** An answer to a request that failed: the status, the JSON body the client sees, extra headers. */
export class HttpError extends Error {
  // A literal, not new.target.name: bundles are minified and logs quote the name.
  override name = 'HttpError';
  readonly statusCode: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, message: string, body: unknown, options: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = statusCode;
    this.body = body;
    this.headers = options.headers ?? {};
  }
}

/** A JSON response; no-store, because bodies carry archive state and presigned links. */
export function jsonResponse(statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** The failed request as middy holds it: the event, and the Lambda context (its requestId) for the log line. */
export type HttpRequest = Request<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context>;

export interface HttpErrorRendererOptions {
  /** The answer to anything that is not an HttpError (it is logged by `onUnexpected`, never shown). */
  readonly internalError: () => HttpError;
  /** Called for every HttpError before it is rendered (e.g. to log a rejection). */
  readonly onHttpError?: (error: HttpError, request: HttpRequest) => void;
  /** Called for every other error: a bug or an outage, with its cause. */
  readonly onUnexpected?: (error: unknown, request: HttpRequest) => void;
}

/** middy middleware: renders HttpError as its own response and everything else as `internalError()`. */
export function httpErrorRenderer(options: HttpErrorRendererOptions): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof HttpError) {
        options.onHttpError?.(error, request);
        request.response = jsonResponse(error.statusCode, error.body, error.headers);
        return;
      }
      options.onUnexpected?.(error, request);
      const internal = options.internalError();
      request.response = jsonResponse(internal.statusCode, internal.body, internal.headers);
    },
  };
}
