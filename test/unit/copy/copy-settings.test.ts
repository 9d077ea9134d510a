// The copy's part size and connections as the ingest function reads them: the defaults the cost
// table chose, overridable, and refused with the variable's name outside S3's and our limits.
import { DEFAULT_COPY_CONNECTIONS, DEFAULT_COPY_PART_SIZE_BYTES, ingestSettings } from '../../../shared/config/environment.ts';

const required = { ARCHIVE_TABLE_NAME: 't', ARCHIVE_BUCKET_NAME: 'b', INGEST_QUEUE_URL: 'q' };

test('unset, a copy uses the chosen part size and connections', () => {
  expect(ingestSettings(required)).toMatchObject({ partSizeBytes: DEFAULT_COPY_PART_SIZE_BYTES, connections: DEFAULT_COPY_CONNECTIONS });
});

test('COPY_PART_SIZE_BYTES and COPY_CONNECTIONS override them', () => {
  expect(ingestSettings({ ...required, COPY_PART_SIZE_BYTES: String(16 * 1024 * 1024), COPY_CONNECTIONS: '3' })).toMatchObject({ partSizeBytes: 16 * 1024 * 1024, connections: 3 });
});

test('values outside the limits are refused, naming the variable', () => {
  expect(() => ingestSettings({ ...required, COPY_PART_SIZE_BYTES: String(4 * 1024 * 1024) })).toThrow(/COPY_PART_SIZE_BYTES/);
  expect(() => ingestSettings({ ...required, COPY_CONNECTIONS: '0' })).toThrow(/COPY_CONNECTIONS/);
  expect(() => ingestSettings({ ...required, COPY_CONNECTIONS: '17' })).toThrow(/COPY_CONNECTIONS/);
});
