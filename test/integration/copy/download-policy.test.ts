// What a download link may point at, against real sockets: a source reading through the guarded
// fetch refuses metadata, private and loopback targets, other schemes, plain http, redirects to
// http or to blocked hosts, and hosts outside the allowlist, before any byte is asked for; and the
// local stack's loopback links keep working. Then the whole pipeline: a refused link is counted,
// logged and sent to the DLQ with its reason, never retried or skipped silently.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { meetingFromRecording, recordingCompletedEvent } from '../../../infra/local/simulator/webhook-events.ts';
import { checkDownloadTarget, DownloadRefusedError, STRICT_DOWNLOAD_POLICY, type DownloadPolicy } from '../../../shared/copy/download-policy.ts';
import { createGuardedFetch } from '../../../shared/copy/guarded-fetch.ts';
import { HttpSource } from '../../../shared/copy/http-source.ts';
import { ingestSettings } from '../../../shared/config/environment.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { INGEST_METRIC_NAMES } from '../../../shared/ingest/ingest-metrics.ts';
import { startHarness, type Harness } from '../../support/ingest-harness.ts';

const LOCAL: DownloadPolicy = { allowInsecureLoopback: true, hostAllowlist: [] };
const BODY = Buffer.from('0123456789abcdef');

let server: Server;
let base: string;
const requests: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    const url = new URL(req.url ?? '/', 'http://x');
    const to = url.searchParams.get('to');
    if (url.pathname === '/redirect' && to) {
      res.writeHead(302, { location: to }).end();
      return;
    }
    if (url.pathname === '/short') {
      // Declares the range it was asked for, sends half of it, then closes cleanly: a damaged
      // source, not a reset.
      const [, from, to] = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '') ?? [];
      const length = Number(to) - Number(from) + 1;
      res.writeHead(206, { 'content-range': `bytes ${from}-${to}/${BODY.length * 2}`, 'content-length': String(length), connection: 'close' });
      res.write(BODY.subarray(0, Math.ceil(length / 2)), () => res.socket?.end());
      return;
    }
    const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    if (range) {
      const [start, end] = [Number(range[1]), Math.min(Number(range[2]), BODY.length - 1)];
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${BODY.length}`, 'content-length': String(end - start + 1) });
      res.end(BODY.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { 'content-length': String(BODY.length) }).end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests.length = 0;
});

function sourceFor(link: string, policy: DownloadPolicy, resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>) {
  return new HttpSource({
    resolveUrl: async () => link,
    fetch: createGuardedFetch(policy, resolve ? { resolve } : {}),
    maxAttempts: 2,
    retryBaseDelayMs: 1,
    context: { recordFileId: 'f1', artifact: 'video' },
  });
}

async function refusal(link: string, policy: DownloadPolicy, resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>): Promise<DownloadRefusedError> {
  const error = await sourceFor(link, policy, resolve)
    .probe(new AbortController().signal)
    .then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(DownloadRefusedError);
  return error as DownloadRefusedError;
}

describe('the guarded fetch', () => {
  it('reads the local simulator-style http link on 127.0.0.1 when loopback is allowed (npm start)', async () => {
    const source = sourceFor(`${base}/file?token=t`, LOCAL);
    const info = await source.probe(new AbortController().signal);
    expect(info).toEqual({ totalBytes: BODY.length, rangeSupported: true });
    const into = Buffer.alloc(6);
    await source.readRange(4, 10, BODY.length, into, new AbortController().signal);
    expect(into.toString()).toBe('456789');
  });

  it('refuses the same loopback link under the AWS policy, before any request reaches it', async () => {
    const error = await refusal(`${base}/file`, STRICT_DOWNLOAD_POLICY);
    expect(error.refusal).toBe('blocked-address');
    expect(error.message).toMatch(/127\.0\.0\.1, a loopback address \(DOWNLOAD_ALLOW_INSECURE_LOOPBACK is off\)/);
    expect(error.context).toMatchObject({ recordFileId: 'f1', artifact: 'video', host: '127.0.0.1' });
    expect(requests).toHaveLength(0);
  });

  it('refuses ::1 when loopback is not allowed', async () => {
    expect((await refusal('https://[::1]/file', STRICT_DOWNLOAD_POLICY)).message).toMatch(/::1, a loopback address/);
  });

  it.each([
    ['the instance metadata service', 'https://169.254.169.254/latest/meta-data/', /link-local/],
    ['a private address', 'https://10.1.2.3/file', /a private address/],
    ['a private address in IPv4-mapped IPv6', 'https://[::ffff:10.0.0.1]/file', /a private address/],
    ['metadata in IPv4-mapped IPv6', 'https://[::ffff:a9fe:a9fe]/file', /link-local/],
    ['an IPv6 unique local address', 'https://[fd00::1]/file', /unique local/],
  ])('refuses %s, even where loopback is allowed', async (_what, link, reason) => {
    const error = await refusal(link, LOCAL);
    expect(error.refusal).toBe('blocked-address');
    expect(error.message).toMatch(reason);
  });

  it('checks what a host name resolves to, every answer, not the name', async () => {
    const metadata = await refusal('https://files.example.test/v.mp4', LOCAL, async () => [{ address: '169.254.169.254', family: 4 }]);
    expect(metadata.message).toMatch(/files\.example\.test resolves to 169\.254\.169\.254/);
    const mixed = await refusal('https://files.example.test/v.mp4', LOCAL, async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ]);
    expect(mixed.message).toMatch(/10\.0\.0\.7, a private address/);
  });

  it('connects to the address it checked: a DNS answer that changes afterwards (rebinding) is never used', async () => {
    let lookups = 0;
    // First answer: the (allowed, local) server. Any later lookup would name a private host.
    const rebinding = async () => (lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.1', family: 4 }]);
    const port = (server.address() as AddressInfo).port;
    const info = await sourceFor(`http://downloads.rebind.test:${port}/file`, LOCAL, rebinding).probe(new AbortController().signal);
    expect(info.totalBytes).toBe(BODY.length);
    expect(lookups).toBe(1);
    expect(requests[0]!.headers.host).toBe(`downloads.rebind.test:${port}`);
  });

  it.each([
    ['file:', 'file:///etc/passwd'],
    ['ftp:', 'ftp://example.com/file'],
    ['data:', 'data:text/plain,hello'],
  ])('refuses the %s scheme', async (_scheme, link) => {
    expect((await refusal(link, LOCAL)).refusal).toBe('scheme');
  });

  it('refuses plain http to a public host, even where loopback is allowed', async () => {
    const error = await refusal('http://files.example.test/v.mp4', LOCAL, async () => [{ address: '93.184.216.34', family: 4 }]);
    expect(error.refusal).toBe('scheme');
  });

  it('follows a redirect only to https, and checks the redirect target again', async () => {
    const toHttp = await refusal(`${base}/redirect?to=${encodeURIComponent(`${base}/file`)}`, LOCAL);
    expect(toHttp.refusal).toBe('redirect-not-https');
    expect(requests.map((r) => r.url)).toEqual([expect.stringMatching(/^\/redirect/)]);
    const toMetadata = await refusal(`${base}/redirect?to=${encodeURIComponent('https://169.254.169.254/latest/')}`, LOCAL);
    expect(toMetadata.refusal).toBe('blocked-address');
  });

  it('fetches only hosts in DOWNLOAD_HOST_ALLOWLIST, by suffix', async () => {
    const port = (server.address() as AddressInfo).port;
    const local = async () => [{ address: '127.0.0.1', family: 4 }];
    const outside = await refusal(`http://evil.test:${port}/file`, { ...LOCAL, hostAllowlist: ['myqcloud.com'] }, local);
    expect(outside.refusal).toBe('host-not-allowed');
    // `file.myqcloud.com` matches the suffix; `notmyqcloud.com` does not.
    await expect(sourceFor(`http://x.file.myqcloud.com:${port}/file`, { ...LOCAL, hostAllowlist: ['myqcloud.com'] }, local).probe(new AbortController().signal)).resolves.toMatchObject({ totalBytes: BODY.length });
    expect((await refusal(`http://notmyqcloud.com:${port}/file`, { ...LOCAL, hostAllowlist: ['myqcloud.com'] }, local)).refusal).toBe('host-not-allowed');
  });

  it('still tells a body cut short from a reset, as fetch did', async () => {
    const source = sourceFor(`${base}/short`, LOCAL);
    const into = Buffer.alloc(BODY.length * 2);
    await expect(source.readRange(0, BODY.length * 2, BODY.length * 2, into, new AbortController().signal)).rejects.toThrow(/fewer bytes than declared/);
  });

  it('never puts the link (its token) in a refusal', async () => {
    const error = await refusal('https://169.254.169.254/x?token=SECRET-TOKEN', LOCAL);
    expect(JSON.stringify({ message: error.message, context: error.context })).not.toContain('SECRET-TOKEN');
  });

  it('treats a name that does not resolve as transient, not as a refusal', async () => {
    await expect(checkDownloadTarget('https://nowhere.test/', LOCAL, {}, async () => Promise.reject(new Error('ENOTFOUND')))).rejects.toThrow(/cannot resolve download host nowhere\.test/);
  });
});

