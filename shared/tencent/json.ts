// Tencent ids are 19–20 digit integers and at least one documented response prints one as a bare
// JSON number (seed 000: "record_file_id":1318080818611111111), which JSON.parse silently rounds.
// Node's own JSON.parse hands a reviver each number's source text (JSON.parse source text access,
// V8 11.4+, every Node 22): numbers that would lose digits are kept as that exact text, everything
// else stays a number. lossless-json decides which numbers are safe; its parser is not needed,
// which keeps ~5 KiB of JavaScript parser out of every bundle and parses at native speed.
import { isSafeNumber } from 'lossless-json';

type SourceTextReviver = (key: string, value: unknown, context: { readonly source?: string }) => unknown;

const keepUnsafeNumbersExact: SourceTextReviver = (_key, value, context) =>
  typeof value === 'number' && context.source !== undefined && !isSafeNumber(context.source) ? context.source : value;

/** JSON.parse, except integers beyond 2^53 (and over-precise decimals) come back as exact strings. */
export function parseJsonLossless(text: string): unknown {
  if (text === '') return undefined;
  return JSON.parse(text, keepUnsafeNumbersExact as (key: string, value: unknown) => unknown);
}
