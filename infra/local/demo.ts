// The newcomer's first minute: the simulator verifies the webhook URL the way Tencent does when a
// subscription is saved, then one demo meeting goes through its lifecycle (started → stopped →
// completed) with real signed webhooks, and we watch the archive API until its files are archived.
import { readFileSync } from 'node:fs';
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
  const sender = simulatorWebhookSender(options.simulator, options.webhookUrl);
  const result = await sender.verify();
  // Like Tencent, the simulator then announces what its REST API deletes (the source cleanup's DELETEs).
  if (result.ok) options.simulator.announceDeletionsTo(sender);
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

// A real, playable recording (4 s of a test pattern and a tone, H.264 + AAC in MP4, made once with
// ffmpeg; see the README's console section), so the console's player shows something on a fresh start.
export const DEMO_VIDEO = readFileSync(new URL('./simulator/media/demo.mp4', import.meta.url));
export const DEMO_AUDIO = readFileSync(new URL('./simulator/media/demo-audio.m4a', import.meta.url));

/** What the demo's transcript says: text a newcomer can open, in the speaker/time form Tencent's transcripts use. */
export const DEMO_TRANSCRIPT = [
  'Demo: weekly sync — 会议转写 / transcript',
  '',
  '[00:00:05] 王芳 (Wang Fang): 大家好，我们开始本周的例会。Good morning everyone, let us start the weekly sync.',
  '[00:00:18] David Chen: Thanks. The archive copied last week’s recordings into S3 overnight, all of them verified.',
  '[00:00:31] 王芳 (Wang Fang): 很好。腾讯会议那边删除之后，我们这边的副本还在吗？',
  '[00:00:40] David Chen: 在的。With the retain policy the copy stays and is marked source-deleted.',
  '[00:00:55] 李雷 (Li Lei): 下周我们要导入去年的录制，大概两千个文件。',
  '[00:01:06] David Chen: The backfill command handles that; it keeps under Tencent’s rate limit of ten list calls a minute.',
  '[00:01:20] 王芳 (Wang Fang): 好的，那就这么定了。Action items: Li Lei runs the backfill, David checks the alarms.',
  '[00:01:32] 李雷 (Li Lei): 没问题。Thanks, bye.',
  '',
].join('\n');

export async function runDemoMeeting(options: DemoOptions): Promise<DemoResult> {
  const { simulator, log } = options;
  const host = simulator.credentials.operatorId;
  log.info('demo meeting: recording started → stopped → completed (signed webhooks from the simulator)');
  const lifecycle = await runMeetingLifecycle(simulator, simulatorWebhookSender(simulator, options.webhookUrl), {
    subject: 'Demo: weekly sync',
    hostUserId: host,
    files: [{ sizeBytes: DEMO_VIDEO.length, videoContent: DEMO_VIDEO, audioContent: DEMO_AUDIO, transcripts: [{ fileType: 'txt', text: DEMO_TRANSCRIPT }], durationMs: 4_000 }],
  });
  const { recording } = lifecycle;
  const recordFileIds = recording.files.map((file) => file.recordFileId);
  log.info(`demo meeting delivered: ${formatBytes(DEMO_VIDEO.length)} video + audio + transcript`, {
    meeting_id: recording.meetingId,
    meeting_record_id: recording.meetingRecordId,
  });

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const url = `${options.apiUrl}/records/${encodeURIComponent(recording.meetingRecordId)}`;
  // Watched through the meeting's list, which answers 200 (empty) until the ingest has indexed the
  // recording: /records/{id} would answer 404 first, a red herring on a newcomer's console.
  const nowSec = Math.floor(Date.now() / 1000);
  const listUrl =
    `${options.apiUrl}/records?meeting_id=${encodeURIComponent(recording.meetingId)}&userid=${encodeURIComponent(host)}` +
    `&start_time=${nowSec - 2 * 86_400}&end_time=${nowSec + 86_400}&page_size=100`;
  while (Date.now() < deadline && !options.signal?.aborted) {
    try {
      const response = await fetch(listUrl, { headers: { authorization: `Bearer ${options.apiToken}` }, signal: AbortSignal.timeout(5000) });
      if (response.ok) {
        const list = (await response.json()) as { record_meetings?: Array<{ meeting_record_id?: string; record_files?: Array<{ archive?: { status?: string } }> }> };
        const files = list.record_meetings?.find((meeting) => meeting.meeting_record_id === recording.meetingRecordId)?.record_files ?? [];
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
