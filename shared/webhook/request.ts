// Reads what the webhook needs out of an HTTP request: the three signature headers, the body within
// its size limit and the body's `data` field. A request that cannot be read is refused with a
// WebhookRejection saying why; the webhook service turns it into a `rejected` outcome.

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Why a request is refused. The reasons are the `error` codes of the webhook's refusals. */
export type RejectionReason =
  | 'missing_check_str'
  | 'missing_signature'
  | 'invalid_signature'
  /** Signed, but sent outside the replay window (replay-window.ts). */
  | 'stale_timestamp'
  | 'body_too_large'
  | 'invalid_body'
  | 'invalid_data'
  | 'invalid_event';

/** A refused request: its reason and a short message for the sender (never an echo of the input). */
export class WebhookRejection extends Error {
  readonly reason: RejectionReason;

  constructor(reason: RejectionReason, message: string) {
    super(message);
    this.name = 'WebhookRejection';
    this.reason = reason;
  }
}

export type RequestHeaders = Readonly<Record<string, string | undefined>>;

export interface SignatureHeaders {
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
}

/** HTTP API lower-cases header names, other front doors may not: look them up case-insensitively. */
function header(headers: RequestHeaders, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

export function signatureHeaders(headers: RequestHeaders): SignatureHeaders {
  const timestamp = header(headers, 'timestamp')?.trim();
  const nonce = header(headers, 'nonce')?.trim();
  const signature = header(headers, 'signature')?.trim();
  if (!timestamp || !nonce || !signature) {
    throw new WebhookRejection('missing_signature', 'timestamp, nonce and signature headers are required');
  }
  return { timestamp, nonce, signature };
}

const tooLarge = (max: number) => new WebhookRejection('body_too_large', `request body exceeds ${max} bytes`);

/** The body as text, refused when it exceeds `maxBodyBytes` (after base64 decoding, if flagged). */
export function bodyText(raw: string | undefined, isBase64Encoded: boolean, maxBodyBytes: number): string {
  const body = raw ?? '';
  // Cheap bound first, so an oversized body is never even base64-decoded.
  if (body.length > maxBodyBytes * 2) throw tooLarge(maxBodyBytes);
  const bytes = isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
  return bytes.toString('utf8');
}

/** The `data` field of Tencent's body `{"data": "<base64>"}`. */
export function dataField(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new WebhookRejection('invalid_body', 'body must be JSON: {"data": "<base64>"}');
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (typeof data !== 'string' || data.length === 0) {
    throw new WebhookRejection('invalid_body', 'body must be JSON: {"data": "<base64>"}');
  }
  return data;
}
