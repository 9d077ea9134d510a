// The replay window on the webhook's signed `timestamp` header. The trace_id dedupe marker lives 7
// days; without a window a captured delivery (its signature stays valid forever) is accepted again
// once that marker expires. Refused only AFTER the signature verified, so unsigned and wrongly
// signed requests are refused exactly as before (invalid_signature), whatever their timestamp.
//
// Tencent documents no unit: the official example is 13 digits (ms), other integrations send
// seconds. Both are accepted, told apart as event times are (events.ts): below 1e11 is seconds.
//
// The window (default 1 hour, either side of our clock): Tencent retries over minutes (1, 3 and 6
// minutes after the first attempt, ~10 minutes in all, per the third-party description) and does
// not say whether a retry is re-signed with a fresh timestamp, so a retry may carry the first
// attempt's. One hour covers those ten minutes plus clock skew on either side many times over,
// and stays far below the dedupe marker's 7 days, which is what closes the replay.
import { WebhookRejection } from './request.ts';

export const DEFAULT_REPLAY_WINDOW_SECONDS = 3600;
/** The window must stay under the dedupe marker's lifetime (7 days), or a replay slips between them. */
export const MAX_REPLAY_WINDOW_SECONDS = 86_400;

const SECONDS_MS_BOUNDARY = 1e11;

/** The header as epoch ms, from seconds or milliseconds; undefined when it is not a unix time. */
export function webhookTimestampMs(header: string): number | undefined {
  const text = header.trim();
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return value < SECONDS_MS_BOUNDARY ? value * 1000 : value;
}

/** Refuses (stale_timestamp) a signed delivery whose timestamp lies outside now ± windowSeconds. */
export function requireFreshTimestamp(header: string, nowMs: number, windowSeconds: number): void {
  const sentMs = webhookTimestampMs(header);
  if (sentMs === undefined) throw new WebhookRejection('stale_timestamp', 'timestamp must be a unix time in seconds or milliseconds');
  if (Math.abs(nowMs - sentMs) > windowSeconds * 1000) {
    throw new WebhookRejection('stale_timestamp', `timestamp is more than ${windowSeconds} s away from the receiver's clock`);
  }
}