describe('the settings', () => {
  const required = { ARCHIVE_TABLE_NAME: 't', ARCHIVE_BUCKET_NAME: 'b', INGEST_QUEUE_URL: 'q' };

  it('default to the AWS policy (https to public hosts, no allowlist)', () => {
    expect(ingestSettings(required).downloadPolicy).toEqual({ allowInsecureLoopback: false, hostAllowlist: [] });
  });

  it('read DOWNLOAD_ALLOW_INSECURE_LOOPBACK and DOWNLOAD_HOST_ALLOWLIST, and name a bad value', () => {
    expect(ingestSettings({ ...required, DOWNLOAD_ALLOW_INSECURE_LOOPBACK: 'TRUE', DOWNLOAD_HOST_ALLOWLIST: ' *.myqcloud.com, .qq.com ,' }).downloadPolicy).toEqual({
      allowInsecureLoopback: true,
      hostAllowlist: ['myqcloud.com', 'qq.com'],
    });
    expect(() => ingestSettings({ ...required, DOWNLOAD_ALLOW_INSECURE_LOOPBACK: 'yes' })).toThrow(/DOWNLOAD_ALLOW_INSECURE_LOOPBACK must be "true" or "false"/);
    expect(() => ingestSettings({ ...required, DOWNLOAD_HOST_ALLOWLIST: 'https://myqcloud.com/' })).toThrow(ValidationError);
  });
});

