// Tencent ids are 19–20 digit integers and at least one documented response prints one as a bare
// JSON number (seed 000: "record_file_id":1318080818611111111), which JSON.parse silently rounds.
// Node's own JSON.parse hands a reviver each number's source text (JSON.parse source text access,
// V8 11.4+, every Node 22): numbers that would lose digits are kept as that exact text, everything
// else stays a number. lossless-json decides which numbers are safe; its parser is not needed,
// which keeps ~5 KiB of JavaScript parser out of every bundle and parses at native speed.
import { isSafeNumber } from 'lossless-json';

type SourceTextReviver = (key: string, value: unknown, context: { readonly source?: string }) => unknown;

const keepUnsafeNumbersExact: SourceTextReviver = (_key, value, context) =>
  typeof value === 'number' && !isSafeNumber(context.source!) ? context.source! : value;

// Without source text access (Node < 22) the reviver would see rounded ids: refuse to run rather
// than archive under a wrong id.
let sourceTextChecked = false;
function requireSourceTextAccess(): void {
  if (sourceTextChecked) return;
  const probe = JSON.parse('[1]', ((_key: string, value: unknown, context?: { source?: string }) =>
    Array.isArray(value) ? value : context?.source) as (key: string, value: unknown) => unknown) as unknown[];
  if (probe[0] !== '1') throw new Error('parsing Tencent ids exactly needs JSON.parse source text access (Node.js 22 or later)');
  sourceTextChecked = true;
}

/** JSON.parse, except integers beyond 2^53 (and over-precise decimals) come back as exact strings. */
export function parseJsonLossless(text: string): unknown {
  if (text === '') return undefined;
  requireSourceTextAccess();
  return JSON.parse(text, keepUnsafeNumbersExact as (key: string, value: unknown) => unknown);
}
