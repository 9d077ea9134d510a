import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { compositeCrc32, crc32Combine, crc32ToBase64, fullObjectCrc32 } from '../../../shared/copy/crc32.ts';
import { LOCAL_MAX_PART_BYTES } from '../../../infra/local/local-limits.ts';
import { MIB, planParts, partRange, S3_MAX_PARTS } from '../../../shared/copy/part-plan.ts';
import { artifactObjectKey, contentDisposition, contentTypeFor, downloadFileName } from '../../../shared/copy/s3-keys.ts';
import { decodeParts, encodeParts } from '../../../shared/copy/checkpoint-store.ts';
import { ValidationError } from '../../../shared/errors.ts';

describe('part plan', () => {
  test('8 MiB parts for ordinary recordings, growing so multi-GB files stay under the part limit', () => {
    expect(planParts(50 * MIB)).toMatchObject({ partSize: 8 * MIB, partCount: 7 });
    const big = planParts(200 * 1024 * MIB);
    expect(big.partCount).toBeLessThanOrEqual(5_000);
    expect(big.partSize % MIB).toBe(0);
    expect(planParts(5 * 1024 * 1024 * MIB).partCount).toBeLessThanOrEqual(S3_MAX_PARTS);
  });

  test('the local cap keeps parts within fauxqs limits and still respects 10,000 parts', () => {
    expect(planParts(1024 * MIB, { maxPartSizeBytes: LOCAL_MAX_PART_BYTES }).partSize).toBeLessThanOrEqual(LOCAL_MAX_PART_BYTES);
    expect(planParts(60 * 1024 * MIB, { maxPartSizeBytes: LOCAL_MAX_PART_BYTES }).partCount).toBeLessThanOrEqual(S3_MAX_PARTS);
    expect(() => planParts(200 * 1024 * MIB, { maxPartSizeBytes: LOCAL_MAX_PART_BYTES })).toThrow(ValidationError);
    expect(() => planParts(10 * MIB, { partSizeBytes: MIB })).toThrow(ValidationError);
  });

  test('spread over 8 connections, large parts shrink so a typical recording keeps every connection busy', () => {
    const spread = { partSizeBytes: 64 * MIB, spreadOverConnections: 8 };
    // 300 MB in 64 MiB parts would be 5 parts for 8 connections; spread: 16 parts of 18 MiB.
    expect(planParts(300e6, { partSizeBytes: 64 * MIB })).toMatchObject({ partCount: 5 });
    expect(planParts(300e6, spread)).toMatchObject({ partSize: 18 * MIB, partCount: 16 });
    // A large file keeps the preferred size; a small one never goes below S3's 5 MiB floor.
    expect(planParts(4e9, spread)).toMatchObject({ partSize: 64 * MIB });
    expect(planParts(20 * MIB, spread)).toMatchObject({ partSize: 5 * MIB, partCount: 4 });
    // The local cap still wins.
    expect(planParts(1e9, { ...spread, maxPartSizeBytes: LOCAL_MAX_PART_BYTES }).partSize).toBe(LOCAL_MAX_PART_BYTES);
  });

  test('parts cover the file exactly, in order, without gaps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (size) => {
        const plan = planParts(size);
        expect(plan.partCount).toBeLessThanOrEqual(S3_MAX_PARTS);
        let next = 0;
        for (const n of [1, 2, plan.partCount - 1, plan.partCount].filter((x) => x >= 1 && x <= plan.partCount)) {
          const { start, end } = partRange(plan, n);
          expect(start).toBe((n - 1) * plan.partSize);
          expect(end).toBeGreaterThan(start);
          if (n === plan.partCount) expect(end).toBe(size);
          next = end;
        }
        expect(next).toBe(size);
      }),
    );
  });
});

