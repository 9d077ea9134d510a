// The committed JSON Schemas are what the code generates, and they check what they claim to.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DETAIL_TYPES, schemaFileName } from '../../../shared/events/archive-events.ts';
import { archiveEventJsonSchemas, schemaFileText } from '../../../shared/events/json-schemas.ts';
import { EVENT_SCHEMAS_DIR, schemaProblems } from '../../support/archive-events.ts';

describe('docs/events JSON Schemas', () => {
  test('one committed schema per detail type, each exactly what the zod definitions generate (run npm run events:schemas when this fails)', () => {
    const generated = archiveEventJsonSchemas();
    expect(Object.keys(generated).sort()).toEqual(Object.values(DETAIL_TYPES).map(schemaFileName).sort());
    expect(readdirSync(EVENT_SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json')).sort()).toEqual(Object.keys(generated).sort());
    for (const [name, schema] of Object.entries(generated)) {
      expect({ name, text: readFileSync(join(EVENT_SCHEMAS_DIR, name), 'utf8') }).toEqual({ name, text: schemaFileText(schema) });
    }
  });

  const archived = {
    id: 'a3f0c1d2-0000-4000-8000-000000000001',
    source: 'tencent-meeting-archive',
    'detail-type': 'Recording Archived' as const,
    time: '2026-12-01T10:00:00.000Z',
    detail: {
      event_id: 'a3f0c1d2-0000-4000-8000-000000000001',
      schema_version: 1,
      occurred_at: '2026-12-01T10:00:00.000Z',
      meeting_id: '1',
      meeting_record_id: '2',
      record_file_id: '3',
      subject: 's',
      artifacts: [{ artifact: 'video', kind: 'video', file_type: 'mp4', status: 'archived', bucket: 'b', key: 'recordings/k.mp4', bytes: 10, checksum: 'CRC32:AAAAAA==' }],
      total_bytes: 10,
      archived_at: '2026-12-01T10:00:00.000Z',
    },
  };

  test('a conforming event passes; a missing id, a wrong detail type, an undocumented field or a download link field fails', () => {
    expect(schemaProblems(archived)).toEqual([]);
    const { record_file_id: _dropped, ...withoutFile } = archived.detail;
    expect(schemaProblems({ ...archived, detail: withoutFile })).toEqual(expect.arrayContaining([expect.stringContaining('missing record_file_id')]));
    expect(schemaProblems({ ...archived, 'detail-type': 'Recording Deleted At Source' }).length).toBeGreaterThan(0);
    expect(schemaProblems({ ...archived, detail: { ...archived.detail, download_address: 'https://x/y?sign=z' } })).toEqual(
      expect.arrayContaining([expect.stringContaining('unexpected property download_address')]),
    );
    const artifact = { ...archived.detail.artifacts[0]!, download_url: 'https://x' };
    expect(schemaProblems({ ...archived, detail: { ...archived.detail, artifacts: [artifact] } }).length).toBeGreaterThan(0);
  });
});
