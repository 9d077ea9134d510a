// Tencent ids are 19–20 digit integers and at least one documented response prints one as a bare
// JSON number (seed 000: "record_file_id":1318080818611111111), which JSON.parse silently rounds.
// lossless-json keeps the digits: unsafe integers become decimal strings, everything else a number.
import { isSafeNumber, parse } from 'lossless-json';

function parseNumber(value: string): number | string {
  return isSafeNumber(value) ? Number(value) : value;
}

/** JSON.parse, except integers beyond 2^53 (and over-precise decimals) come back as exact strings. */
export function parseJsonLossless(text: string): unknown {
  if (text === '') return undefined;
  return parse(text, null, parseNumber);
}
