import { createCipheriv, createHash } from 'node:crypto';
import {
  decodeWebhookData,
  encodeWebhookData,
  verifyWebhookSignature,
  webhookAesKey,
  webhookSignature,
  WebhookDecodeError,
  WebhookKeyError,
} from '../../../shared/webhook/codec.ts';
import { ValidationError } from '../../../shared/errors.ts';

// Reference §2.2 (DOC-51612, official) and §2.5 (AES / plain vectors).
const TOKEN = 'bVPU6F8Htxl5XkAbp3jGV2xWp';
const OFFICIAL_DATA =
  'eyJldmVudCI6Im1lZXRpbmcuY3JlYXRlZCIsInVuaXF1ZV9zZXF1ZW5jZSI6ImYyMDA5NmVlLThhYzgtNGRmMi1hN2RlLTA1NzQ2NDlmMjExYiIsInBheWxvYWQiOlt7Im9wZXJhdGVfdGltZSI6IjIwMjAtMTItMjkgMTc6NDE6MDYiLCJvcGVyYXRvciI6eyJ1c2VyaWQiOiJ0ZXN0ZXIwMDAwNmJhNWJhYjMzOTg1OGMxM2M5MzBjY2E5NTY4NCJ9LCJtZWV0aW5nX2luZm8iOnsibWVldGluZ19pZCI6IjYwNTg4OTAzODU0ODA5MjEwNTIiLCJtZWV0aW5nX2NvZGUiOiI1MzA4MTI0NTIiLCJzdWJqZWN0IjoibWVkaWEgdGVzdGVyIG1lZXRpbmciLCJjcmVhdG9yX2lkIjoidGVzdGVyMDAwMDZiYTViYWIzMzk4NThjMTNjOTMwY2NhOTU2ODQiLCJob3N0cyI6WyJ0ZXN0ZXIwMDAwNmJhNWJhYjMzOTg1OGMxM2M5MzBjY2E5NTY4NCJdLCJtZWV0aW5nX3R5cGUiOjAsInN0YXJ0X3RpbWUiOiIyMDIwLTEyLTI5IDE3OjQxOjA0IiwiZW5kX3RpbWUiOiIyMDIwLTEyLTI5IDE4OjAxOjA0In19XX0';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const CHECK_STR = 'v5WHRikwMCb9eKazGpVeHR9E8LH3Fs/jBSsVAWE5zTg=';
const POST_PLAINTEXT =
  '{"event":"recording.completed","trace_id":"7c1b0f5e-2a9d-4a63-9a4e-2f1c9c3d0a11","payload":[{"operate_time":1700000000123,"operator":{"instance_id":"2"},"meeting_info":{"meeting_id":"13339451618278424869","meeting_code":"445999969","subject":"tester的快速会议","creator":{"userid":"tester-2","uuid":"WMfgHRYj6m36mcDGtK","user_name":"tester-2_name"},"meeting_type":0,"start_time":1699996400,"end_time":1699999800,"media_set_type":2},"recording_files":[{"record_file_id":"1964787070499246081"}]}]}';
const POST_AES_DATA =
  'GrTTf3F7pcUwilO/MnQ3W57NDbf3YhQDII+efhT8dhJaSM8/NKNlcu20YCs8CkV0trzkVF/sCtavCZ9Wa8Y+rN7lzW1lNsHTlF7Gix7UOD6SmgA+VxH///fWEs2EGXkgl+nIV2UsaU5/AWUQoeP8gZTUw2heynqQwAkAu1zlB52px+X48Q3OXmKA5MfVHQmoeLftiuYtMgtLCjkR7FYkF5DSCeGNOAuKEv1nI1XRIiaKhtqyNuipObnIvj70xrsRJzXDVStglfeurJTbZEqsJu7dPmR6lJkNO60eKUrRljbuq1w6ri/HwoFvQGcJyHW6wC8ZSJ77eEN43JAtUO2Cp6LJh9gfX6XorYEZ0hAaJafmCDnM3xzY7Pawkp/A5e/Y1xd3dNT5hAsqLdtSScx88genrKxynNYIj1YPkBEoelAupwdDk+88Iqhb/eTRmyOiQrpbUn4xTDvqaIiJhzIf6dAQ5CtnmVt7zp34/pU5MGEGJwELxjzXvGIxh7OjSoMjfs4U7hitATOuUrtST4/Me0L5vH2Ygu4d64SiwaTzuj/03U2hUZ0DIYuE0SOuonz97raWq7O7S5Lm8eYCciErzcKK9Yv8NOr77OjBhHG1vEVHxxSjqSKLsGYZ+DqLO1gLalZWWodfvLYHmnUN00eYjSo3300tt3TCY+HhUuRzRoY=';
