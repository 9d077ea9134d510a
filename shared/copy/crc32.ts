// CRC32 helpers. S3 can check a multipart object's *full-object* CRC32 (ChecksumType FULL_OBJECT),
// which is computable from the per-part CRCs without re-reading the bytes: zlib's crc32_combine,
// ported here because Node exposes crc32 but not the combine step.
import { crc32 } from 'node:zlib';

export { crc32 };

function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  let v = vec >>> 0;
  for (let i = 0; v !== 0; i += 1, v >>>= 1) if (v & 1) sum ^= mat[i]!;
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n += 1) square[n] = gf2Times(mat, mat[n]!);
}

/** CRC32 of A‖B from crc(A), crc(B) and B's length (zlib crc32_combine). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n += 1, row <<= 1) odd[n] = row;
  gf2Square(even, odd);
  gf2Square(odd, even);
  let crc = crcA >>> 0;
  // Lengths can exceed 2^31: halve with arithmetic, test the low bit with `% 2`.
  let len = lengthB;
  do {
    gf2Square(even, odd);
    if (len % 2 === 1) crc = gf2Times(even, crc);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len % 2 === 1) crc = gf2Times(odd, crc);
    len = Math.floor(len / 2);
  } while (len !== 0);
  return (crc ^ crcB) >>> 0;
}

export function crc32ToBase64(value: number): string {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value >>> 0);
  return buf.toString('base64');
}

function crc32FromBase64(value: string): number {
  const buf = Buffer.from(value, 'base64');
  if (buf.length !== 4) throw new RangeError(`not a CRC32: ${value}`);
  return buf.readUInt32BE(0);
}

/** Full-object CRC32 of consecutive parts, in part order. */
export function fullObjectCrc32(parts: ReadonlyArray<{ readonly crc32: string; readonly size: number }>): string {
  let acc = 0;
  let first = true;
  for (const part of parts) {
    const value = crc32FromBase64(part.crc32);
    acc = first ? value : crc32Combine(acc, value, part.size);
    first = false;
  }
  return crc32ToBase64(acc);
}

/** S3's COMPOSITE multipart checksum: CRC32 over the concatenated raw part CRCs, then `-<count>`. */
export function compositeCrc32(parts: ReadonlyArray<{ readonly crc32: string }>): string {
  const raw = Buffer.concat(parts.map((p) => Buffer.from(p.crc32, 'base64')));
  return `${crc32ToBase64(crc32(raw))}-${parts.length}`;
}