describe('a refused link in the pipeline', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('is counted, logged with its reason, and sent to the DLQ at once; the file is failed, not skipped', async () => {
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'ingest' });
    const counted: string[] = [];
    const addMetric = metrics.addMetric.bind(metrics);
    metrics.addMetric = (name, unit, value) => {
      counted.push(name);
      return addMetric(name, unit, value);
    };
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const errors: Array<[string, Record<string, unknown>]> = [];
    logger.error = ((message: string, extra: Record<string, unknown>) => void errors.push([message, extra])) as Logger['error'];
    // The AWS policy against the simulator, whose links are http://127.0.0.1.
    h = await startHarness({ downloadPolicy: STRICT_DOWNLOAD_POLICY, metrics, logger });
    const recording = h.sim.model.createMeeting({ subject: 'refused', hostUserId: h.sim.credentials.operatorId, files: [{ sizeBytes: 1024 * 1024 }] });
    const fileId = recording.files[0]!.recordFileId;
    await h.deliver(recordingCompletedEvent(meetingFromRecording(recording), [fileId]));
    expect(await h.drain()).toMatchObject({ failed: 0, invocations: 1 });

    expect(counted.filter((n) => n === INGEST_METRIC_NAMES.downloadLinksRefused)).toHaveLength(1);
    const logged = errors.find(([message]) => message === 'download link refused');
    expect(logged?.[1]).toMatchObject({ recordFileId: fileId, refusal: 'blocked-address', host: '127.0.0.1', address: '127.0.0.1' });
    const dead = await h.resources.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: h.resources.ingestDeadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    expect((dead.Messages ?? []).map((m) => m.MessageAttributes?.failure?.StringValue)).toEqual([expect.stringMatching(/^DownloadRefusedError: download link refused \(blocked-address\)/)]);
    const file = await h.index.getRecordFile(fileId);
    expect(file?.artifacts.video).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/loopback address/) });
    expect(h.sim.downloads.stats.requests).toBe(0);
  });
});
