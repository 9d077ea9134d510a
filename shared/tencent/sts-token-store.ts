// Keeps the STS token that Tencent delivers through the common.sts-token event; newly created apps
// must send it on data-sensitive calls such as GET /v1/addresses/{record_file_id}.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../archive/table-design.ts';
import { ConditionalItemStore } from '../aws/conditional-item-store.ts';
import { TransientError, type ErrorContext } from '../errors.ts';

export class StsTokenStore {
  readonly #store: ConditionalItemStore;
  readonly #now: () => number;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, now: () => number = Date.now) {
    this.#store = new ConditionalItemStore(dynamo, tableName);
    this.#now = now;
  }

  /**
   * Stores the token unless a token that expires later is already stored, so a late, replayed
   * delivery cannot replace a newer token. `expireTs` is in seconds or milliseconds (Tencent does
   * not document the unit; values below 1e12 are taken as seconds).
   */
  async save(stsToken: string, expireTs?: number): Promise<void> {
    const expiresAtMs = expireTs === undefined ? this.#now() + 3_600_000 : expireTs < 1e12 ? expireTs * 1000 : expireTs;
    await this.#store.put(
      { ...keys.stsToken(), stsToken, expiresAtMs },
      { condition: 'attribute_not_exists(pk) OR expiresAtMs <= :expiresAtMs', values: { ':expiresAtMs': expiresAtMs } },
    );
  }

  /**
   * What a data-sensitive call sends: the valid token, or nothing when the app never got one. An
   * expired token throws StsTokenExpiredError (retryable): the call would be refused until the next
   * common.sts-token event, so the caller waits for it rather than failing (open point #13).
   */
  async forRequest(context: ErrorContext = {}): Promise<{ stsToken?: string }> {
    const state = await this.state();
    if (state.status === 'expired') throw new StsTokenExpiredError('the STS token expired', { ...context, expiredAt: new Date(state.expiredAtMs).toISOString() });
    return state.status === 'valid' ? { stsToken: state.token } : {};
  }

  /** The stored token while it is valid, else undefined. */
  async current(): Promise<string | undefined> {
    const state = await this.state();
    return state.status === 'valid' ? state.token : undefined;
  }

  /**
   * 'none': no token was ever delivered (apps created before 2026-01-16 need none). 'expired': the
   * app uses tokens and the last one has expired, so a call without one would be refused until the
   * next common.sts-token event brings a fresh one (open point #13).
   */
  async state(): Promise<{ readonly status: 'valid'; readonly token: string } | { readonly status: 'expired'; readonly expiredAtMs: number } | { readonly status: 'none' }> {
    const item = (await this.#store.get(keys.stsToken())) as { stsToken?: string; expiresAtMs?: number } | undefined;
    if (!item?.stsToken) return { status: 'none' };
    const expiresAtMs = item.expiresAtMs ?? 0;
    return expiresAtMs > this.#now() ? { status: 'valid', token: item.stsToken } : { status: 'expired', expiredAtMs: expiresAtMs };
  }
}

/** The app's STS token has expired and no fresh one has arrived yet: wait for it rather than fail. */
export class StsTokenExpiredError extends TransientError {
  override name = 'StsTokenExpiredError';
}
