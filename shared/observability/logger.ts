// Structured JSON logs through Powertools. Secrets never reach a log line: the keys below are
// redacted wherever they appear, at any depth, before Powertools serialises the entry.
import { Logger } from '@aws-lambda-powertools/logger';

const SECRET_KEYS = /^(password|secret|secret_?key|token|sts_?token|access_?token|authorization|encoding_?aes_?key|download_address|audio_address|view_address|sharing_url|check_str|data)$/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEYS.test(key) ? '[redacted]' : redact(inner, depth + 1);
  }
  return out;
}

export function createLogger(serviceName: string): Logger {
  return new Logger({
    serviceName,
    logLevel: (process.env.LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined) ?? 'INFO',
    jsonReplacerFn: (key, value) => (key && SECRET_KEYS.test(key) ? '[redacted]' : value),
  });
}
