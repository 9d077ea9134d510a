// Runs one S3 sink in its own process for the bench (so its CPU is not shared with the source
// server's event loop): `node bench/support/sink-server.ts discard|fauxqs`. Prints
// {"endpoint": "..."} once ready and runs until killed.
import { startFauxqs } from 'fauxqs';
import { startDiscardS3 } from './discard-s3.ts';

const kind = process.argv[2];
if (kind === 'fauxqs') {
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${server.port}` })}\n`);
} else {
  const sink = await startDiscardS3();
  process.stdout.write(`${JSON.stringify({ endpoint: sink.endpoint })}\n`);
}
