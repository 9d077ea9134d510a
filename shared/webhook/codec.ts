// Tencent Meeting's webhook wire format: the SHA-1 "sorted four strings" signature and the
// base64 / AES-256-CBC encoding of `check_str` and `data` (DOC-51612, DOC-54658).
//
// Hand-written on purpose: this is Tencent's own protocol and no maintained library implements it
// (the official SDKs ship no webhook helpers and there is no Node SDK). It is a few lines over
// node:crypto, pinned by the official DOC-51612 vector and the AES vectors in the reference.
import { createCipheriv, createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../errors.ts';

/** `check_str` / `data` could not be turned back into text: bad base64, wrong AES key, bad padding. */
export class WebhookDecodeError extends ValidationError {
  override name = 'WebhookDecodeError';
}

/** The configured EncodingAESKey itself is unusable (an operator mistake, not bad input). */
export class WebhookKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookKeyError';
  }
}

/** lowercase hex SHA-1 over the ordinal-sorted, separator-less concatenation of the four values. */
export function webhookSignature(token: string, timestamp: string, nonce: string, data: string): string {
  // Array#sort without a comparator orders by UTF-16 code unit, i.e. the ordinal order Tencent uses;
  // a locale-aware compare is the classic integration bug here.
  const joined = [token, timestamp, nonce, data].sort().join('');
  return createHash('sha1').update(joined, 'utf8').digest('hex');
}

const HEX_SHA1 = /^[0-9a-f]{40}$/;

/** Constant-time check of a received `signature` header (case-insensitive hex). */
export function verifyWebhookSignature(
  token: string,
  timestamp: string,
  nonce: string,
  data: string,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const received = signature.trim().toLowerCase();
  if (!HEX_SHA1.test(received)) return false;
  const expected = webhookSignature(token, timestamp, nonce, data);
  return timingSafeEqual(Buffer.from(expected, 'ascii'), Buffer.from(received, 'ascii'));
}

const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;

/** AES key and IV per DOC-54658: key = base64(EncodingAESKey + '='), IV = key[0:16]. */
export function webhookAesKey(encodingAesKey: string): { key: Buffer; iv: Buffer } {
  if (!ENCODING_AES_KEY.test(encodingAesKey)) {
    throw new WebhookKeyError('EncodingAESKey must be exactly 43 letters or digits');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  return { key, iv: key.subarray(0, 16) };
}

// Strict, because Buffer.from(x, 'base64') silently skips junk and would let a mangled `data`
// decode to garbage. Padding is optional: Tencent's own DOC-51612 example is unpadded.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64Strict(value: string): Buffer {
  const compact = value.replace(/[\r\n]/g, '');
  const unpaddedLength = compact.replace(/=+$/, '').length;
  const validLength = compact.includes('=') ? compact.length % 4 === 0 : unpaddedLength % 4 !== 1;
  if (compact.length === 0 || !BASE64.test(compact) || !validLength) {
    throw new WebhookDecodeError('data is not valid base64');
  }
  return Buffer.from(compact, 'base64');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function toText(bytes: Buffer, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new WebhookDecodeError(`${what} is not UTF-8 text`);
  }
}

/**
 * Recovers the plaintext of `check_str` or `data`: base64 (padded or not), then AES-256-CBC with
 * PKCS#7 when an EncodingAESKey is configured. Throws WebhookDecodeError on any malformed input.
 */
export function decodeWebhookData(b64: string, encodingAesKey?: string): string {
  const bytes = decodeBase64Strict(b64);
  if (!encodingAesKey) return toText(bytes, 'decoded data');
  const { key, iv } = webhookAesKey(encodingAesKey);
  if (bytes.length === 0 || bytes.length % 16 !== 0) {
    throw new WebhookDecodeError('data is not AES ciphertext (length is not a multiple of 16 bytes)');
  }
  const decipher = createDecipheriv('aes-256-cbc', key, iv);
  // Unpadded by hand: DOC-54658 says PKCS#7 without a block size, and the official Go sample strips
  // padding of any length, so a sender padding to 32 bytes (as WeCom does) must decode too, which
  // Node's own unpadding (16-byte blocks only) refuses (open point #7).
  decipher.setAutoPadding(false);
  const plain = stripPkcs7(Buffer.concat([decipher.update(bytes), decipher.final()]));
  // The rare wrong-key result with valid-looking padding is caught here or by the JSON parse.
  return toText(plain, 'decrypted data');
}

/** The longest PKCS#7 padding accepted: a 32-byte block (WeCom's); Tencent's own is 16. */
const MAX_PKCS7_PADDING = 32;

function stripPkcs7(plain: Buffer): Buffer {
  const padding = plain.at(-1) ?? 0;
  const valid = padding >= 1 && padding <= MAX_PKCS7_PADDING && padding <= plain.length && plain.subarray(plain.length - padding).every((b) => b === padding);
  // Bad PKCS#7 padding is what a wrong key almost always produces.
  if (!valid) throw new WebhookDecodeError('data cannot be decrypted: wrong EncodingAESKey or corrupted ciphertext');
  return plain.subarray(0, plain.length - padding);
}

/** The exact inverse of decodeWebhookData (padded base64), for the simulator and tests. */
export function encodeWebhookData(plaintext: string, encodingAesKey?: string): string {
  const bytes = Buffer.from(plaintext, 'utf8');
  if (!encodingAesKey) return bytes.toString('base64');
  const { key, iv } = webhookAesKey(encodingAesKey);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([cipher.update(bytes), cipher.final()]).toString('base64');
}
