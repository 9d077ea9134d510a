// Errors in Tencent's shape, so a client written against Tencent's API handles ours unchanged.
// Codes reuse Tencent's where one fits (190004 parameter error, 190303 unauthenticated, 9003 not found).
import type { ErrorResponse } from './schemas.ts';

export const ERROR_CODES = {
  invalidParameter: 190004,
  unauthenticated: 190303,
  notFound: 9003,
  methodNotAllowed: 190004,
  internal: 500000,
} as const;

export class ApiError extends Error {
  readonly statusCode: number;
  readonly errorCode: number;

  constructor(statusCode: number, errorCode: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.errorCode = errorCode;
  }

  get body(): ErrorResponse {
    return { error_info: { error_code: this.errorCode, message: this.message } };
  }
}

export const badRequest = (message: string) => new ApiError(400, ERROR_CODES.invalidParameter, message);
export const notFound = (message: string) => new ApiError(404, ERROR_CODES.notFound, message);
export const unauthenticated = () => new ApiError(401, ERROR_CODES.unauthenticated, 'missing or invalid bearer token');
export const internalError = () => new ApiError(500, ERROR_CODES.internal, 'internal error');
