// The OpenAPI 3.1 document of the archive API, generated from the zod schemas the handler uses
// (OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what z.toJSONSchema emits).
import * as z from 'zod';
import {
  AddressesResponse,
  ArchiveInfo,
  ArtifactInfo,
  CorpRecordMeeting,
  CorpRecordsQuery,
  CorpRecordsResponse,
  ErrorResponse,
  FileArchiveInfo,
  RecordFile,
  TranscriptsResponse,
  TranscriptText,
  UserRecordMeeting,
  UserRecordsQuery,
  UserRecordsResponse,
} from './schemas.ts';

type JsonSchema = Record<string, unknown>;

const COMPONENTS = {
  ArchiveInfo,
  FileArchiveInfo,
  ArtifactInfo,
  RecordFile,
  UserRecordMeeting,
  CorpRecordMeeting,
  UserRecordsResponse,
  CorpRecordsResponse,
  AddressesResponse,
  TranscriptText,
  TranscriptsResponse,
  ErrorResponse,
} as const;

const ref = (name: keyof typeof COMPONENTS) => ({ $ref: `#/components/schemas/${name}` });

function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, io: 'output' }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
  );
}

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, { description, ...inner }]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    ...(description ? { description } : {}),
    schema: inner,
  }));
}

const errors = {
  '400': { description: 'A parameter is missing or invalid; the message names it.' },
  '401': { description: 'Missing or wrong credentials.' },
  '403': { description: "JWT mode: the token's scopes do not allow this (another user's recordings, the account-wide list, or no userid claim)." },
  '404': { description: 'Unknown id.' },
  '405': { description: 'Only GET is served (PUT and DELETE on a legal hold).' },
  '500': { description: 'Internal error; no details are exposed.' },
};
const errorResponses = (codes: Array<keyof typeof errors>) =>
  Object.fromEntries(codes.map((code) => [code, { ...errors[code], content: { 'application/json': { schema: ref('ErrorResponse') } } }]));
const ok = (description: string, name: keyof typeof COMPONENTS) => ({ description, content: { 'application/json': { schema: ref(name) } } });
const pathId = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' } });

let cached: JsonSchema | undefined;

export function openApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Tencent Meeting archive API',
      version: '1.0.0',
      description:
        "Tencent Meeting's record APIs, served from the archive: same parameters and response shapes (times in ms, ids as strings), each meeting and file extended with an `archive` object. Sharing passwords and Tencent's links are never served; download links are short-lived presigned S3 URLs of the archived copies.",
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/records': {
        get: {
          operationId: 'listRecords',
          summary: "A user's or meeting's recordings, newest first (Tencent's GET /v1/records).",
          parameters: queryParameters(UserRecordsQuery),
          responses: { '200': ok('One page of recordings.', 'UserRecordsResponse'), ...errorResponses(['400', '401', '403', '405', '500']) },
        },
      },
      '/v1/corp/records': {
        get: {
          operationId: 'listCorpRecords',
          summary: "Every recording of the account, newest first (Tencent's GET /v1/corp/records).",
          parameters: queryParameters(CorpRecordsQuery),
          responses: { '200': ok('One page of recordings.', 'CorpRecordsResponse'), ...errorResponses(['400', '401', '403', '405', '500']) },
        },
      },
      '/v1/records/{meeting_record_id}': {
        get: {
          operationId: 'getRecord',
          summary: 'One meeting recording with every file and artifact.',
          parameters: [pathId('meeting_record_id', 'Meeting recording ID.')],
          responses: { '200': ok('The meeting recording.', 'UserRecordMeeting'), ...errorResponses(['400', '401', '403', '404', '405', '500']) },
        },
      },
      '/v1/records/{meeting_record_id}/legal-hold': {
        put: {
          operationId: 'placeLegalHold',
          summary:
            'Places a legal hold on one meeting recording: nothing deletes it (mirror deletion, expiry, source cleanup) until it is lifted; with S3 Object Lock also an Object Lock legal hold on each archived object. Idempotent (the first placement is kept). Account-wide callers only (JWT: the admin scope).',
          parameters: [pathId('meeting_record_id', 'Meeting recording ID.')],
          responses: { '200': ok('The meeting recording, archive.legal_hold true.', 'UserRecordMeeting'), ...errorResponses(['400', '401', '403', '404', '405', '500']) },
        },
        delete: {
          operationId: 'liftLegalHold',
          summary: 'Lifts the legal hold of one meeting recording (and its objects\' Object Lock legal holds). Idempotent. Account-wide callers only (JWT: the admin scope).',
          parameters: [pathId('meeting_record_id', 'Meeting recording ID.')],
          responses: { '200': ok('The meeting recording, archive.legal_hold false.', 'UserRecordMeeting'), ...errorResponses(['400', '401', '403', '404', '405', '500']) },
        },
      },
      '/v1/addresses/{record_file_id}': {
        get: {
          operationId: 'getAddresses',
          summary: "Download links of one record file's archived copies (Tencent's GET /v1/addresses/{record_file_id}).",
          parameters: [pathId('record_file_id', 'Record file ID.')],
          responses: { '200': ok('Presigned links; artifacts not yet archived are left out.', 'AddressesResponse'), ...errorResponses(['400', '401', '403', '404', '405', '500']) },
        },
      },
      '/v1/transcripts/{record_file_id}': {
        get: {
          operationId: 'getTranscripts',
          summary: "Archive extension: the text of a record file's archived txt transcripts (the first 1 MiB of each), for reading in the console.",
          parameters: [pathId('record_file_id', 'Record file ID.')],
          responses: { '200': ok('Transcript texts; none until a txt transcript is archived.', 'TranscriptsResponse'), ...errorResponses(['400', '401', '403', '404', '405', '500']) },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document.',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description:
            "Local stack: ARCHIVE_API_TOKEN. In AWS the API uses IAM (SigV4) authorization, or a JWT from the configured issuer: scope archive/admin reads the account, archive/read only the recordings hosted by the token's Tencent userid claim.",
        },
      },
    },
  };
  return cached;
}
