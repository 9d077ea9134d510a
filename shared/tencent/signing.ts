// Tencent Meeting's AK/SK request signature (reference §1.2). Hand-written: no maintained JS SDK
// exists for it, and the algorithm is four lines. The same function signs in the client and
// verifies in the simulator, so both sides agree by construction and the tests pin it to the
// vectors produced by Tencent's own Python SDK.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SignInput {
  readonly secretId: string;
  readonly secretKey: string;
  readonly method: string;
  /** Path + `?` + query exactly as sent on the wire (percent-encoded), no scheme or host. */
  readonly uri: string;
  /** The exact body sent; empty string when there is none. */
  readonly body?: string;
  readonly timestamp: string;
  readonly nonce: string;
}

export function stringToSign(input: SignInput): string {
  return `${input.method.toUpperCase()}\nX-TC-Key=${input.secretId}&X-TC-Nonce=${input.nonce}&X-TC-Timestamp=${input.timestamp}\n${input.uri}\n${input.body ?? ''}`;
}

/** base64 of the lowercase hex HMAC-SHA256 (base64 of the 64 hex characters, not of the raw digest). */
export function signRequest(input: SignInput): string {
  const hex = createHmac('sha256', input.secretKey).update(stringToSign(input), 'utf8').digest('hex');
  return Buffer.from(hex, 'utf8').toString('base64');
}

export function verifySignature(input: SignInput, signature: string): boolean {
  const expected = Buffer.from(signRequest(input));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A random positive integer nonce, shaped like the SDKs' (ms × 10^6 + random), unique per attempt. */
export function newNonce(nowMs = Date.now()): string {
  return (BigInt(nowMs) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000))).toString();
}
