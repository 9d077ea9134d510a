// `npm run simulator -- [options]`: the Tencent Meeting simulator on its own (see USAGE). It prints
// TENCENT_MEETING_* lines (stdout) that point an archive at it; diagnostics go to stderr so the
// lines can be eval'd or piped to a file. Credentials and the id seed persist in a state file, so a
// second run (e.g. with --demo) signs with what the archive was configured with on the first.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator, type SimulatorCredentials } from './server.ts';
import { PROFILE_NAMES, type ProfileName } from './profiles.ts';
import { WebhookSender, DEFAULT_RETRY_DELAYS_MS } from './webhook-sender.ts';
import { runMeetingLifecycle, LifecycleDeliveryError } from './lifecycle.ts';

const DEFAULT_STATE_FILE = '.data/simulator-state.json';

const USAGE = `Tencent Meeting simulator: Tencent's REST API for recordings and its webhook sender, on this machine.

usage: npm run simulator -- [options]

  --port N               port to listen on, 127.0.0.1 (default: $SIMULATOR_PORT or 3100; 0 picks a free one)
  --state-file PATH      where the generated credentials and id seed are kept across runs, mode 600
                         (default: ${DEFAULT_STATE_FILE}); a run reuses the file's credentials, so the
                         TENCENT_MEETING_* lines stay valid for an archive configured earlier
  --fresh-credentials    generate new credentials even if the state file has some (and keep those)
  --webhook-url URL      after starting, verify this webhook as Tencent does when a subscription is
                         saved (GET ?check_str=…, signed with the printed token)
  --demo                 with --webhook-url: drive one meeting through recording started → stopped →
                         completed (signed POSTs), 8 MiB video, audio, transcript and AI minutes
  --aes                  webhook events encrypted with the EncodingAESKey (the default, as Tencent recommends)
  --plain                webhook events in plain base64; no TENCENT_MEETING_ENCODING_AES_KEY line is printed
  --retry-delays LIST    comma-separated milliseconds between delivery retries (default: ${DEFAULT_RETRY_DELAYS_MS.join(',')})
  --profile NAME         how to play where Tencent's sources are silent or disagree
                         (infra/local/simulator/profiles.ts): ${PROFILE_NAMES.join(', ')} (default: sdk)
                           sdk         the official SDKs' reading of every open point
                           sdk-empty   as sdk; the other operator form answers an empty list
                           seed        the customer's seed documents' operator form (userid)
                           seed-empty  as seed; the other form answers an empty list
                           wild        everything production has been seen to do at once
  -h, --help             this text

Runs until Ctrl-C / SIGTERM.

examples:
  # 1. start it and configure an archive with what it prints (then Ctrl-C, or leave it running)
  npm run simulator -- --port 3100 > simulator.env
  # 2. later, with the archive running on those settings: the handshake and one demo meeting,
  #    signed with the same credentials (from ${DEFAULT_STATE_FILE})
  npm run simulator -- --port 3100 --webhook-url http://127.0.0.1:3000/webhooks/tencent-meeting --demo
`;

type StoredState = Partial<Omit<SimulatorCredentials, 'sdkId'>> & { sdkId?: string; seed?: string };

function readState(file: string): StoredState {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredState;
  } catch {
    return {}; // damaged: it holds only generated values, replaced below
  }
}

function writeState(file: string, state: StoredState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

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
      'state-file': { type: 'string', default: DEFAULT_STATE_FILE },
      'fresh-credentials': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.aes && values.plain) throw new Error('choose one of --aes and --plain');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${values.port}`);
  const retryDelaysMs = values['retry-delays'] ? values['retry-delays'].split(',').map(Number) : DEFAULT_RETRY_DELAYS_MS;
  if (retryDelaysMs.some((ms) => !Number.isFinite(ms) || ms < 0)) throw new Error('--retry-delays must be comma-separated milliseconds');
  const aes = !values.plain; // AES is what Tencent recommends, so it is the default

  if (!(PROFILE_NAMES as string[]).includes(values.profile)) throw new Error(`--profile must be one of ${PROFILE_NAMES.join(', ')}`);
  const stateFile = resolve(values['state-file']);
  const { seed, ...saved } = values['fresh-credentials'] ? {} : readState(stateFile);
  const simulator = await startSimulator({ port, profile: values.profile as ProfileName, ...(seed ? { seed } : {}), credentials: saved });
  writeState(stateFile, { ...simulator.credentials, seed: simulator.model.seed });
  const env = simulator.env();
  if (!aes) delete env.TENCENT_MEETING_ENCODING_AES_KEY;
  process.stderr.write(
    `Tencent Meeting simulator listening on ${simulator.url} (webhook mode: ${aes ? 'AES' : 'plain'}; credentials ${Object.keys(saved).length > 0 ? 'from' : 'generated, kept in'} ${stateFile})\n`,
  );
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
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n(npm run simulator -- --help lists every option)\n`);
  process.exit(1);
});
