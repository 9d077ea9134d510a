// A CDN may gzip text artifacts when the client offers it; the archive must store the bytes as
// Tencent stores them. The source here compresses whenever the request allows it, as such a CDN
// would, and ignores Range (the copy engine's front-to-back path).
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const transcript = Buffer.from('会议纪要 minutes\n'.repeat(5000));
let server: Server;
let url: string;
const offered: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const accept = String(req.headers['accept-encoding'] ?? '');
    offered.push(accept);
    const body = /gzip/.test(accept) ? gzipSync(transcript) : transcript;
    const encoding = /gzip/.test(accept) ? { 'content-encoding': 'gzip' } : {};
    res.writeHead(200, { 'content-length': body.length, ...encoding });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/transcript.txt`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

it('reads a text artifact byte for byte from a source that would compress it (plain Node fetch)', async () => {
  const child = join(__dirname, 'fixtures', 'read-source.ts');
  const { stdout } = await promisify(execFile)(process.execPath, [child, url], { env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  expect(JSON.parse(stdout)).toEqual({
    totalBytes: transcript.length,
    rangeSupported: false,
    bytes: transcript.length,
    sha256: createHash('sha256').update(transcript).digest('hex'),
  });
  expect(offered.length).toBeGreaterThan(0);
  expect(offered.some((value) => /gzip|br|deflate/.test(value))).toBe(false);
});
