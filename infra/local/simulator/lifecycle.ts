// Drives one meeting through what Tencent would announce (reference §6.3): recording.started →
// (paused → resumed) → stopped → the model transcodes (state 1 → 2 → 3) → recording.completed →
// optionally smart.transcripts. Each event goes out only after the model reflects it, so an archive
// that asks the REST API on receipt sees what Tencent would show at that moment.
import type { CreateMeetingInput, SimMeetingRecording, SimulatorModel } from './model.ts';
import type { SourceReadings } from './profiles.ts';
import {
  asTencentSends,
  meetingFromRecording,
  recordingCompletedEvent,
  recordingStatusEvent,
  smartTranscriptsEvent,
  type RecordingStatusEventName,
} from './webhook-events.ts';
import type { DeliveryRecord, WebhookSender } from './webhook-sender.ts';

export interface LifecycleOptions extends CreateMeetingInput {
  /** Also pause and resume the recording. */
  readonly pauseResume?: boolean;
  /** Send smart.transcripts after recording.completed. */
  readonly transcripts?: boolean;
}

export interface LifecycleResult {
  readonly recording: SimMeetingRecording;
  readonly deliveries: readonly DeliveryRecord[];
  /** Every delivery (all copies) acknowledged. */
  readonly ok: boolean;
}

export class LifecycleDeliveryError extends Error {
  readonly deliveries: readonly DeliveryRecord[];
  constructor(event: string, deliveries: readonly DeliveryRecord[]) {
    super(`the webhook did not acknowledge ${event}`);
    this.name = 'LifecycleDeliveryError';
    this.deliveries = deliveries;
  }
}

export async function runMeetingLifecycle(
  simulator: { readonly model: SimulatorModel; readonly settings?: { readonly readings: SourceReadings } },
  sender: WebhookSender,
  options: LifecycleOptions,
): Promise<LifecycleResult> {
  const { pauseResume = false, transcripts = false, ...meetingInput } = options;
  const { model } = simulator;
  const deliveries: DeliveryRecord[] = [];
  const send = async (records: Promise<DeliveryRecord[]>, event: string): Promise<void> => {
    const done = await records;
    deliveries.push(...done);
    // A later event would be meaningless if Tencent would still be retrying this one.
    if (!done.every((record) => record.ok)) throw new LifecycleDeliveryError(event, deliveries);
  };

  const recording = model.createMeeting({ ...meetingInput, state: 1 });
  const status = (name: RecordingStatusEventName) =>
    send(
      sender.deliver(recordingStatusEvent(name, meetingFromRecording(recording, undefined, simulator.settings?.readings), { operatorUserId: recording.hostUserId, operateTimeMs: model.now() })),
      name,
    );

  await status('recording.started');
  if (pauseResume) {
    await status('recording.paused');
    await status('recording.resumed');
  }
  await status('recording.stopped');
  model.setState(recording.meetingRecordId, 2);
  model.setState(recording.meetingRecordId, 3);

  const meeting = meetingFromRecording(recording, undefined, simulator.settings?.readings);
  const fileIds = recording.files.map((file) => file.recordFileId);
  const asSent = (event: ReturnType<typeof recordingCompletedEvent>) => asTencentSends(event, recording, simulator.settings?.readings);
  if (fileIds.length > 0) {
    await send(sender.deliver(asSent(recordingCompletedEvent(meeting, fileIds, { operateTimeMs: model.now() }))), 'recording.completed');
    if (transcripts) {
      await send(sender.deliver(asSent(smartTranscriptsEvent(meeting, fileIds, { operateTimeMs: model.now() }))), 'smart.transcripts');
    }
  }
  return { recording, deliveries, ok: deliveries.every((record) => record.ok) };
}
