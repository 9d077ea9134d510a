// The archive API's routes: which path runs which service call, for which methods. The query
// handler (functions/query/handler.ts) applies one policy to whatever route a path names: unknown
// path 404, a method the route does not take 405, then the token.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Caller } from './caller.ts';
import { actorOf } from './legal-hold.ts';
import { openApiDocument } from './openapi.ts';
import { createRouteMatcher } from './route-matcher.ts';
import type { ArchiveQueryService, QueryParams } from './service.ts';

export type RouteRun = (
  service: ArchiveQueryService,
  query: QueryParams,
  path: Readonly<Record<string, string>>,
  caller: Caller,
  event: APIGatewayProxyEventV2,
) => Promise<unknown>;

export interface ApiRoute {
  /** GET (and HEAD). */
  readonly run?: RouteRun;
  /** The writes a route takes (a legal hold's PUT and DELETE). */
  readonly writes?: Partial<Record<'PUT' | 'DELETE', RouteRun>>;
  /** Served without the bearer token. */
  readonly public?: boolean;
}

const legalHold = (on: boolean): RouteRun => (s, _q, p, c, event) => s.setLegalHold(p.meeting_record_id!, on, c, actorOf(event));

export const matchApiRoute = createRouteMatcher<ApiRoute>([
  { path: '/v1/records', route: { run: (s, q, _p, c) => s.listUserRecords(q, c) } },
  { path: '/v1/corp/records', route: { run: (s, q, _p, c) => s.listCorpRecords(q, c) } },
  { path: '/v1/records/{meeting_record_id}', route: { run: (s, _q, p, c) => s.getRecord(p.meeting_record_id!, c) } },
  { path: '/v1/records/{meeting_record_id}/legal-hold', route: { writes: { PUT: legalHold(true), DELETE: legalHold(false) } } },
  { path: '/v1/addresses/{record_file_id}', route: { run: (s, _q, p, c) => s.getAddresses(p.record_file_id!, c) } },
  { path: '/v1/transcripts/{record_file_id}', route: { run: (s, _q, p, c) => s.getTranscripts(p.record_file_id!, c) } },
  { path: '/openapi.json', route: { run: async () => openApiDocument(), public: true }, noTrailingSlash: true },
]);

/** What the route runs for `method`; undefined when it does not take that method (405). */
export function runnerOf(route: ApiRoute, method: string): RouteRun | undefined {
  return method === 'GET' || method === 'HEAD' ? route.run : route.writes?.[method as 'PUT' | 'DELETE'];
}
