// Pure parts of the query API: parameter validation, response mapping, file names, the OpenAPI
// document and its validator. (The index's pure parts are in test/unit/archive/.)
import { contentDisposition, downloadFileName } from '../../../shared/copy/s3-keys.ts';
import { fileArchive, meetingArchive } from '../../../shared/query/mapping.ts';
import { openApiDocument } from '../../../shared/query/openapi.ts';
import { UserRecordsQuery } from '../../../shared/query/schemas.ts';
import { ApiError } from '../../../shared/query/errors.ts';
import { parseParams, presignTtl } from '../../../shared/query/service.ts';
import { validate, validateResponse } from './json-schema.ts';

describe('parameters', () => {
  const parse = (params: Record<string, string>) => parseParams(UserRecordsQuery, params);
  const message = (params: Record<string, string>) => {
    try {
      parse(params);
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      return (error as ApiError).message;
    }
    throw new Error('expected a 400');
  };

  it('parses Tencent’s parameters and names each problem', () => {
    expect(parse({ userid: 'a', start_time: '1', end_time: '2', page_size: '100', page: '3' })).toEqual({ userid: 'a', start_time: 1, end_time: 2, page_size: 100, page: 3 });
    expect(message({ userid: 'a' })).toBe('missing required parameter start_time; missing required parameter end_time');
    expect(message({ start_time: '1.5', end_time: '2' })).toMatch(/invalid parameter start_time/);
    expect(message({ start_time: '1', end_time: '253402300800' })).toMatch(/end_time must be Unix seconds, at most 253402300799/);
  });

  it('says "Unix seconds" when a time is given in milliseconds or as an ISO date', () => {
    const now = Date.UTC(2026, 11, 1);
    expect(message({ userid: 'a', start_time: String(now), end_time: String(now) })).toMatch(/start_time must be Unix seconds, .*milliseconds: divide it by 1000/);
    expect(message({ userid: 'a', start_time: '0', end_time: '2026-12-01T00:00:00Z' })).toMatch(/end_time must be Unix seconds \(whole seconds since 1970/);
  });

  it('keeps presigned links within (0, 1 h]', () => {
    expect(presignTtl(undefined)).toBe(600);
    expect(presignTtl(30)).toBe(30);
    expect(presignTtl(99_999)).toBe(3600);
    expect(presignTtl(-5)).toBe(600);
    expect(presignTtl(Number.NaN)).toBe(600);
  });
});

describe('mapping', () => {
  it('builds browser file names and RFC 6266 dispositions for any subject', () => {
    const name = downloadFileName('周会: "A/B" <test>', 'video', 'mp4', { recordFileId: '123' });
    expect(name).toBe('周会_ _A_B_ _test_-123.mp4');
    expect(contentDisposition(name)).toBe(`attachment; filename="_ _A_B_ _test_-123.mp4"; filename*=UTF-8''${encodeURIComponent(name)}`);
    expect(downloadFileName('', 'ai_minutes-0-docx', 'docx', { recordFileId: '9' })).toBe('recording-9-ai_minutes-0-docx.docx');
  });

  it('summarises archive state per file and meeting', () => {
    const file = {
      meetingRecordId: 'm', recordFileId: 'f', meetingId: 'x', recordStartTimeMs: 0, recordEndTimeMs: 0, recordSize: 3, sharing: { sharingState: 0 }, updatedAt: '',
      artifacts: {
        video: { artifact: 'video', kind: 'video', fileType: 'mp4', status: 'archived', bucket: 'b', key: 'r/m/f.mp4', bytes: 3, archivedAt: '2024-01-01T00:00:00.000Z' },
        audio: { artifact: 'audio', kind: 'audio', fileType: 'm4a', status: 'copying', bucket: 'b', key: 'r/m/f.m4a' },
      },
    } as const;
    expect(fileArchive(file)).toMatchObject({ status: 'copying', key: 'r/m/f.mp4', bytes: 3, archived_at: null });
    expect(meetingArchive({ sourceDeletedAt: '2024-01-02T00:00:00.000Z' } as never, [file])).toEqual({
      status: 'copying', bucket: 'b', key: 'r/m/', bytes: 3, checksum: null, archived_at: null, source_deleted_at: Date.UTC(2024, 0, 2),
      deleted_by: 'tencent', legal_hold: false, legal_hold_by: null, legal_hold_since: null,
    });
    expect(meetingArchive({} as never, [])).toMatchObject({ status: 'pending', bucket: null, key: null, bytes: null });
  });
});

describe('OpenAPI document', () => {
  const document = openApiDocument();

  it('describes every route with resolvable schemas', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths as object).sort()).toEqual([
      '/openapi.json',
      '/v1/addresses/{record_file_id}',
      '/v1/corp/records',
      '/v1/records',
      '/v1/records/{meeting_record_id}',
      '/v1/records/{meeting_record_id}/legal-hold',
      '/v1/transcripts/{record_file_id}',
    ]);
    expect(Object.keys((document.paths as any)['/v1/records/{meeting_record_id}/legal-hold']).sort()).toEqual(['delete', 'put']);
    const text = JSON.stringify(document);
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([A-Za-z]+)"/g)) expect((document.components as any).schemas[name!]).toBeDefined();
    const parameters = (document.paths as any)['/v1/records'].get.parameters.map((p: any) => [p.name, p.required]);
    expect(parameters).toEqual(expect.arrayContaining([['start_time', true], ['end_time', true], ['meeting_id', false], ['page_size', false], ['subject', false]]));
  });

  it('rejects responses that break the contract (the validator really validates)', () => {
    const good = { error_info: { error_code: 190004, message: 'x' } };
    expect(validateResponse(document, '/v1/records', 400, good)).toEqual([]);
    expect(validateResponse(document, '/v1/records', 400, { error_info: { error_code: '1', message: 'x' } })).not.toEqual([]);
    const list = { total_count: 0, current_size: 0, current_page: 1, total_page: 0, record_meetings: [] };
    expect(validateResponse(document, '/v1/corp/records', 200, list)).toEqual([]);
    expect(validateResponse(document, '/v1/corp/records', 200, { ...list, password: 'x' })).toEqual(['$: unexpected property password']);
    expect(() => validate({ type: 'object', unknownKeyword: 1 }, {}, {})).toThrow(/unknownKeyword/);
  });
});
