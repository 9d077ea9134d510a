// The newcomer's first minute: the simulator verifies the webhook URL the way Tencent does when a
// subscription is saved, then one demo meeting goes through its lifecycle (started → stopped →
// completed) with real signed webhooks, and we watch the archive API until its files are archived.
import { formatBytes } from './console-log.ts';
import type { LocalLog } from './lambda-context.ts';
import type { Simulator } from './simulator/server.ts';
import { WebhookSender, type VerifyResult } from './simulator/webhook-sender.ts';
import { runMeetingLifecycle } from './simulator/lifecycle.ts';

export interface DemoResult {
  readonly meetingId: string;
  readonly meetingRecordId: string;
  readonly recordFileIds: readonly string[];
  readonly archived: boolean;
}

/** The simulator's webhook sender for this stack: AES mode when the simulator has a key, as Tencent does. */
function simulatorWebhookSender(simulator: Simulator, webhookUrl: string): WebhookSender {
  return new WebhookSender({
    url: webhookUrl,
    token: simulator.credentials.webhookToken,
    encodingAesKey: simulator.credentials.encodingAesKey,
    // Tencent retries after 1, 3 and 6 minutes; locally a newcomer should not wait that long.
    retryDelaysMs: [1_000, 3_000, 6_000],
  });
}

export async function registerWebhook(options: { simulator: Simulator; webhookUrl: string; log: LocalLog }): Promise<VerifyResult> {
  const result = await simulatorWebhookSender(options.simulator, options.webhookUrl).verify();
  if (result.ok) options.log.info('webhook URL verified by the simulator (GET check_str)', { ms: Math.round(result.latencyMs) });
  else options.log.error('the simulator could not verify the webhook URL', { status: result.status, error: result.error });
  return result;
}

export interface DemoOptions {
  readonly simulator: Simulator;
  readonly webhookUrl: string;
  readonly apiUrl: string;
  readonly apiToken: string;
  readonly log: LocalLog;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

const DEMO_VIDEO_BYTES = 48 * 1024 * 1024;

export async function runDemoMeeting(options: DemoOptions): Promise<DemoResult> {
  const { simulator, log } = options;
  const host = simulator.credentials.operatorId;
  log.info('demo meeting: recording started → stopped → completed (signed webhooks from the simulator)');
  const lifecycle = await runMeetingLifecycle(simulator, simulatorWebhookSender(simulator, options.webhookUrl), {
    subject: 'Demo: weekly sync',
    hostUserId: host,
    files: [{ sizeBytes: DEMO_VIDEO_BYTES, audioBytes: 4 * 1024 * 1024, transcripts: [{ fileType: 'txt' }], durationMs: 25 * 60_000 }],
  });
  const { recording } = lifecycle;
  const recordFileIds = recording.files.map((file) => file.recordFileId);
  log.info(`demo meeting delivered: ${formatBytes(DEMO_VIDEO_BYTES)} video + audio + transcript`, {
    meeting_id: recording.meetingId,
    meeting_record_id: recording.meetingRecordId,
  });

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const url = `${options.apiUrl}/records/${encodeURIComponent(recording.meetingRecordId)}`;
  while (Date.now() < deadline && !options.signal?.aborted) {
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${options.apiToken}` }, signal: AbortSignal.timeout(5000) });
      if (response.ok) {
        const body = (await response.json()) as { record_files?: Array<{ archive?: { status?: string } }> };
        const files = body.record_files ?? [];
        if (files.length > 0 && files.every((file) => file.archive?.status === 'archived')) {
          log.info(`demo meeting archived: GET ${url}`);
          return { meetingId: recording.meetingId, meetingRecordId: recording.meetingRecordId, recordFileIds, archived: true };
        }
      }
    } catch {
      // The stack may be stopping; the loop condition decides.
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  if (!options.signal?.aborted) log.warn('demo meeting not archived yet; see the ingest lines above', { meeting_record_id: recording.meetingRecordId });
  return { meetingId: recording.meetingId, meetingRecordId: recording.meetingRecordId, recordFileIds, archived: false };
}
