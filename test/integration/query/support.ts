// Helpers for the query API tests: API Gateway v2 events, and an index seeded through the real
// write path (the calls the ingest worker makes), with a model of what was written.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { QueryHandler } from '../../../functions/query/handler.ts';
import type { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { startSortKey } from '../../../shared/archive/table-design.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);

export interface Response {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: any;
}

/** Every response a test saw, so the OpenAPI test can check them all against the document. */
export const seenResponses: Array<{ path: string; response: Response }> = [];

export function event(path: string, query: Record<string, string | number> = {}, options: { token?: string; method?: string; rawQuery?: string } = {}): APIGatewayProxyEventV2 {
  const rawQueryString = options.rawQuery ?? new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    requestContext: { http: { method: options.method ?? 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' } } as never,
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

const context = { awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

export async function call(handler: QueryHandler, ev: APIGatewayProxyEventV2): Promise<Response> {
  const raw = (await handler(ev, context)) as APIGatewayProxyStructuredResultV2;
  const response = { statusCode: raw.statusCode ?? 0, headers: (raw.headers ?? {}) as Record<string, string>, body: JSON.parse(String(raw.body)) };
  seenResponses.push({ path: ev.rawPath, response });
  return response;
}

export interface SeededRecording {
  readonly meetingRecordId: string;
  readonly meetingId: string;
  readonly meetingCode: string;
  readonly hostUserId: string;
  readonly startMs: number;
  readonly sortKey: string;
}

export const recordId = (i: number) => String(7_000_000_000_000_000_000n + BigInt(i));

/** Newest first, ties broken by id: the archive's documented order. */
export function expectedOrder(rows: readonly SeededRecording[]): SeededRecording[] {
  return [...rows].sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
}

export async function seedRecording(index: ArchiveIndex, r: Omit<SeededRecording, 'sortKey'>, archived: boolean, bucket: string): Promise<SeededRecording> {
  await index.upsertMeetingRecording({
    meetingRecordId: r.meetingRecordId,
    meetingId: r.meetingId,
    meetingCode: r.meetingCode,
    subject: `weekly ${r.meetingRecordId}`,
    hostUserId: r.hostUserId,
    mediaStartTimeMs: r.startMs,
    state: 3,
  });
  const fileId = `${r.meetingRecordId}1`;
  await index.upsertRecordFile({
    meetingRecordId: r.meetingRecordId,
    recordFileId: fileId,
    meetingId: r.meetingId,
    recordStartTimeMs: r.startMs + 1000,
    recordEndTimeMs: r.startMs + 60_000,
    recordSize: 1234,
    sharing: { sharingState: 1, allowDownload: true, hasPassword: true },
  });
  await index.setArtifactStatus(r.meetingRecordId, fileId, {
    artifact: 'video',
    kind: 'video',
    fileType: 'mp4',
    status: archived ? 'archived' : 'copying',
    ...(archived ? { bucket, key: `recordings/${r.meetingRecordId}/${fileId}.mp4`, bytes: 1234, checksum: 'CRC64NVME:AAAAAAAAAAA=', archivedAt: new Date(r.startMs + HOUR).toISOString() } : {}),
  });
  return { ...r, sortKey: startSortKey(r.startMs, r.meetingRecordId) };
}

export async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
