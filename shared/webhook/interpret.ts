// What a validly signed delivery means: decode → parse → map to queue messages, with the repairs of
// repairs.ts where the strict schema fails. Anything that still does not fit comes back as a Misfit
// for the parking store, never as an error: Tencent would retry a refused event a few times and
// then drop it (open point #5). Pure: no clock, no I/O. Used for deliveries and for replays alike,
// so a replay runs exactly the current code.
import type { IngestMessage } from '../ingest/messages.ts';
import { decodeWebhookData, WebhookDecodeError } from './codec.ts';
import { deriveEventId } from './dedupe.ts';
import { parseWebhookEvent, WebhookEventError, type WebhookEvent } from './events.ts';
import { withoutSecrets, type Misfit, type MisfitStage } from './parked-events.ts';
import { readEnvelope, repairEvent, type RepairKind } from './repairs.ts';
import { toIngestMessages } from './to-messages.ts';

export interface Understood {
  readonly kind: 'understood';
  readonly eventName: string;
  /** The strictly parsed event; absent when it was repaired. */
  readonly event?: WebhookEvent;
  readonly eventId: string;
  readonly plaintext: string;
  readonly messages: IngestMessage[];
  /** Set when the strict schema failed and the event was repaired. */
  readonly repaired?: { readonly misfit: Misfit; readonly repairs: RepairKind[] };
}

export type Interpretation = Understood | { readonly kind: 'misfit'; readonly misfit: Misfit };

const idsOf = (value: unknown): string[] => (typeof value === 'string' || typeof value === 'number' ? [String(value)] : []);

/** meeting and file ids of whatever payload there is, for logs and the operator's list. */
function identifiers(payload: readonly unknown[]): { meetingIds: string[]; recordFileIds: string[] } {
  const meetingIds = new Set<string>();
  const recordFileIds = new Set<string>();
  for (const item of payload) {
    const record = (item ?? {}) as { meeting_info?: { meeting_id?: unknown }; recording_files?: unknown };
    for (const id of idsOf(record.meeting_info?.meeting_id)) meetingIds.add(id);
    if (Array.isArray(record.recording_files)) {
      for (const file of record.recording_files) for (const id of idsOf((file as { record_file_id?: unknown } | null)?.record_file_id)) recordFileIds.add(id);
    }
  }
  return { meetingIds: [...meetingIds], recordFileIds: [...recordFileIds] };
}

function misfitOf(plaintext: string, stage: MisfitStage, reason: string): Misfit {
  const envelope = readEnvelope(plaintext);
  const eventName = envelope?.event;
  return {
    eventId: envelope?.trace_id ?? deriveEventId(eventName ?? 'unparsable', plaintext),
    stage: envelope ? stage : 'parse',
    ...(eventName ? { eventName } : {}),
    reason,
    payload: { plaintext: withoutSecrets(plaintext) },
    ...identifiers(envelope?.payload ?? []),
  };
}

/** Plain-mode text, or undefined when `data` is not base64 of UTF-8 text. */
function plainText(data: string): string | undefined {
  try {
    return decodeWebhookData(data);
  } catch {
    return undefined;
  }
}

/**
 * A signed `data` this configuration cannot decode. What is kept must hold no readable secret: AES
 * ciphertext is kept as sent (a replay decodes it with the key configured then); plain-mode data
 * sent to an AES-configured webhook (the subscription switched modes) is kept as its text with the
 * secrets blanked; undecodable plain-mode data is not kept at all.
 */
function undecodable(data: string, encodingAesKey: string | undefined, reason: string): Misfit {
  // The same ciphertext comes with every retry (the IV is fixed), so the id dedupes retries.
  const base = { eventId: deriveEventId('undecodable', data), stage: 'decode' as const, reason, meetingIds: [], recordFileIds: [] };
  if (!encodingAesKey) return base;
  const text = plainText(data);
  if (text === undefined) return { ...base, payload: { data } };
  return { ...misfitOf(text, 'decode', `${reason} (the data is plain-mode text)`), stage: 'decode' };
}

/** The signed `data` of a delivery (or of a parked one): base64, AES when a key is configured. */
export function interpretData(data: string, encodingAesKey: string | undefined): Interpretation {
  let plaintext: string;
  try {
    plaintext = decodeWebhookData(data, encodingAesKey);
  } catch (error) {
    if (!(error instanceof WebhookDecodeError)) throw error;
    return { kind: 'misfit', misfit: undecodable(data, encodingAesKey, error.message) };
  }
  return interpretPlaintext(plaintext);
}

/** The decrypted event text. */
export function interpretPlaintext(plaintext: string): Interpretation {
  let event: WebhookEvent;
  try {
    event = parseWebhookEvent(plaintext);
  } catch (error) {
    if (!(error instanceof WebhookEventError)) throw error;
    const misfit = misfitOf(plaintext, 'schema', error.message);
    const repaired = repairEvent(plaintext, misfit.eventId);
    if (!repaired) return { kind: 'misfit', misfit };
    return {
      kind: 'understood',
      eventName: misfit.eventName ?? 'unknown',
      eventId: misfit.eventId,
      plaintext,
      messages: repaired.messages,
      repaired: { misfit, repairs: repaired.repairs },
    };
  }
  const eventName = event.event === 'unknown' ? event.name : event.event;
  const eventId = event.trace_id ?? deriveEventId(eventName, plaintext);
  try {
    return { kind: 'understood', eventName, event, eventId, plaintext, messages: toIngestMessages(event, eventId) };
  } catch (error) {
    if (!(error instanceof WebhookEventError)) throw error;
    return { kind: 'misfit', misfit: { ...misfitOf(plaintext, 'queue-contract', error.message), eventId } };
  }
}
