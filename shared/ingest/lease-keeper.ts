// A copy lease held for as long as its holder runs, not for a fixed time. The lease's duration only
// says how soon another worker may take a file over once its holder is gone (killed, frozen,
// crashed): while the holder runs, the lease is renewed. Lambda ends an invocation at its timeout,
// so its renewals end with it; a local handler that outlives its timeout (the local poller cannot
// freeze it) keeps its lease until it really stops, and no second worker copies the same file
// beside it. A holder whose lease was taken anyway (renewals failed for longer than the lease)
// is told through `lost`, which stops its copy.
import type { CopyLeases } from './copy-lease.ts';

export interface HeldLease {
  /** Aborts once the lease is no longer this holder's. */
  readonly lost: AbortSignal;
  /** Stops renewing and gives the lease back. */
  release(): Promise<void>;
}

export interface HoldLeaseOptions {
  /** Between renewals; default a third of the lease, so two renewals may fail before it lapses. */
  readonly renewEveryMs?: number;
  /** Told of each renewal that failed (`could not renew the copy lease`, with `logIds`). */
  readonly logger?: { warn(message: string, ...extra: Record<string, unknown>[]): void };
  readonly logIds?: Record<string, unknown>;
  readonly onRenewalFailed?: (error: unknown) => void;
  readonly now?: () => number;
}

/** Takes the lease on the file and keeps it renewed until release(); undefined when another holds it. */
export async function holdLease(
  leases: CopyLeases,
  recordFileId: string,
  owner: string,
  durationMs: number,
  options: HoldLeaseOptions = {},
): Promise<HeldLease | undefined> {
  const now = options.now ?? Date.now;
  if (!(await leases.acquire(recordFileId, owner, durationMs))) return undefined;
  const lost = new AbortController();
  let heldUntil = now() + durationMs;
  let renewing: Promise<void> | undefined;
  const renew = async () => {
    const attemptAt = now();
    try {
      if (await leases.acquire(recordFileId, owner, durationMs)) heldUntil = attemptAt + durationMs;
      else lost.abort(new Error('the copy lease was taken over by another worker'));
    } catch (error) {
      options.logger?.warn('could not renew the copy lease', { ...options.logIds, error: String(error) });
      options.onRenewalFailed?.(error);
      if (now() >= heldUntil) lost.abort(new Error('the copy lease lapsed: it could not be renewed'));
    }
  };
  const timer = setInterval(() => {
    if (renewing || lost.signal.aborted) return;
    renewing = renew().finally(() => {
      renewing = undefined;
    });
  }, options.renewEveryMs ?? Math.max(250, Math.floor(durationMs / 3)));
  // A pending renewal must not keep a process alive that has nothing else left to do.
  timer.unref();
  return {
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      // A renewal still in flight would otherwise write the lease back after the release.
      await renewing;
      await leases.release(recordFileId, owner);
    },
  };
}