const POST_PLAIN_DATA =
  'eyJldmVudCI6InJlY29yZGluZy5jb21wbGV0ZWQiLCJ0cmFjZV9pZCI6IjdjMWIwZjVlLTJhOWQtNGE2My05YTRlLTJmMWM5YzNkMGExMSIsInBheWxvYWQiOlt7Im9wZXJhdGVfdGltZSI6MTcwMDAwMDAwMDEyMywib3BlcmF0b3IiOnsiaW5zdGFuY2VfaWQiOiIyIn0sIm1lZXRpbmdfaW5mbyI6eyJtZWV0aW5nX2lkIjoiMTMzMzk0NTE2MTgyNzg0MjQ4NjkiLCJtZWV0aW5nX2NvZGUiOiI0NDU5OTk5NjkiLCJzdWJqZWN0IjoidGVzdGVy55qE5b+r6YCf5Lya6K6uIiwiY3JlYXRvciI6eyJ1c2VyaWQiOiJ0ZXN0ZXItMiIsInV1aWQiOiJXTWZnSFJZajZtMzZtY0RHdEsiLCJ1c2VyX25hbWUiOiJ0ZXN0ZXItMl9uYW1lIn0sIm1lZXRpbmdfdHlwZSI6MCwic3RhcnRfdGltZSI6MTY5OTk5NjQwMCwiZW5kX3RpbWUiOjE2OTk5OTk4MDAsIm1lZGlhX3NldF90eXBlIjoyfSwicmVjb3JkaW5nX2ZpbGVzIjpbeyJyZWNvcmRfZmlsZV9pZCI6IjE5NjQ3ODcwNzA0OTkyNDYwODEifV19XX0=';

describe('webhook signature', () => {
  it('reproduces the official DOC-51612 vector (ms timestamp, unpadded data)', () => {
    expect(webhookSignature(TOKEN, '1609239040864', '14964161', OFFICIAL_DATA)).toBe('b11e507817336a91d7df0c8536ee2aca18bbbae8');
    expect(verifyWebhookSignature(TOKEN, '1609239040864', '14964161', OFFICIAL_DATA, 'b11e507817336a91d7df0c8536ee2aca18bbbae8')).toBe(true);
  });

  it('reproduces the §2.5 GET, AES POST and plain POST vectors', () => {
    expect(webhookSignature(TOKEN, '1700000000000', '12345678', CHECK_STR)).toBe('9eaf8e804b651f896a25c4461440e41eddec837d');
    expect(webhookSignature(TOKEN, '1700000001000', '87654321', POST_AES_DATA)).toBe('e81f5f10b56debb08be336a03202fc8fe2ad4beb');
    expect(webhookSignature(TOKEN, '1700000001000', '87654321', POST_PLAIN_DATA)).toBe('9ae18b1f8b68da1b6240b0351ade1e8e0c7aea65');
  });

  it('accepts upper-case hex and rejects a wrong, truncated, missing or foreign-token signature', () => {
    const good = '9eaf8e804b651f896a25c4461440e41eddec837d';
    expect(verifyWebhookSignature(TOKEN, '1700000000000', '12345678', CHECK_STR, good.toUpperCase())).toBe(true);
    expect(verifyWebhookSignature(TOKEN, '1700000000000', '12345678', CHECK_STR, `${good.slice(0, 39)}e`)).toBe(false);
    expect(verifyWebhookSignature(TOKEN, '1700000000000', '12345678', CHECK_STR, good.slice(0, 20))).toBe(false);
    expect(verifyWebhookSignature(TOKEN, '1700000000000', '12345678', CHECK_STR, undefined)).toBe(false);
    expect(verifyWebhookSignature('OtherToken0123456789abcde', '1700000000000', '12345678', CHECK_STR, good)).toBe(false);
    expect(verifyWebhookSignature(TOKEN, '1700000000001', '12345678', CHECK_STR, good)).toBe(false);
  });

  it('sorts by code unit, not by locale (upper case before lower case)', () => {
    // Locale-aware sorting would put "a" before "B"; ordinal puts "B" (0x42) first.
    const expected = createHash('sha1').update('12Ba').digest('hex');
    expect(webhookSignature('a', '1', '2', 'B')).toBe(expected);
  });
});

