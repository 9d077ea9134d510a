// The functions' Powertools loggers on the `npm start` console: the same entries, levels and
// redaction as in AWS, printed as the console's own lines (`10:12:38 WARN [webhook] webhook request
// rejected  status=405 …`) instead of JSON blobs between them. The Lambda context fields that every
// entry repeats (function name, ARN, memory, request id, cold start) are left out.
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { loggerOptions } from '../../shared/observability/logger.ts';
import type { LocalLog } from './lambda-context.ts';

const REPEATED_KEYS = new Set([
  'level', 'message', 'timestamp', 'service', 'cold_start', 'function_arn', 'function_memory_size', 'function_name', 'function_request_id', 'sampling_rate', 'xray_trace_id',
]);
// Powertools' numeric thresholds (WARN 16, ERROR 20, CRITICAL 24).
const WARN = 16;
const ERROR = 20;

export class ConsoleFunctionLogger extends Logger {
  readonly #out: LocalLog;

  constructor(options: ConstructorOptions, out: LocalLog) {
    super(options);
    this.#out = out;
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    // Through Powertools' own replacer, so every redaction of the JSON logs applies here too.
    const entry = JSON.parse(JSON.stringify(log.getAttributes(), this.getJsonReplacer())) as Record<string, unknown>;
    const fields = Object.fromEntries(Object.entries(entry).filter(([key]) => !REPEATED_KEYS.has(key)));
    const message = String(entry.message ?? '');
    if (logLevel >= ERROR) this.#out.error(message, fields);
    else if (logLevel >= WARN) this.#out.warn(message, fields);
    else this.#out.info(message, fields);
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new ConsoleFunctionLogger(options ?? {}, this.#out);
  }
}

export function createConsoleFunctionLogger(serviceName: string, out: LocalLog): Logger {
  return new ConsoleFunctionLogger(loggerOptions(serviceName), out);
}
