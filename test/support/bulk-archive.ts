// Loads many recordings into an archive table fast, in exactly the shape the ingest worker writes:
// one template recording goes through the real ArchiveIndex (meeting upsert, file upsert, artifact
// archived), its items are read back, and every bulk recording is that template with its ids,
// times and names substituted, written with parallel BatchWriteItem. The counters (counters.ts)
// are computed with the index's own counterDeltas and written with the index's own item layout.
// Going through the index one recording at a time costs three conditional writes and a
// transaction per recording: hours for 100,000 on DynamoDB Local.
import { BatchWriteCommand, DeleteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ArchiveIndex } from '../../shared/archive/archive-index.ts';
import { counterDeltas, counterItems, splitSlotKey } from '../../shared/archive/counters.ts';
import type { StoredMeeting } from '../../shared/archive/archive-items.ts';

export interface BulkRecording {
  readonly meetingRecordId: string;
  readonly recordFileId: string;
  readonly meetingId: string;
  readonly meetingCode: string;
  readonly hostUserId: string;
  readonly subject: string;
  readonly startMs: number;
}

const HOUR = 3_600_000;
// Distinctive template values: each is replaced wherever it occurs in the template's items.
const TEMPLATE: BulkRecording = {
  meetingRecordId: 'TPLRECORDID',
  recordFileId: 'TPLFILEID',
  meetingId: 'TPLMEETINGID',
  meetingCode: 'TPLMEETINGCODE',
  hostUserId: 'TPLHOSTUSER',
  subject: 'TPLSUBJECT',
  startMs: 1_111_111_111_111,
};

async function writeThrough(index: ArchiveIndex, r: BulkRecording, bucket: string): Promise<void> {
  await index.upsertMeetingRecording({ meetingRecordId: r.meetingRecordId, meetingId: r.meetingId, meetingCode: r.meetingCode, subject: r.subject, hostUserId: r.hostUserId, mediaStartTimeMs: r.startMs, state: 3 });
  await index.upsertRecordFile({ meetingRecordId: r.meetingRecordId, recordFileId: r.recordFileId, meetingId: r.meetingId, recordStartTimeMs: r.startMs + 1000, recordEndTimeMs: r.startMs + HOUR, recordSize: 400_000_000, sharing: { sharingState: 0 } });
  await index.setArtifactStatus(r.meetingRecordId, r.recordFileId, {
    artifact: 'video', kind: 'video', fileType: 'mp4', status: 'archived', bucket, key: `recordings/${r.meetingRecordId}/video.mp4`, bytes: 400_000_000, checksum: 'CRC64NVME:AAAAAAAAAAA=', archivedAt: new Date(r.startMs + 2 * HOUR).toISOString(),
  });
}

const pad15 = (ms: number) => String(ms).padStart(15, '0');

/** The substitutions that turn the template into `r` (longest tokens first, so none is a prefix of a later one). */
function substitutions(r: BulkRecording): Array<[string, string]> {
  const t = TEMPLATE;
  return [
    [new Date(t.startMs + 2 * HOUR).toISOString(), new Date(r.startMs + 2 * HOUR).toISOString()],
    [pad15(t.startMs), pad15(r.startMs)],
    [String(t.startMs + HOUR), String(r.startMs + HOUR)],
    [String(t.startMs + 1000), String(r.startMs + 1000)],
    [String(t.startMs), String(r.startMs)],
    [t.meetingCode, r.meetingCode],
    [t.meetingId, r.meetingId],
    [t.meetingRecordId, r.meetingRecordId],
    [t.recordFileId, r.recordFileId],
    [t.hostUserId, r.hostUserId],
    [t.subject, r.subject],
  ];
}

export class BulkArchive {
  readonly #dynamo: DynamoDBDocumentClient;
  readonly #tableName: string;
  #template: string[] = [];
  /** Counter totals so far, per partition: each load rewrites the counter items of the partitions it touched. */
  readonly #totals = new Map<string, Map<string, number>>();

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.#dynamo = dynamo;
    this.#tableName = tableName;
  }

  /** Writes the template through the real index and keeps its items (then removes them and its counters). */
  async prepare(bucket: string): Promise<void> {
    await writeThrough(new ArchiveIndex({ dynamo: this.#dynamo, tableName: this.#tableName }), TEMPLATE, bucket);
    const { Items = [] } = await this.#dynamo.send(new ScanCommand({ TableName: this.#tableName }));
    const recordingItems = Items.filter((item) => !String(item.pk).startsWith('COUNT#'));
    if (!recordingItems.some((item) => item.sk === 'MEETING' && String(item.pk).startsWith('REC#'))) throw new Error('the template recording wrote no MEETING item: update bench/support/bulk-archive.ts');
    this.#template = recordingItems.map((item) => JSON.stringify(item));
    for (const item of Items) await this.#dynamo.send(new DeleteCommand({ TableName: this.#tableName, Key: { pk: item.pk, sk: item.sk } }));
  }

  /** The items the index would hold for `r`. */
  itemsOf(r: BulkRecording): Array<Record<string, unknown>> {
    const subs = substitutions(r);
    return this.#template.map((json) => {
      let out = json;
      for (const [from, to] of subs) out = out.split(from).join(to);
      return JSON.parse(out) as Record<string, unknown>;
    });
  }

  /** Loads `recordings` (new ones) with `parallel` BatchWrite requests in flight; returns the items written. */
  async load(recordings: readonly BulkRecording[], parallel = 16): Promise<number> {
    const touched = new Set<string>();
    const items: Array<Record<string, unknown>> = [];
    for (const r of recordings) {
      const own = this.itemsOf(r);
      items.push(...own);
      const meeting = own.find((item) => item.sk === 'MEETING' && String(item.pk).startsWith('REC#')) as unknown as StoredMeeting;
      for (const [slot, delta] of counterDeltas([], [meeting])) {
        const { partition } = splitSlotKey(slot);
        touched.add(partition);
        let totals = this.#totals.get(partition);
        if (!totals) this.#totals.set(partition, (totals = new Map()));
        totals.set(slot, (totals.get(slot) ?? 0) + delta);
      }
    }
    for (const partition of touched) items.push(...counterItems(this.#totals.get(partition)!));
    // A meeting_id's PROVISIONAL slot names the latest recording it resolved to: one per meeting.
    const byKey = new Map<string, Record<string, unknown>>();
    for (const item of items) {
      const key = `${String(item.pk)}\u0000${String(item.sk)}`;
      const kept = byKey.get(key);
      if (!kept || Number(item.resolvedStartMs ?? 0) >= Number(kept.resolvedStartMs ?? 0)) byKey.set(key, item);
    }
    await this.#batchWrite([...byKey.values()], parallel);
    return byKey.size;
  }

  async #batchWrite(items: ReadonlyArray<Record<string, unknown>>, parallel: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const chunk = items.slice(next, next + 25);
        next += 25;
        let pending: Record<string, unknown>[] | undefined = chunk.map((Item) => ({ PutRequest: { Item } }));
        for (let round = 0; pending && pending.length > 0; round++) {
          if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** round)));
          const out = await this.#dynamo.send(new BatchWriteCommand({ RequestItems: { [this.#tableName]: pending as never } }));
          pending = out.UnprocessedItems?.[this.#tableName] as Record<string, unknown>[] | undefined;
        }
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  }
}