describe('webhook data decoding', () => {
  it('derives the documented AES key and IV', () => {
    const { key, iv } = webhookAesKey(AES_KEY);
    expect(key.toString('hex')).toBe('69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051');
    expect(iv.toString('hex')).toBe('69b71d79f8218a39259a7a29aabb2dba');
  });

  it('decrypts the AES check_str and POST vectors', () => {
    expect(decodeWebhookData(CHECK_STR, AES_KEY)).toBe('w1sNv0sY5Vd8QmZc');
    expect(decodeWebhookData(POST_AES_DATA, AES_KEY)).toBe(POST_PLAINTEXT);
  });

  it('decodes the plain-mode vector and the unpadded official vector', () => {
    expect(decodeWebhookData(POST_PLAIN_DATA)).toBe(POST_PLAINTEXT);
    const official = decodeWebhookData(OFFICIAL_DATA);
    expect(JSON.parse(official)).toMatchObject({ event: 'meeting.created', unique_sequence: 'f20096ee-8ac8-4df2-a7de-0574649f211b' });
  });

  it('encodes to exactly the documented ciphertext and plain base64', () => {
    expect(encodeWebhookData('w1sNv0sY5Vd8QmZc', AES_KEY)).toBe(CHECK_STR);
    expect(encodeWebhookData(POST_PLAINTEXT, AES_KEY)).toBe(POST_AES_DATA);
    expect(encodeWebhookData(POST_PLAINTEXT)).toBe(POST_PLAIN_DATA);
  });

  it('round-trips any text in both modes, padded or not', () => {
    for (const text of ['', 'a', 'ab', 'abc', '{"x":"会议 ✓"}', 'x'.repeat(1000)]) {
      const aes = encodeWebhookData(text, AES_KEY);
      expect(decodeWebhookData(aes, AES_KEY)).toBe(text);
      expect(decodeWebhookData(aes.replace(/=+$/, ''), AES_KEY)).toBe(text);
      if (text !== '') {
        const plain = encodeWebhookData(text);
        expect(decodeWebhookData(plain.replace(/=+$/, ''))).toBe(text);
      }
    }
  });

  it('rejects malformed base64 with a typed validation error', () => {
    for (const bad of ['not base64!', 'abc$', 'a', 'ab=c', 'abc===', '']) {
      expect(() => decodeWebhookData(bad)).toThrow(WebhookDecodeError);
    }
    expect(() => decodeWebhookData('abc$')).toThrow(ValidationError);
  });

  it('rejects AES data decrypted with the wrong key, and non-ciphertext lengths', () => {
    const otherKey = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg';
    expect(() => decodeWebhookData(POST_AES_DATA, otherKey)).toThrow(WebhookDecodeError);
    expect(() => decodeWebhookData(CHECK_STR, otherKey)).toThrow(/wrong EncodingAESKey|not UTF-8/);
    expect(() => decodeWebhookData(POST_PLAIN_DATA, AES_KEY)).toThrow(WebhookDecodeError);
  });

  it('decodes PKCS#7 padding of 1 to 32 bytes (WeCom-style 32-byte blocks), as the official Go sample does (open point #7)', () => {
    const { key, iv } = webhookAesKey(AES_KEY);
    const encryptPaddedTo = (plaintext: string, block: number): string => {
      const bytes = Buffer.from(plaintext, 'utf8');
      const pad = block - (bytes.length % block);
      const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
      return Buffer.concat([cipher.update(Buffer.concat([bytes, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
    };
    // Every padding length 1..32 occurs once as the text grows by one byte at a time.
    const seen = new Set<number>();
    for (let length = 0; length < 32; length += 1) {
      const text = `{"e":"${'x'.repeat(length)}"}`;
      seen.add(32 - (Buffer.byteLength(text) % 32));
      expect(decodeWebhookData(encryptPaddedTo(text, 32), AES_KEY)).toBe(text);
      expect(decodeWebhookData(encryptPaddedTo(text, 16), AES_KEY)).toBe(text);
    }
    expect(seen.size).toBe(32);
  });

  it('refuses padding longer than 32 bytes or with inconsistent bytes', () => {
    const { key, iv } = webhookAesKey(AES_KEY);
    const encryptRaw = (bytes: Buffer): string => {
      const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
      return Buffer.concat([cipher.update(bytes), cipher.final()]).toString('base64');
    };
    expect(() => decodeWebhookData(encryptRaw(Buffer.concat([Buffer.from('{}'), Buffer.alloc(46, 48)])), AES_KEY)).toThrow(WebhookDecodeError);
    expect(() => decodeWebhookData(encryptRaw(Buffer.concat([Buffer.from('{}'), Buffer.alloc(11, 3), Buffer.from([2, 3, 3])])), AES_KEY)).toThrow(WebhookDecodeError);
    expect(() => decodeWebhookData(encryptRaw(Buffer.concat([Buffer.from('{}'), Buffer.alloc(14, 0)])), AES_KEY)).toThrow(WebhookDecodeError);
  });

  it('rejects a malformed EncodingAESKey as a configuration error', () => {
    expect(() => decodeWebhookData(CHECK_STR, 'short')).toThrow(WebhookKeyError);
  });
});
