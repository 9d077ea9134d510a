// `<DATA_DIR>/local-stack.json`: what `npm start` leaves for tools that target the running local
// stack (`npm run backfill`): its endpoints, resource names and the simulator's credentials. The
// stack writes it on start and removes it on stop; readers treat every key as optional.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCAL_STACK_FILE_NAME = 'local-stack.json';

export interface LocalStackFile {
  readonly dynamodbEndpoint?: string;
  readonly awsEndpoint?: string;
  readonly region?: string;
  readonly tableName?: string;
  readonly ingestQueueUrl?: string;
  /** TENCENT_MEETING_* of the simulator the local stack started. */
  readonly tencentEnv?: Record<string, string>;
}

export function localStackFilePath(dataDir: string): string {
  return join(dataDir, LOCAL_STACK_FILE_NAME);
}

/** The running stack's file in `dataDir`, or nothing known when no stack runs there. */
export function readLocalStackFile(dataDir: string): LocalStackFile {
  const file = localStackFilePath(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LocalStackFile) : {};
}

/** Writes the running stack's file (mode 600: it carries the simulator's credentials); returns how to remove it. */
export function writeLocalStackFile(dataDir: string, contents: LocalStackFile): () => void {
  const file = localStackFilePath(dataDir);
  writeFileSync(file, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
  return () => rmSync(file, { force: true });
}
