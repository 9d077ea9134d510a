// The Tencent Meeting simulator in a process of its own for bench/local-stack.ts, so generating a
// recording's bytes shares no event loop with the stack under test or with the bench's timers.
// Prints one JSON line ({ url, env }) when listening; then answers IPC requests
// { id, sizeBytes, webhookUrl } by driving one meeting (one video of that size) through
// started → stopped → completed with signed AES webhooks, and replies { id, meetingRecordId, … }.
// Exits when the bench that forked it goes away.
import { startSimulator } from '../../infra/local/simulator/server.ts';
import { WebhookSender } from '../../infra/local/simulator/webhook-sender.ts';
import { runMeetingLifecycle } from '../../infra/local/simulator/lifecycle.ts';
import { meetingFromRecording, type EventMeeting } from '../../infra/local/simulator/webhook-events.ts';

export interface MeetingRequest {
  readonly id: number;
  readonly sizeBytes: number;
  readonly webhookUrl: string;
}

export interface MeetingReply {
  readonly id: number;
  readonly meetingId?: string;
  readonly meetingRecordId?: string;
  readonly recordFileId?: string;
  /** The meeting as Tencent's events describe it, for more events about the same file. */
  readonly eventMeeting?: EventMeeting;
  readonly error?: string;
}

const simulator = await startSimulator({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url: simulator.url, env: simulator.env() })}\n`);

process.on('message', (request: MeetingRequest) => {
  const sender = new WebhookSender({
    url: request.webhookUrl,
    token: simulator.credentials.webhookToken,
    encodingAesKey: simulator.credentials.encodingAesKey,
    retryDelaysMs: [1_000, 3_000],
  });
  runMeetingLifecycle(simulator, sender, { subject: `bench ${request.sizeBytes} B`, hostUserId: simulator.credentials.operatorId, files: [{ sizeBytes: request.sizeBytes }] }).then(
    ({ recording }) =>
      process.send!({
        id: request.id,
        meetingId: recording.meetingId,
        meetingRecordId: recording.meetingRecordId,
        recordFileId: recording.files[0]!.recordFileId,
        eventMeeting: meetingFromRecording(recording, undefined, simulator.settings.readings),
      } satisfies MeetingReply),
    (error: unknown) => process.send!({ id: request.id, error: String(error) } satisfies MeetingReply),
  );
});
process.on('disconnect', () => void simulator.stop().finally(() => process.exit(0)));
