// Reading archive events as a downstream consumer would: the JSON lines the local publisher
// appends, each checked against its committed JSON Schema under docs/events/ (not the zod
// definitions it was generated from, so a schema file that lies fails here).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaFileName, type ArchiveEventDetailType } from '../../shared/events/archive-events.ts';
import { validate } from '../unit/query/json-schema.ts';

export const EVENT_SCHEMAS_DIR = join(__dirname, '..', '..', 'docs', 'events');

export interface EventLine {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': ArchiveEventDetailType;
  readonly time: string;
  readonly detail: Record<string, unknown> & { event_id: string; record_file_id?: string; artifacts: Array<Record<string, unknown>> };
}

export function committedSchema(detailType: ArchiveEventDetailType): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EVENT_SCHEMAS_DIR, schemaFileName(detailType)), 'utf8')) as Record<string, unknown>;
}

/** The problems of one event against its committed schema (empty when it conforms). */
export function schemaProblems<E extends { readonly 'detail-type': ArchiveEventDetailType }>(event: E): string[] {
  const schema = committedSchema(event['detail-type']);
  return validate(schema, event, schema);
}

/** Every line of an events file, each asserted to match its committed schema. */
export function readEventLines(path: string): EventLine[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  return lines.map((line) => {
    const event = JSON.parse(line) as EventLine;
    const problems = schemaProblems(event);
    if (problems.length > 0) throw new Error(`event does not match docs/events/${schemaFileName(event['detail-type'])}: ${problems.join('; ')}\n${line}`);
    return event;
  });
}

export function ofType(events: readonly EventLine[], detailType: ArchiveEventDetailType, recordFileId?: string): EventLine[] {
  return events.filter((e) => e['detail-type'] === detailType && (recordFileId === undefined || e.detail.record_file_id === recordFileId));
}
