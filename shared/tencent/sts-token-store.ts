// Keeps the STS token that Tencent delivers through the common.sts-token event; newly created apps
// must send it on data-sensitive calls such as GET /v1/addresses/{record_file_id}.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../archive/table-design.ts';
import { ConditionalItemStore } from '../aws/conditional-item-store.ts';
import { TransientError, type ErrorContext } from '../errors.ts';
import { TencentApiError } from './errors.ts';

/**
 * Codes with which Tencent refuses a call's credentials (190303 鉴权失败). On a call that carried an
 * STS-Token, the token is the likeliest culprit (Tencent's clock or a revocation disagreeing with
 * the stored expire_ts, open point #13): a fresh token, not an operator, fixes it.
 */
const TOKEN_REFUSAL_CODES: ReadonlySet<number> = new Set([190303]);

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

  /**
   * One data-sensitive call with the token: the one place that tells "the STS token is unusable"
   * (expired by our clock, or refused by Tencent while it carried one) from every other failure.
   * Both throw StsTokenUnusableError, which every handler turns into a wait for a fresh token.
   */
  async call<T>(context: ErrorContext, request: (sts: { stsToken?: string }) => Promise<T>): Promise<T> {
    const sts = await this.forRequest(context);
    try {
      return await request(sts);
    } catch (error) {
      if (sts.stsToken && error instanceof TencentApiError && error.errorCode !== undefined && TOKEN_REFUSAL_CODES.has(error.errorCode)) {
        throw new StsTokenRefusedError(`Tencent refused the STS token (${error.errorCode})`, { ...context, errorCode: error.errorCode }, { cause: error });
      }
      throw error;
    }
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

/** The app's STS token cannot be used until a fresh one arrives: wait for it (deferStsWait) rather than fail. */
export class StsTokenUnusableError extends TransientError {
  override name = 'StsTokenUnusableError';
}

/** The app's STS token has expired by our clock and no fresh one has arrived yet. */
export class StsTokenExpiredError extends StsTokenUnusableError {
  override name = 'StsTokenExpiredError';
}

/** Tencent refused a call that carried the stored token, though our clock says it is still valid. */
export class StsTokenRefusedError extends StsTokenUnusableError {
  override name = 'StsTokenRefusedError';
}
