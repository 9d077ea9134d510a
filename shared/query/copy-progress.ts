// How far a copy in parts has got, read from its resumable checkpoint (shared/copy/checkpoint-store.ts
// writes it after every part): one small GetItem per artifact still copying, none for the rest.
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../archive/table-design.ts';
import type { RecordFileRecord } from '../archive/model.ts';
import type { CopyProgress } from './mapping.ts';

export type CopyProgressReader = (files: readonly RecordFileRecord[]) => Promise<CopyProgress>;

export function checkpointProgressReader(dynamo: DynamoDBDocumentClient, tableName: string): CopyProgressReader {
  return async (files) => {
    const copying = files.flatMap((file) => Object.values(file.artifacts).filter((a) => a.status === 'copying').map((a) => ({ file: file.recordFileId, artifact: a.artifact })));
    const found = await Promise.all(
      copying.map(async ({ file, artifact }) => {
        const out = await dynamo.send(new GetCommand({ TableName: tableName, Key: keys.copyCheckpoint(file, artifact), ProjectionExpression: 'bytesDone' }));
        const bytes = Number(out.Item?.bytesDone);
        return Number.isFinite(bytes) ? ([`${file}/${artifact}`, bytes] as [string, number]) : undefined;
      }),
    );
    return new Map(found.filter((entry): entry is [string, number] => entry !== undefined));
  };
}
