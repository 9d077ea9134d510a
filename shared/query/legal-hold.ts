// PUT / DELETE /v1/records/{meeting_record_id}/legal-hold: an operator places or lifts the legal
// hold of one meeting recording. While it is held nothing deletes it: not the `mirror` deletion
// policy, not expiry, not the source cleanup (each reads the hold from the index). In AWS, when the
// bucket has S3 Object Lock, the hold is also an Object Lock legal hold on every archived object of
// the recording, so not even someone with delete rights on the bucket removes them.
//
// Account-wide callers only (IAM, the local bearer token, the JWT admin scope). Idempotent: placing
// a hold again keeps who placed it first; the S3 calls are made every time, so a request that failed
// half-way converges when repeated. The index is written first: it is what the archive's own
// deletions obey.
import { PutObjectLegalHoldCommand, type S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ArchiveIndex } from '../archive/archive-index.ts';
import type { ArchiveMarks } from '../archive/archive-marks.ts';
import type { Caller } from './caller.ts';
import { forbidden, notFound } from './errors.ts';
import { userRecordMeeting } from './mapping.ts';
import type { UserRecordMeeting } from './schemas.ts';

export interface LegalHoldDeps {
  readonly index: ArchiveIndex;
  readonly marks: ArchiveMarks;
  readonly s3: S3Client;
  /** The bucket has S3 Object Lock: the hold goes on the objects too. */
  readonly objectLock: boolean;
  readonly bucketName?: string;
  readonly now?: () => Date;
}

/** Who is asking, as recorded on the hold: the JWT subject, the IAM caller, or the API token's holder. */
export function actorOf(event: APIGatewayProxyEventV2): string {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> }; iam?: { userArn?: string; callerId?: string } } } | undefined)?.authorizer;
  const sub = authorizer?.jwt?.claims?.sub;
  if (typeof sub === 'string' && sub) return `jwt:${sub}`;
  const arn = authorizer?.iam?.userArn ?? authorizer?.iam?.callerId;
  if (arn) return `iam:${arn}`;
  return 'api-token';
}

export async function changeLegalHold(deps: LegalHoldDeps, meetingRecordId: string, on: boolean, caller: Caller, actor: string): Promise<UserRecordMeeting> {
  if (caller.scope !== 'account') throw forbidden('placing or lifting a legal hold needs the admin scope');
  const now = deps.now ?? (() => new Date());
  const change = await deps.marks.setLegalHold(meetingRecordId, on ? { by: actor, since: now().toISOString() } : undefined);
  if (!change) throw notFound(`meeting recording ${meetingRecordId} is not in the archive`);
  const recording = await deps.index.getRecording(meetingRecordId);
  if (!recording) throw notFound(`meeting recording ${meetingRecordId} is not in the archive`);
  if (deps.objectLock) {
    const objects = recording.files.flatMap((f) => Object.values(f.artifacts)).filter((a) => a.status === 'archived' && a.key && (a.bucket ?? deps.bucketName));
    for (const artifact of objects) {
      await deps.s3.send(
        new PutObjectLegalHoldCommand({ Bucket: artifact.bucket ?? deps.bucketName, Key: artifact.key, LegalHold: { Status: on ? 'ON' : 'OFF' } }),
      );
    }
  }
  return userRecordMeeting(recording);
}
