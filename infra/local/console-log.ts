// Human-readable log lines for `npm start` (the functions keep their own JSON logs): one line per
// request, batch and copy progress update, with the fields that matter as key=value.
import type { LocalLog } from './lambda-context.ts';

export interface ConsoleLogOptions {
  readonly out?: NodeJS.WritableStream;
  readonly component?: string;
  readonly now?: () => Date;
}

export function createConsoleLog(options: ConsoleLogOptions = {}): LocalLog & { child(component: string): LocalLog } {
  const out = options.out ?? process.stdout;
  const now = options.now ?? (() => new Date());
  const write = (level: string, message: string, extra: Record<string, unknown>[]) => {
    const time = now().toISOString().slice(11, 19);
    const fields = extra
      .flatMap((bag) => Object.entries(bag))
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    const tag = options.component ? `[${options.component}] ` : '';
    out.write(`${time} ${level}${tag}${message}${fields ? `  ${fields}` : ''}\n`);
  };
  return {
    info: (message, ...extra) => write('', message, extra),
    warn: (message, ...extra) => write('WARN ', message, extra),
    error: (message, ...extra) => write('ERROR ', message, extra),
    child: (component) => createConsoleLog({ ...options, component }),
  };
}

/** "512 B", "12.3 MiB": for the console's copy progress and the backfill's totals alike. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
