// The bench's download source in its own process, so its CPU is neither shared with the bench's
// event loop nor hidden in it (bench/copy.ts reads each process's CPU time per measurement):
//   node bench/support/source-server.ts '<json SourceServerConfig>'
// Starts two simulator download services on 127.0.0.1 — `fast` (unthrottled) and `slow`
// (throttled per connection, with first-byte latency) — registers the same files on both, prints
// one JSON line {fast: {key: url}, slow: {key: url}} once ready, and runs until killed.
import { DownloadService, startDownloadServer } from '../../infra/local/simulator/downloads.ts';

export interface SourceServerConfig {
  /** key → size in bytes; the seed is `bench-<key>`. */
  readonly files: Record<string, number>;
  readonly throttleBytesPerSecond: number;
  readonly throttleLatencyMs: number;
}

export interface SourceServerUrls {
  readonly fast: Record<string, string>;
  readonly slow: Record<string, string>;
}

const config = JSON.parse(process.argv[2] ?? '{}') as SourceServerConfig;
// Signed links outlive the whole bench (several rounds of every measurement).
const services = { fast: new DownloadService({ linkTtlMs: 12 * 3600_000 }), slow: new DownloadService({ linkTtlMs: 12 * 3600_000 }) };
services.slow.faults.throttle({ bytesPerSecond: config.throttleBytesPerSecond, firstByteLatencyMs: config.throttleLatencyMs });
const urls: { fast: Record<string, string>; slow: Record<string, string> } = { fast: {}, slow: {} };
for (const [name, service] of Object.entries(services) as ['fast' | 'slow', DownloadService][]) {
  for (const [key, size] of Object.entries(config.files ?? {})) {
    service.register(key, { seed: `bench-${key}`, size, contentType: 'video/mp4', fileName: `${key}.mp4` });
  }
  const server = await startDownloadServer(service);
  for (const key of Object.keys(config.files ?? {})) urls[name][key] = server.url(key);
}
process.stdout.write(`${JSON.stringify(urls)}\n`);
