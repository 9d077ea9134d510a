// Errors in Tencent's shape, so a client written against Tencent's API handles ours unchanged.
// Codes reuse Tencent's where one fits (190004 parameter error, 190303 unauthenticated, 9003 not found).
// They are HttpErrors: the query handler renders them with shared/http's httpErrorRenderer.
import { HttpError } from '../http/http-error.ts';
import type { ErrorResponse } from './schemas.ts';

export const ERROR_CODES = {
  invalidParameter: 190004,
  unauthenticated: 190303,
  notFound: 9003,
  /** Tencent's "permission limited" (DOC-43704): the caller may not see this. */
  forbidden: 9042,
  methodNotAllowed: 190004,
  internal: 500000,
} as const;

export class ApiError extends HttpError {
  override name = 'ApiError';
  readonly errorCode: number;
  declare readonly body: ErrorResponse;

  constructor(statusCode: number, errorCode: number, message: string) {
    const body: ErrorResponse = { error_info: { error_code: errorCode, message } };
    // A 401 names the scheme the client should use (RFC 9110 §11.6.1).
    super(statusCode, message, body, statusCode === 401 ? { headers: { 'www-authenticate': 'Bearer' } } : {});
    this.errorCode = errorCode;
  }
}

export const badRequest = (message: string) => new ApiError(400, ERROR_CODES.invalidParameter, message);
export const notFound = (message: string) => new ApiError(404, ERROR_CODES.notFound, message);
export const methodNotAllowed = (method: string) => new ApiError(405, ERROR_CODES.methodNotAllowed, `method ${method.slice(0, 16)} not allowed`);
export const forbidden = (message: string) => new ApiError(403, ERROR_CODES.forbidden, message);
export const unauthenticated = () => new ApiError(401, ERROR_CODES.unauthenticated, 'missing or invalid bearer token');
export const internalError = () => new ApiError(500, ERROR_CODES.internal, 'internal error');
