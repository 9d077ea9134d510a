// Structured JSON logs through Powertools. Secrets never reach a log line: any key that names a
// secret or a source link (password, token, secret, AES key, signature, download/view address,
// sharing URL, check_str, the webhook's `data`, a URL) is redacted at any depth while Powertools
// serialises the entry, whatever the caller logged. Names are matched as parts of camelCase,
// snake_case and SCREAMING_CASE keys (`stsToken`, `sts_token`, `TENCENT_MEETING_SECRET_KEY`).
import { Logger } from '@aws-lambda-powertools/logger';

const SECRET_KEY_PARTS = /password|secret|token|aes_?key|signature|authorization|address|sharing_?url|check_?str|(^|_)url$/i;
/** `sourceUrl`, `resolvedUrl`: case-sensitive, so `curl` stays readable. */
const CAMEL_CASE_URL = /[a-z]Url$/;
const EXACT_SECRET_KEYS = new Set(['data']);

export function isSecretKey(key: string): boolean {
  return EXACT_SECRET_KEYS.has(key.toLowerCase()) || SECRET_KEY_PARTS.test(key) || CAMEL_CASE_URL.test(key);
}

/** Every function's logger options: the level from LOG_LEVEL and the secret redaction. */
export function loggerOptions(serviceName: string) {
  return {
    serviceName,
    logLevel: (process.env.LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined) ?? 'INFO',
    jsonReplacerFn: (key: string, value: unknown) => (key && isSecretKey(key) ? '[redacted]' : value),
  };
}

export function createLogger(serviceName: string): Logger {
  return new Logger(loggerOptions(serviceName));
}
