// The head of an answer link-get.ts read (RFC 9112): its status, fields, and how its body is
// framed. Where the framing is ambiguous, or a coding this reader does not decode, the answer is
// refused (an Error thrown): a guess here would archive other bytes than the file's, with a CRC32
// computed from those same bytes.

export type Framing = { kind: 'length'; remaining: number; declared: number } | { kind: 'chunked' } | { kind: 'close' } | { kind: 'none' };

export interface Head {
  readonly code: number;
  readonly reason: string;
  readonly headers: Headers;
  readonly framing: Framing;
  /** The connection may carry the next GET once this body ended exactly. */
  readonly keepAlive: boolean;
}

const NULL_BODY = new Set([204, 205, 304]);
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;
/** HTTP's whitespace (SP, HTAB): trim() would also take a Latin-1 non-breaking space. */
const OWS_EDGES = /^[ \t]+|[ \t]+$/g;

/** One head, the Latin-1 text before its blank line: a final answer, or an informational one to skip. */
export function parseHeadText(text: string): Head | 'informational' {
  const lines = text.split('\r\n');
  const status = STATUS_LINE.exec(lines[0] ?? '');
  if (!status) throw new Error('not an HTTP/1.1 response');
  const code = Number(status[2]);
  // A GET asking for no upgrade: what follows a 101 is not HTTP.
  if (code === 101) throw new Error('101 Switching Protocols to a GET that asked for no upgrade');
  if (code >= 100 && code < 200) return 'informational';
  const http11 = status[1] === '1';
  const headers = new Headers();
  try {
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      // Leading whitespace is obs-fold: refused, as is anything Headers refuses (a space before the colon).
      if (colon <= 0 || /^[ \t]/.test(line)) throw new Error(`malformed header line`);
      headers.append(line.slice(0, colon), line.slice(colon + 1).replace(OWS_EDGES, ''));
    }
  } catch (error) {
    throw new Error('malformed response headers', { cause: error });
  }
  const framing = framingOf(code, http11, headers);
  // HTTP/1.1 keeps the connection unless either side says close; HTTP/1.0 closes it.
  const keepAlive = http11 && !/(?:^|,)\s*close\s*(?:,|$)/i.test(headers.get('connection') ?? '') && framing.kind !== 'close';
  return { code, reason: status[3] ?? '', headers, framing, keepAlive };
}

function framingOf(code: number, http11: boolean, headers: Headers): Framing {
  if (NULL_BODY.has(code)) return { kind: 'none' };
  const lengthField = headers.get('content-length');
  const coding = headers.get('transfer-encoding');
  if (coding !== null) {
    // Only chunked is decoded here: another coding (gzip, say) would pass its encoded bytes off as
    // the file, and Content-Length beside it, or on an HTTP/1.0 answer, is ambiguous (RFC 9112 §6.1, §6.3).
    if (!/^[ \t]*chunked[ \t]*$/i.test(coding) || lengthField !== null || !http11) throw new Error(`unsupported Transfer-Encoding framing: ${coding}`);
    return { kind: 'chunked' };
  }
  if (lengthField === null) return { kind: 'close' };
  // Repeats of one value are one value (RFC 9110 §8.6); anything else is invalid framing. At most
  // 15 digits: an exact integer.
  const lengths = [...new Set(lengthField.split(',').map((value) => value.replace(OWS_EDGES, '')))];
  if (lengths.length !== 1 || !/^\d{1,15}$/.test(lengths[0]!)) throw new Error('invalid Content-Length');
  const declared = Number(lengths[0]);
  return declared === 0 ? { kind: 'none' } : { kind: 'length', remaining: declared, declared };
}
