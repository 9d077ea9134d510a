// Archive events for `npm start` (ARCHIVE_EVENTS_FILE): each event appended to a JSON-lines file as
// the envelope an EventBridge rule's target would receive, and printed as one console line, so a
// user can `tail -f .data/events.jsonl` or pipe it into `jq`. One appendFile per batch: each line
// is written whole, and several functions of one stack append to the same file.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ArchiveEvent } from './archive-events.ts';
import { ArchiveEventPublishError, assertDocumented, envelopeOf, type ArchiveEventPublisher } from './publisher.ts';

export interface FileEventPublisherOptions {
  readonly path: string;
  /** Where the one-line summary of each event goes. @default stdout */
  readonly print?: (line: string) => void;
}

export class FileEventPublisher implements ArchiveEventPublisher {
  readonly path: string;
  readonly #print: (line: string) => void;

  constructor(options: FileEventPublisherOptions) {
    this.path = options.path;
    this.#print = options.print ?? ((line) => process.stdout.write(`${line}\n`));
  }

  async publish(events: readonly ArchiveEvent[]): Promise<void> {
    if (events.length === 0) return;
    events.forEach(assertDocumented);
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, events.map((event) => `${JSON.stringify(envelopeOf(event))}\n`).join(''));
    } catch (error) {
      throw new ArchiveEventPublishError(`could not append archive events to ${this.path}: ${String(error)}`, events.map((e) => e.detail.event_id), { cause: error });
    }
    for (const event of events) this.#print(summaryLine(event));
  }
}

/** `event Recording Archived  meeting_id=… record_file_id=… artifacts=3 bytes=50331648`. */
export function summaryLine(event: ArchiveEvent): string {
  const { detail } = event;
  const fields: Record<string, unknown> = {
    meeting_id: detail.meeting_id,
    meeting_record_id: detail.meeting_record_id,
    record_file_id: detail.record_file_id,
    artifacts: detail.artifacts.length,
  };
  if (event.detailType === 'Recording Archived') fields.bytes = event.detail.total_bytes;
  if (event.detailType === 'Recording Archive Failed') fields.failure = event.detail.failure.kind;
  if (event.detailType === 'Recording Deleted At Source') fields.deleted_by = event.detail.deleted_by;
  if (event.detailType === 'Recording Removed From Archive') fields.removed_by = event.detail.removed_by;
  const text = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
  return `event ${event.detailType}  ${text}  event_id=${detail.event_id}`;
}
