// Which items of the one table each function touches, as partition-key patterns: the CDK stack
// turns them into `dynamodb:LeadingKeys` conditions on each function's role, so the internet-facing
// webhook cannot rewrite the index and a bug in one function cannot write another's items. The
// patterns come from the key builders themselves (`'*'` in place of each id), so a renamed prefix
// changes the grant with it.
//
// A function that starts writing a new kind of item adds its pattern here (and nowhere else); the
// template tests fail until it is listed.
import { enqueuedMarkerKey } from '../reconcile/enqueue.ts';
import { budgetKey } from '../reconcile/shared-budget.ts';
import { itemKeys } from './archive-items.ts';
import { counterKeys } from './counters.ts';
import { keys } from './table-design.ts';

const ANY = '*';
const meeting = keys.meeting(ANY).pk; // REC#*: meeting items and their file pointers
const fileIds = keys.fileById(ANY).pk; // FILE#*: record_file_id → meeting, read consistently
const provisional = itemKeys.slot(ANY).pk; // PROVISIONAL#*
const counters = counterKeys.pk(ANY); // COUNT#*: counters.ts
const events = keys.event(ANY).pk; // EVENT#*: webhook dedupe markers
const parked = keys.parkedEvent(ANY).pk; // WEBHOOK#PARKED: signed events the webhook could not map
const checkpoints = keys.copyCheckpoint(ANY, ANY).pk; // COPY#*#*
const leases = keys.copyLease(ANY).pk; // LEASE#*
const stsToken = keys.stsToken().pk; // TENCENT#STS_TOKEN
const cursors = keys.reconcileCursor(ANY).pk; // RECONCILE#*
const enqueuedMarkers = enqueuedMarkerKey(ANY).pk; // ENQUEUED#*
const budgets = budgetKey(ANY).pk; // BUDGET#*
const pendingEvents = keys.outboxPending(ANY).pk; // OUTBOX#PENDING: archive events not yet published
const onceMarkers = keys.outboxOnce(ANY).pk; // OUTBOX#ONCE#*: events recorded once per SQS message

export interface ItemAccess {
  /** Partition keys of items it reads with GetItem / BatchGetItem / Query on the table. */
  readonly reads: readonly string[];
  /** Partition keys of items it puts, updates or deletes (also inside transactions and batches). */
  readonly writes: readonly string[];
}

export const ITEM_ACCESS = {
  webhook: { reads: [], writes: [events, stsToken, parked] },
  ingest: {
    reads: [meeting, fileIds, provisional, counters, checkpoints, leases, stsToken],
    writes: [meeting, fileIds, provisional, counters, checkpoints, leases, pendingEvents, onceMarkers],
  },
  // writes: a meeting recording's legal hold (PUT/DELETE …/legal-hold).
  query: { reads: [meeting, fileIds, counters], writes: [meeting] },
  // The sweep publishes archive events left pending (shared/events/outbox.ts), and deletes each once published.
  reconcile: { reads: [meeting, cursors, budgets, enqueuedMarkers, pendingEvents], writes: [cursors, budgets, enqueuedMarkers] },
} as const satisfies Record<'webhook' | 'ingest' | 'query' | 'reconcile', ItemAccess>;

/**
 * Items the ingest worker only updates: the webhook's dedupe markers, confirmed when their event's
 * last message arrives (shared/webhook/dedupe.ts). Never put or deleted by the worker.
 */
export const INGEST_UPDATES = [events] as const;

/** Items the reconcile sweep deletes: archive events once it published them, nothing else. */
export const RECONCILE_DELETES = [pendingEvents] as const;

/**
 * What the reconcile function also touches when source cleanup or expiry is on: files' pointers and
 * the STS token (asking Tencent whether a file is gone), meeting items (the cleanup note, the
 * source-deleted flag, expired artifacts), the files' pointers again (an expired artifact changes
 * the address copy a pointer carries, address-copies.ts) and the archive events those changes record.
 */
export const CLEANUP_ITEM_ACCESS = { reads: [fileIds, stsToken], writes: [meeting, fileIds, pendingEvents] } as const satisfies ItemAccess;
