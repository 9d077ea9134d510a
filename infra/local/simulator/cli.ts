// `npm run simulator -- [--port 3100] [--webhook-url URL] [--aes|--plain] [--demo]`
// Runs the Tencent Meeting simulator on its own and prints TENCENT_MEETING_* lines (stdout) that
// point an archive at it; diagnostics go to stderr so the lines can be eval'd or piped to a file.
// With --webhook-url it performs the subscription handshake against that webhook, and with --demo
// it drives one meeting through its recording lifecycle. Runs until Ctrl-C / SIGTERM.
import { parseArgs } from 'node:util';
import { startSimulator } from './server.ts';
import { PROFILE_NAMES, type ProfileName } from './profiles.ts';
import { WebhookSender, DEFAULT_RETRY_DELAYS_MS } from './webhook-sender.ts';
import { runMeetingLifecycle, LifecycleDeliveryError } from './lifecycle.ts';

const USAGE = `usage: node infra/local/simulator/cli.ts [--port 3100] [--webhook-url URL] [--aes|--plain] [--demo] [--retry-delays ms,ms,ms] [--profile ${PROFILE_NAMES.join('|')}]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.SIMULATOR_PORT ?? '3100' },
      'webhook-url': { type: 'string' },
      aes: { type: 'boolean', default: false },
      plain: { type: 'boolean', default: false },
      demo: { type: 'boolean', default: false },
      'retry-delays': { type: 'string' },
      profile: { type: 'string', default: 'sdk' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    return;
  }
  if (values.aes && values.plain) throw new Error('choose one of --aes and --plain');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${values.port}`);
  const retryDelaysMs = values['retry-delays'] ? values['retry-delays'].split(',').map(Number) : DEFAULT_RETRY_DELAYS_MS;
  if (retryDelaysMs.some((ms) => !Number.isFinite(ms) || ms < 0)) throw new Error('--retry-delays must be comma-separated milliseconds');
  const aes = !values.plain; // AES is what Tencent recommends, so it is the default

  if (!(PROFILE_NAMES as string[]).includes(values.profile)) throw new Error(`--profile must be one of ${PROFILE_NAMES.join(', ')}`);
  const simulator = await startSimulator({ port, profile: values.profile as ProfileName });
  const env = simulator.env();
  if (!aes) delete env.TENCENT_MEETING_ENCODING_AES_KEY;
  process.stderr.write(`Tencent Meeting simulator listening on ${simulator.url} (webhook mode: ${aes ? 'AES' : 'plain'})\n`);
  for (const [key, value] of Object.entries(env)) process.stdout.write(`${key}=${value}\n`);

  const stop = async (): Promise<void> => {
    await simulator.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  const webhookUrl = values['webhook-url'];
  if (!webhookUrl) {
    if (values.demo) process.stderr.write('--demo needs --webhook-url: nothing to deliver to\n');
    return;
  }
  const sender = new WebhookSender({
    url: webhookUrl,
    token: simulator.credentials.webhookToken,
    ...(aes ? { encodingAesKey: simulator.credentials.encodingAesKey } : {}),
    retryDelaysMs,
  });
  const verified = await sender.verify();
  process.stderr.write(
    verified.ok
      ? `webhook verified: ${webhookUrl} answered the handshake in ${verified.latencyMs.toFixed(0)} ms\n`
      : `webhook verification FAILED for ${webhookUrl}: ${verified.error ?? `HTTP ${verified.status}, body ${JSON.stringify(verified.body?.slice(0, 200))}`}\n` +
          `  (is the archive configured with the TENCENT_MEETING_WEBHOOK_TOKEN${aes ? ' and TENCENT_MEETING_ENCODING_AES_KEY' : ''} printed above?)\n`,
  );
  if (!values.demo) return;
  if (!verified.ok) {
    process.stderr.write('skipping --demo: the webhook does not verify\n');
    return;
  }
  try {
    const result = await runMeetingLifecycle(simulator, sender, {
      subject: 'Simulator demo meeting',
      hostUserId: simulator.credentials.operatorId,
      files: [{ sizeBytes: 8 * 1024 * 1024, audioBytes: 1024 * 1024, transcripts: [{ fileType: 'txt' }], aiMinutes: [{ fileType: 'docx' }] }],
      transcripts: true,
    });
    process.stderr.write(
      `demo meeting ${result.recording.meetingId} (meeting_record_id ${result.recording.meetingRecordId}) delivered: ` +
        `${result.deliveries.map((d) => `${d.event}${d.ok ? '' : ' (FAILED)'}`).join(' → ')}\n`,
    );
  } catch (error) {
    if (!(error instanceof LifecycleDeliveryError)) throw error;
    const last = error.deliveries.at(-1)?.attempts.at(-1);
    process.stderr.write(`demo stopped: ${error.message} (last answer: ${last?.error ?? `HTTP ${last?.status}`})\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(1);
});
