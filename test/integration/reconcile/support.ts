// Shared fixtures of the reconcile / backfill tests: the real HTTP simulator with a fake clock for
// its rate limits, per-test emulator resources, recordings marked archived through the index's real
// write path (as the ingest worker would), and a drain of the ingest queue.
import type { Context } from 'aws-lambda';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { ArchiveFileMessage } from '../../../shared/ingest/messages.ts';
import { parseTencentConfig } from '../../../shared/tencent/config.ts';
import { startSimulator, type Simulator } from '../../../infra/local/simulator/server.ts';
import type { SimMeetingRecording } from '../../../infra/local/simulator/model.ts';
import { createTestResources, drainQueue as drainAll } from '../../support/aws.ts';
import { indexRecording } from '../../support/indexed-recording.ts';
import { profileFromEnvironment } from '../../support/simulator.ts';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** A clock that moves only when told to (or when a sleep "passes"). */
export class FakeClock {
  ms: number;
  constructor(startMs: number) {
    this.ms = startMs;
  }
  readonly now = (): number => this.ms;
  readonly sleep = async (ms: number): Promise<void> => {
    this.ms += Math.max(0, ms);
  };
  advance(ms: number): void {
    this.ms += ms;
  }
}

export async function setup(clock: FakeClock): Promise<{
  sim: Simulator;
  resources: Awaited<ReturnType<typeof createTestResources>>;
  index: ArchiveIndex;
  tencentConfig: ReturnType<typeof parseTencentConfig>;
}> {
  // Signatures use the real clock (the simulator checks ±5 min); only the per-minute limits are faked.
  const sim = await startSimulator({ ...profileFromEnvironment(), rateLimitNow: clock.now, seed: `reconcile-${Math.random()}` });
  const resources = await createTestResources();
  const index = new ArchiveIndex({ dynamo: resources.clients.dynamo, tableName: resources.tableName });
  return { sim, resources, index, tencentConfig: parseTencentConfig(sim.env()) };
}

/** Writes what the ingest worker writes when a file is fully archived. */
export async function markArchived(index: ArchiveIndex, recording: SimMeetingRecording, bucket: string): Promise<void> {
  await indexRecording(index, recording);
  for (const file of recording.files) {
    await index.setArtifactStatus(recording.meetingRecordId, file.recordFileId, {
      artifact: 'video',
      kind: 'video',
      fileType: 'mp4',
      status: 'archived',
      bucket,
      key: `test/${file.recordFileId}.mp4`,
      bytes: file.recordSize,
      expectedBytes: file.recordSize,
    });
  }
}

/** Every message on the queue (received and deleted), parsed against the contract. */
export async function drainQueue(resources: Awaited<ReturnType<typeof createTestResources>>): Promise<ArchiveFileMessage[]> {
  return (await drainAll(resources, { emptyReceives: 2 })).map((body) => ArchiveFileMessage.parse(body));
}

export function lambdaContext(remainingMs: number, id = `inv-${Math.random().toString(36).slice(2)}`): Context {
  return { awsRequestId: id, getRemainingTimeInMillis: () => remainingMs } as unknown as Context;
}

/** Logger and metrics stay quiet in tests. */
export function quietEnv(): void {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
}
