// The JSON Schema of each archive event, as a rule's target receives it (the EventBridge envelope
// with its `detail`), generated from the zod definitions in archive-events.ts. The files under
// docs/events/ are these, written by `npm run events:schemas`; a test fails when they drift.
import * as z from '../validation/zod.ts';
import { ARCHIVE_EVENT_SOURCE, DETAIL_SCHEMAS, DETAIL_TYPES, schemaFileName, type ArchiveEventDetailType } from './archive-events.ts';

export type JsonSchema = Record<string, unknown>;

/** The envelope an EventBridge target receives; EventBridge adds version, account, region and resources. */
function envelopeOf(detailType: ArchiveEventDetailType) {
  return z
    .looseObject({
      id: z.string().check(z.describe('EventBridge: its own id. The local events file: the detail\'s event_id')),
      source: z.literal(ARCHIVE_EVENT_SOURCE),
      'detail-type': z.literal(detailType),
      time: z.iso.datetime().check(z.describe('The detail\'s occurred_at')),
      detail: DETAIL_SCHEMAS[detailType],
    })
    .check(z.meta({ title: `${detailType} (event)` }));
}

/** Every schema by its file name under docs/events/. */
export function archiveEventJsonSchemas(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const detailType of Object.values(DETAIL_TYPES)) {
    const schema = z.toJSONSchema(envelopeOf(detailType), { io: 'output' }) as JsonSchema;
    const detail = (schema.properties as Record<string, JsonSchema>).detail!;
    out[schemaFileName(detailType)] = {
      $schema: schema.$schema,
      $id: `https://tencent-meeting-archive/events/${schemaFileName(detailType)}`,
      title: detailType,
      description: `${String(detail.description ?? '')} Source \`${ARCHIVE_EVENT_SOURCE}\`, detail type \`${detailType}\`.`,
      ...Object.fromEntries(Object.entries(schema).filter(([key]) => !['$schema', 'title', 'description'].includes(key))),
    };
  }
  return out;
}

/** A schema file's text: stable key order as generated, two-space indent, final newline. */
export function schemaFileText(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