describe('crc32', () => {
  test('combining part CRCs gives the CRC of the concatenation', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 6 }), (chunks) => {
        const whole = Buffer.concat(chunks.map((c) => Buffer.from(c)));
        const parts = chunks.map((c) => ({ crc32: crc32ToBase64(crc32(Buffer.from(c))), size: c.length }));
        expect(fullObjectCrc32(parts)).toBe(crc32ToBase64(crc32(whole)));
      }),
    );
  });

  test('lengths beyond 2^31 combine like zlib (checked against the zero-extension identity)', () => {
    // crc(A‖B) for B of 3 GiB zeros equals combine(crc(A), crc(zeros), len): check associativity instead.
    const a = crc32(Buffer.from('hello'));
    const b = crc32(Buffer.from('world'));
    const c = crc32(Buffer.from('!!'));
    const left = crc32Combine(crc32Combine(a, b, 5), c, 2);
    const right = crc32Combine(a, crc32Combine(b, c, 2), 7);
    expect(left).toBe(right);
    expect(crc32Combine(a, 0, 3 * 2 ** 30)).toBeGreaterThanOrEqual(0);
  });

  test('composite form is CRC32 of the raw part CRCs with the part count', () => {
    const parts = [{ crc32: crc32ToBase64(1) }, { crc32: crc32ToBase64(2) }];
    const raw = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from([0, 0, 0, 2])]);
    expect(compositeCrc32(parts)).toBe(`${crc32ToBase64(crc32(raw))}-2`);
  });
});

describe('s3 keys and headers', () => {
  const base = { recordStartTimeMs: Date.UTC(2026, 10, 22, 23, 30), meetingId: '1234567890123456789', meetingRecordId: 'mr-1', recordFileId: 'rf/1' };

  test('keys are dated in UTC and readable; unsafe characters in ids are neutralised', () => {
    expect(artifactObjectKey({ ...base, artifact: 'video', fileType: 'mp4' })).toBe(
      'recordings/2026/11/22/1234567890123456789/mr-1/rf_1/video.mp4',
    );
    expect(artifactObjectKey({ ...base, artifact: 'transcript-0-txt', fileType: 'txt' })).toMatch(/\/transcript-0\.txt$/);
    const segments = artifactObjectKey({ ...base, meetingId: '../..', artifact: 'audio', fileType: 'm4a' }).split('/');
    expect(segments).toHaveLength(8);
    expect(segments.every((s) => s.length > 0 && !s.startsWith('.'))).toBe(true);
  });

  test('content types by file type', () => {
    expect(contentTypeFor('mp4')).toBe('video/mp4');
    expect(contentTypeFor('m4a')).toBe('audio/mp4');
    expect(contentTypeFor('TXT')).toBe('text/plain; charset=utf-8');
    expect(contentTypeFor('docx')).toMatch(/wordprocessingml/);
    expect(contentTypeFor('weird')).toBe('application/octet-stream');
  });

  test('Content-Disposition carries the UTF-8 subject (RFC 5987) and an ASCII fallback', () => {
    const name = downloadFileName("周会/复盘 (it's \"final\")", 'audio', 'm4a');
    expect(name).toBe("周会 复盘 (it's \"final\") (audio).m4a");
    const header = contentDisposition(name);
    expect(header).toMatch(/^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''[A-Za-z0-9%!#$&+.^_`|~-]+$/);
    const encoded = /filename\*=UTF-8''(.+)$/.exec(header)![1]!;
    expect(decodeURIComponent(encoded)).toBe(name);
    expect(/filename="([^"]*)"/.exec(header)![1]).not.toContain('"');
    expect(contentDisposition('会议.mp4')).toContain('filename="recording.mp4"');
    expect(Array.from(downloadFileName('😀'.repeat(300), 'video', 'mp4')).length).toBe(124);
  });
});

test('checkpoint part encoding round-trips and stays compact', () => {
  const partSize = 8 * MIB;
  const total = 3 * partSize + 5;
  const parts = [1, 2, 4].map((n) => ({ partNumber: n, etag: 'a'.repeat(32), crc32: 'AAAAAA==', size: Math.min(partSize, total - (n - 1) * partSize) }));
  const encoded = encodeParts(parts, partSize, total);
  expect(decodeParts(encoded, partSize, total)).toEqual(parts);
  expect(encoded.length / parts.length).toBeLessThan(50);
});
