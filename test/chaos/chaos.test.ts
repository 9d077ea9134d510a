// Resilience: a seeded chaos run of the whole ingest path (issue 8). Fifty-odd meetings, files from
// a few KB to 1 GiB, webhooks delivered duplicated, reordered and retried in both encodings, while
// the simulator resets, truncates, throttles and fails downloads, answers REST calls with 5xx and
// rate limits, expires links, and ingest invocations are killed at random points (a short Lambda
// timeout: the runner stops waiting wherever the handler is and deletes nothing of the batch). Afterwards every artifact
// must be archived exactly once with exact bytes, the index must match the simulator's truth, and
// nothing may be left behind: no DLQ message, checkpoint, lease or open multipart upload.
//
// Reproduce a failure with the printed seed: CHAOS_SEED=<seed> npx jest test/chaos/chaos.test.ts
// (the plan, sizes, event order and fault choices follow the seed; thread timing does not).
import { createHash, randomBytes } from 'node:crypto';
import { queueDepth, scanPrefix } from '../support/chaos-kit.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse } from 'aws-lambda';
import { startHarness, type Harness } from '../support/ingest-harness.ts';
import { createLambdaContext } from '../../infra/local/lambda-context.ts';
import { toSqsRecord } from '../../infra/local/queue-poller.ts';
import { createIngestHandler, type IngestHandler } from '../../functions/ingest/handler.ts';
import { seededSha256 } from '../../infra/local/simulator/seeded-bytes.ts';
import * as webhookEvents from '../../infra/local/simulator/webhook-events.ts';
import type { TencentWebhookEvent } from '../../infra/local/simulator/webhook-events.ts';
import type { SimFileSpec, SimMeetingRecording, SimRecordFile } from '../../infra/local/simulator/model.ts';
import type { SimEndpoint } from '../../infra/local/simulator/faults.ts';
import { fileStatus } from '../../shared/archive/model.ts';
import type { ProfileName } from '../../infra/local/simulator/profiles.ts';
import { archiveNameOf } from '../support/archive-names.ts';
import { SPARE_BUFFERS } from '../../shared/copy/part-uploader.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const PART_BYTES = 10 * MiB;
const COPY_CONCURRENCY = 4;
/**
 * One chaos run per entry: the full run under the profile the suite runs with (SIMULATOR_PROFILE,
 * default sdk), and a smaller one under `wild`, every reading production traffic has shown at
 * once (inexact record_size, series times in recurring meetings' events, reordered and growing
 * transcript lists, 5-minute links), scaled to add about a minute to the suite.
 */
interface ChaosRun {
  readonly label: string;
  readonly profile?: ProfileName;
  readonly meetings: number;
  /** One file of 1 GiB. */
  readonly huge: boolean;
  readonly largeFiles: number;
  /** Share of meetings that are occurrences of a recurring meeting. */
  readonly recurringShare: number;
  /** Hard bound on the run; the test fails with diagnostics rather than hang. */
  readonly runLimitMs: number;
  /** Faults and kills keep coming this long after the last delivery, then the system must converge. */
  readonly chaosAfterDeliveriesMs: number;
}

const CHAOS_RUNS: readonly ChaosRun[] = [
  {
    label: process.env.SIMULATOR_PROFILE ?? 'sdk',
    meetings: 54,
    huge: true,
    largeFiles: 4,
    recurringShare: 0.2,
    runLimitMs: 200_000,
    chaosAfterDeliveriesMs: 15_000,
  },
  { label: 'wild', profile: 'wild', meetings: 14, huge: false, largeFiles: 1, recurringShare: 0.5, runLimitMs: 150_000, chaosAfterDeliveriesMs: 6_000 },
];

// ---------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32): the plan is reproducible from the printed seed.

const SEED = process.env.CHAOS_SEED ?? randomBytes(6).toString('hex');

function prng(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32BE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Re-seeded per run (`<seed>:<label>`), so each run's plan follows the seed even when run alone. */
let rand = prng(SEED);
const chance = (p: number) => rand() < p;
const between = (min: number, max: number) => Math.floor(min + rand() * (max - min + 1));
const logUniform = (min: number, max: number) => Math.round(Math.exp(Math.log(min) + rand() * (Math.log(max) - Math.log(min))));
function pick<T>(items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// The tally.

class Tally {
  readonly counts = new Map<string, number>();
  add(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }
  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}

interface TraceLine {
  readonly atMs: number;
  readonly message: string;
  readonly extra: Record<string, unknown>;
}

/**
 * A silent Powertools logger that counts every message by its text (the product's log lines) and
 * keeps those about a record file, to explain a failure file by file.
 */
function countingLogger(tally: Tally, trace: Map<string, TraceLine[]>): Logger {
  const logger = new Logger({ serviceName: 'chaos', logLevel: (process.env.TEST_LOG_LEVEL as 'SILENT' | undefined) ?? 'SILENT' });
  for (const level of ['info', 'warn', 'error'] as const) {
    const original = logger[level].bind(logger) as (...args: unknown[]) => void;
    (logger as unknown as Record<string, unknown>)[level] = (input: unknown, ...extra: unknown[]) => {
      const message = typeof input === 'string' ? input : JSON.stringify(input);
      const fields = Object.assign({}, ...extra.filter((e) => typeof e === 'object' && e !== null)) as Record<string, unknown>;
      // A deferral is counted by its reason: a run that defers forever says why.
      tally.add(`log:${message}${typeof fields.reason === 'string' && message.startsWith('deferring') ? ` (${fields.reason.slice(0, 80)})` : ''}`);
      const fileId = fields.recordFileId;
      if (typeof fileId === 'string') {
        const lines = trace.get(fileId) ?? [];
        if (lines.length < 400) lines.push({ atMs: Date.now(), message, extra: fields });
        trace.set(fileId, lines);
      }
      original(input, ...extra);
    };
  }
  return logger;
}

// ---------------------------------------------------------------------------------------------
// The plan: meetings and what Tencent will say about them.

function planFile(kind: 'small' | 'medium' | 'large' | 'huge'): SimFileSpec {
  const sizeBytes =
    kind === 'huge' ? GiB : kind === 'large' ? between(20 * MiB, 40 * MiB) : kind === 'medium' ? between(4 * MiB, 12 * MiB) : logUniform(2 * KiB, 4 * MiB);
  return {
    sizeBytes,
    ...(chance(0.3) ? { audioBytes: logUniform(1 * KiB, 2 * MiB) } : {}),
    ...(chance(0.25) ? { transcripts: [{ fileType: pick(['txt', 'pdf'] as const), sizeBytes: logUniform(200, 64 * KiB) }] } : {}),
    ...(chance(0.15) ? { aiMinutes: [{ fileType: 'docx' as const }] } : {}),
  };
}

interface Delivery {
  readonly event: TencentWebhookEvent;
  /** Tencent's retries of the same event (same trace_id), back to back. */
  readonly copies: number;
}

type Action = { readonly kind: 'deliver'; readonly delivery: Delivery } | { readonly kind: 'delete'; readonly recording: SimMeetingRecording; readonly file: SimRecordFile };

// ---------------------------------------------------------------------------------------------

describe('chaos', () => {
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.stop();
  });

  it.each(CHAOS_RUNS)(`archives every file exactly once with exact bytes under duplicated, reordered webhooks, download and REST faults and killed workers: $label profile (seed ${SEED})`, async (run) => {
    const { meetings: MEETINGS, runLimitMs: RUN_LIMIT_MS, chaosAfterDeliveriesMs: CHAOS_AFTER_DELIVERIES_MS } = run;
    rand = prng(`${SEED}:${run.label}`);
    await h?.stop();
    h = undefined;
    console.log(`chaos seed ${SEED}, ${run.label} profile (CHAOS_SEED=${SEED} reproduces the plan)`);
    const started = Date.now();
    const tally = new Tally();
    const trace = new Map<string, TraceLine[]>();
    const logger = countingLogger(tally, trace);
    const explain = (recordFileIds: Iterable<string>) =>
      [...new Set(recordFileIds)]
        .map((id) =>
          [`trace of record file ${id}:`, ...(trace.get(id) ?? []).map((l) => {
            const { recordFileId: _id, meetingId: _m, meetingRecordId: _r, ...rest } = l.extra;
            return `  +${l.atMs - started}ms ${l.message} ${JSON.stringify(rest)}`;
          })].join('\n'),
        )
        .join('\n');
    h = await startHarness({
      simulator: { seed: `chaos-${SEED}-${run.label}`, linkTtlMs: 3000, ...(run.profile ? { profile: run.profile } : {}) },
      aesMode: chance(0.5),
      copy: { concurrency: COPY_CONCURRENCY, partSizeBytes: 8 * MiB, maxPartSizeBytes: PART_BYTES },
      logger,
      leaseMs: 60_000,
    });
    const harness = h;
    const { sim } = harness;

    // --- Meetings: mostly small files, some medium, a few large, one of 1 GiB. -----------------
    const hugeAt = run.huge ? between(0, MEETINGS - 1) : -1;
    const largeAt = new Set(Array.from({ length: run.largeFiles }, () => between(0, MEETINGS - 1)));
    const recordings: SimMeetingRecording[] = [];
    for (let i = 0; i < MEETINGS; i += 1) {
      const specs: SimFileSpec[] = [];
      specs.push(planFile(i === hugeAt ? 'huge' : largeAt.has(i) ? 'large' : chance(0.15) ? 'medium' : 'small'));
      if (chance(0.3)) specs.push(planFile(chance(0.1) ? 'medium' : 'small'));
      recordings.push(
        sim.model.createMeeting({
          subject: `chaos ${i} 会议 ${SEED}`,
          hostUserId: pick(['alice', 'bob', sim.credentials.operatorId]),
          files: specs,
          ...(chance(run.recurringShare) ? { recurring: true } : {}),
        }),
      );
    }

    // --- Webhook traffic: duplicates, Tencent retries, reordering, deletions, renames. ------------
    const actions: Action[] = [];
    const deliver = (event: TencentWebhookEvent) => {
      actions.push({ kind: 'deliver', delivery: { event, copies: chance(0.2) ? between(2, 3) : 1 } });
      // The same news again under a new trace_id (e.g. Tencent re-sent it later).
      if (chance(0.1)) {
        actions.push({ kind: 'deliver', delivery: { event: { ...event, trace_id: randomTraceId() }, copies: 1 } });
        tally.add('events re-sent under a new trace_id');
      }
    };
    const randomTraceId = () => `chaos-${Math.floor(rand() * 2 ** 52).toString(36)}-${Math.floor(rand() * 2 ** 52).toString(36)}`;
    const deleted = new Set<string>();
    const eventMeeting = (recording: SimMeetingRecording) => webhookEvents.meetingFromRecording(recording, undefined, sim.settings.readings);
    for (const recording of recordings) {
      const meeting = eventMeeting(recording);
      const fileIds = recording.files.map((f) => f.recordFileId);
      if (chance(0.4)) deliver(webhookEvents.recordingStatusEvent('recording.started', meeting, { traceId: randomTraceId() }));
      if (chance(0.3)) deliver(webhookEvents.recordingStatusEvent('recording.stopped', meeting, { traceId: randomTraceId() }));
      deliver(webhookEvents.recordingCompletedEvent(meeting, fileIds, { traceId: randomTraceId() }));
      const withTranscripts = recording.files.filter((f) => f.artifacts.some((a) => a.kind === 'transcript')).map((f) => f.recordFileId);
      if (withTranscripts.length > 0) deliver(webhookEvents.smartTranscriptsEvent(meeting, withTranscripts, { traceId: randomTraceId() }));
      const withMinutes = recording.files.filter((f) => f.artifacts.some((a) => a.kind === 'ai_minutes')).map((f) => f.recordFileId);
      if (withMinutes.length > 0) deliver(webhookEvents.smartFullSummaryEvent(meeting, withMinutes, { traceId: randomTraceId() }));
      if (chance(0.15)) {
        sim.model.updateSubject(recording.meetingRecordId, `${recording.subject} (renamed)`);
        deliver(webhookEvents.recordingUpdatedEvent(eventMeeting(recording), recording.meetingRecordId, { traceId: randomTraceId() }));
      }
      // A few second files are deleted at Tencent while the run goes on.
      if (recording.files.length > 1 && recording.files[1]!.recordSize < 64 * MiB && deleted.size < 3 && chance(0.4)) {
        const file = recording.files[1]!;
        deleted.add(file.recordFileId);
        actions.push({ kind: 'delete', recording, file });
      }
    }
    shuffle(actions);

    // --- Fault injection. ------------------------------------------------------------------------
    let chaosOn = true;
    let throttledUntil = 0;
    let expiredUntil = 0;
    const downloadFaults = sim.downloads.faults;
    const restEndpoints: ReadonlyArray<SimEndpoint | '*'> = ['records', 'fileAddress', '*'];
    function injectFault(): void {
      const now = Date.now();
      if (throttledUntil && now >= throttledUntil) {
        downloadFaults.throttle({});
        throttledUntil = 0;
      }
      if (expiredUntil && now >= expiredUntil) {
        downloadFaults.expireAllLinks(false);
        expiredUntil = 0;
      }
      const roll = rand();
      if (roll < 0.2) {
        const times = between(1, 3);
        downloadFaults.resetAfterBytes(logUniform(16 * KiB, 6 * MiB), { times });
        tally.add('fault:download reset (armed)', times);
      } else if (roll < 0.32) {
        const times = between(1, 2);
        downloadFaults.truncateAfterBytes(logUniform(16 * KiB, 6 * MiB), { times });
        tally.add('fault:download truncated body (armed)', times);
      } else if (roll < 0.47) {
        const times = between(1, 4);
        downloadFaults.failNext(times, pick([500, 502, 503]));
        tally.add('fault:download 5xx (armed)', times);
      } else if (roll < 0.62) {
        const times = between(1, 3);
        sim.faults.serverErrors(pick(restEndpoints), times, { status: pick([500, 502, 503]) });
        tally.add('fault:REST 5xx (armed)', times);
      } else if (roll < 0.74) {
        const times = between(1, 2);
        sim.faults.rateLimit(pick(restEndpoints), times, { errorCode: 190310, retryAfterSec: 1 });
        tally.add('fault:REST rate limit 190310 (armed)', times);
      } else if (roll < 0.9) {
        if (!throttledUntil) {
          downloadFaults.throttle({ bytesPerSecond: between(8, 24) * MiB, firstByteLatencyMs: between(0, 150) });
          throttledUntil = now + between(800, 2500);
          tally.add('fault:slow streams (windows)');
        }
      } else if (!expiredUntil) {
        downloadFaults.expireAllLinks(true);
        expiredUntil = now + between(80, 300);
        tally.add('fault:all links expired (windows)');
        // A response already streaming outlives its link: the copies meet the expiry when they ask
        // again, so the streams in flight drop with it.
        tally.add('fault:streams dropped', downloadFaults.resetOpenStreams());
      }
    }
    const monkey = (async () => {
      while (chaosOn) {
        injectFault();
        await sleep(between(150, 500));
      }
      downloadFaults.clear();
      sim.faults.reset();
    })();

    // --- Lambda-like invocations: some run to their end, some get a short timeout and hand over,
    // some are killed (the runner abandons them at a random point; the batch is not deleted). -------
    const graceful: IngestHandler = createIngestHandler({ service: harness.service, logger, deadlineMarginMs: 60_000 });
    const { sqs } = harness.resources.clients;
    const queueUrl = harness.resources.ingestQueueUrl;
    let stopWorkers = false;
    let inFlight = 0;

    async function invokeOnce(): Promise<void> {
      // Like Lambda: the visibility timeout outlives the invocation (AWS asks for 6 × the function
      // timeout), so no other worker receives a batch while it is being handled; a killed or failed
      // batch comes back once its visibility timeout is over.
      const roll = rand();
      // Until one invocation has really been killed mid-way, every chaotic one is killed early: a
      // small run's copies can all finish inside a random kill's timeout, and a run without a kill
      // proves nothing about resumption.
      const noKillYet = chaosOn && tally.get('invocations killed mid-way') === 0;
      let mode = !chaosOn ? 'calm' : noKillYet || roll < 0.25 ? 'killed' : roll < 0.55 ? 'short' : 'normal';
      const pickTimeout = () =>
        mode === 'killed' ? (noKillYet ? between(50, 250) : between(300, 4000)) : mode === 'short' ? between(3000, 8000) : mode === 'normal' ? between(6000, 12_000) : 10_000;
      let timeoutMs = pickTimeout();
      const visibilitySeconds = Math.ceil(Math.max(timeoutMs, mode === 'killed' ? 8000 : 0) / 1000) + 1;
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: between(1, 3),
          WaitTimeSeconds: 1,
          VisibilityTimeout: visibilitySeconds,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const messages: Message[] = received.Messages ?? [];
      if (messages.length === 0) return;
      inFlight += 1;
      try {
        // A worker is killed at a random point, but not on the same message over and over: after
        // five receives SQS moves it to the DLQ, Lambda's bound on retries, not a fault of ours.
        const maxReceives = Math.max(...messages.map((m) => Number(m.Attributes?.ApproximateReceiveCount ?? '1')));
        if (mode === 'killed' && maxReceives > 2) {
          mode = 'short';
          timeoutMs = pickTimeout();
        }
        const handler = graceful;
        tally.add('ingest invocations');
        tally.add('messages received', messages.length);
        for (const m of messages) if (Number(m.Attributes?.ApproximateReceiveCount ?? '1') > 1) tally.add('message redeliveries');
        // A killed worker believes it has 15 s; it is stopped after `timeoutMs` wherever it is. Others
        // know their real timeout and hand over before it (checkpoint + continuation).
        const { context } = createLambdaContext({ functionName: 'ingest', timeoutMs: mode === 'killed' ? 15_000 : timeoutMs });
        const event = { Records: messages.map((m) => toSqsRecord(m, harness.queueArn, 'us-east-1')) };
        let timer: NodeJS.Timeout | undefined;
        const killedAt = new Promise<'killed'>((resolve) => {
          timer = setTimeout(() => resolve('killed'), timeoutMs);
        });
        // In-process, a killed invocation keeps running unobserved (Lambda would freeze it): its late
        // result is ignored, and the batch is not deleted.
        const run = handler(event, context).catch((error: unknown) => {
          tally.add(`handler threw: ${error instanceof Error ? error.message.slice(0, 120) : String(error)}`);
          return 'threw' as const;
        });
        const outcome = await Promise.race([run, killedAt]);
        clearTimeout(timer);
        if (outcome === 'killed' || outcome === 'threw') {
          tally.add(outcome === 'killed' ? 'invocations killed mid-way' : 'invocations that threw');
          tally.add('messages returned to the queue', messages.length);
          return;
        }
        const response: SQSBatchResponse = outcome;
        const failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        tally.add('messages returned to the queue', failedIds.size);
        const done = messages.filter((m) => !failedIds.has(m.MessageId!));
        if (done.length > 0) {
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
        }
      } finally {
        inFlight -= 1;
      }
    }
    const workers = Array.from({ length: 2 }, async () => {
      while (!stopWorkers) await invokeOnce();
    });

    // --- Deliver the webhooks while the workers run. ----------------------------------------------
    for (const action of actions) {
      if (action.kind === 'delete') {
        sim.model.deleteFile(action.file.recordFileId);
        // A copy streaming the file keeps its response; a drop makes it ask again and meet the 404.
        tally.add('fault:streams dropped', downloadFaults.resetOpenStreams());
        const response = await harness.deliver(webhookEvents.recordingDeletedEvent(eventMeeting(action.recording), [action.file.recordFileId], { traceId: randomTraceId() }));
        expect(response.statusCode).toBe(200);
        tally.add('webhook deliveries');
        tally.add('files deleted at the source');
        continue;
      }
      const { event, copies } = action.delivery;
      for (let i = 0; i < copies; i += 1) {
        const response = await harness.deliver(event, { mode: chance(0.5) ? 'aes' : 'plain' });
        expect(response).toMatchObject({ statusCode: 200 });
        tally.add('webhook deliveries');
        if (i > 0) tally.add('webhook retries (same trace_id)');
      }
      tally.add('events');
      await sleep(between(0, 40));
    }
    const deliveriesDoneAt = Date.now();

    // What the product logged, by message: the first thing to read when an assertion below fails.
    const printProductLog = () =>
      console.log(
        `chaos log lines (seed ${SEED}):\n` +
          [...tally.counts.entries()]
            .filter(([k]) => k.startsWith('log:') || k.startsWith('handler threw'))
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => `  ${String(v).padStart(6)}  ${k.slice(4)}`)
            .join('\n'),
      );

    // --- Chaos until a while after the last delivery, then calm: the system must converge. -------
    let quietSince: number | undefined;
    for (;;) {
      if (Date.now() - started > RUN_LIMIT_MS) {
        stopWorkers = true;
        chaosOn = false;
        printProductLog();
        throw new Error(
          `chaos run did not converge within ${RUN_LIMIT_MS / 1000} s (seed ${SEED}): queue ${await queueDepth(harness, queueUrl)}, ` +
            `leases ${(await scanPrefix(harness, 'LEASE#')).length}, checkpoints ${(await scanPrefix(harness, 'COPY#')).length}`,
        );
      }
      if (chaosOn && Date.now() - deliveriesDoneAt > CHAOS_AFTER_DELIVERIES_MS) chaosOn = false;
      await sleep(1000);
      if (chaosOn) continue;
      const idle = inFlight === 0 && (await queueDepth(harness, queueUrl)) === 0 && (await scanPrefix(harness, 'LEASE#')).length === 0;
      if (!idle) {
        quietSince = undefined;
        continue;
      }
      quietSince ??= Date.now();
      // Idle twice in a row, 2 s apart: a killed invocation still winding down would have shown.
      if (Date.now() - quietSince >= 2000) break;
    }
    stopWorkers = true;
    await Promise.all(workers);
    await monkey;
    const convergedMs = Date.now() - started;
    printProductLog();

    // --- Nothing left behind. ----------------------------------------------------------------------
    const dlq = await queueDepth(harness, harness.resources.ingestDeadLetterQueueUrl);
    let dlqBodies: string[] = [];
    if (dlq > 0) {
      const peek = await sqs.send(new ReceiveMessageCommand({ QueueUrl: harness.resources.ingestDeadLetterQueueUrl, MaxNumberOfMessages: 10 }));
      dlqBodies = (peek.Messages ?? []).map((m) => m.Body ?? '');
    }
    expect({ dlq, dlqBodies }).toEqual({ dlq: 0, dlqBodies: [] });
    expect(await queueDepth(harness, queueUrl)).toBe(0);
    const leftovers = [...(await scanPrefix(harness, 'COPY#')), ...(await scanPrefix(harness, 'LEASE#'))];
    if (leftovers.length > 0) console.log(explain(leftovers.map((item) => String(item.pk).split("#")[1] ?? "")));
    expect(leftovers.map((item) => ({ pk: item.pk, phase: item.phase, uploadId: item.uploadId, owner: item.owner }))).toEqual([]);

    // --- The index matches Tencent's truth; every artifact is archived once, byte for byte. -------
    const { s3 } = harness.resources.clients;
    const bucket = harness.resources.bucketName;
    const expectedObjects = new Map<string, { seed: string; size: number }>();
    let artifactsArchived = 0;
    let bytesArchived = 0;
    for (const recording of recordings) {
      const meeting = await harness.index.getMeetingRecording(recording.meetingRecordId);
      expect(meeting).toMatchObject({ meetingId: recording.meetingId, subject: recording.subject, state: 3, recordingStatus: 'completed' });
      const indexed = await harness.index.listFiles(recording.meetingRecordId);
      const live = recording.files;
      for (const simFile of live) {
        try {
          verifyIndexedFile(simFile);
        } catch (error) {
          console.log(explain([simFile.recordFileId]));
          throw error;
        }
      }
      function verifyIndexedFile(simFile: SimRecordFile): void {
        const file = indexed.find((f) => f.recordFileId === simFile.recordFileId);
        expect({ recordFileId: simFile.recordFileId, indexed: file !== undefined }).toEqual({ recordFileId: simFile.recordFileId, indexed: true });
        expect({ id: file!.recordFileId, status: fileStatus(file!), size: file!.recordSize, deleted: file!.sourceDeletedAt }).toEqual({
          id: simFile.recordFileId,
          status: 'archived',
          // record_size as Tencent lists it, which the profile may skew from the bytes served.
          size: Math.max(0, simFile.recordSize + sim.settings.readings.recordSizeSkewBytes),
          deleted: undefined,
        });
        expect(Object.keys(file!.artifacts).sort()).toEqual(simFile.artifacts.map(archiveNameOf).sort());
        for (const simArtifact of simFile.artifacts) {
          const archived = file!.artifacts[archiveNameOf(simArtifact)]!;
          expect({ artifact: simArtifact.key, status: archived.status, bytes: archived.bytes, bucket: archived.bucket }).toEqual({
            artifact: simArtifact.key,
            status: 'archived',
            bytes: simArtifact.size,
            bucket,
          });
          expect(expectedObjects.has(archived.key!)).toBe(false);
          expectedObjects.set(archived.key!, { seed: simArtifact.seed, size: simArtifact.size });
          artifactsArchived += 1;
          bytesArchived += simArtifact.size;
        }
      }
      // Files Tencent deleted: flagged (or never indexed); what was archived before stays (retain).
      for (const file of indexed.filter((f) => !live.some((l) => l.recordFileId === f.recordFileId))) {
        expect({ id: file.recordFileId, deleted: deleted.has(file.recordFileId), flagged: file.sourceDeletedAt !== undefined }).toEqual({
          id: file.recordFileId,
          deleted: true,
          flagged: true,
        });
        const simFile = sim.model.deletedFiles.get(file.recordFileId)!;
        for (const artifact of Object.values(file.artifacts)) {
          expect(artifact.status).not.toBe('copying');
          if (artifact.status !== 'archived') continue;
          const simArtifact = simFile.artifacts.find((a) => archiveNameOf(a) === artifact.artifact)!;
          expect(artifact.bytes).toBe(simArtifact.size);
          expectedObjects.set(artifact.key!, { seed: simArtifact.seed, size: simArtifact.size });
        }
      }
    }

    // One object per archived artifact, and no other object (no orphan of a killed copy).
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(keys.sort()).toEqual([...expectedObjects.keys()].sort());

    // Exact bytes: SHA-256 of every object against the simulator's seeded bytes, biggest first and
    // deleted right after, so fauxqs (which holds objects in memory) lets go of the 1 GiB at once.
    const bySize = [...expectedObjects.entries()].sort((a, b) => b[1].size - a[1].size);
    const hashObject = async (key: string): Promise<string> => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const hash = createHash('sha256');
      for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
      return hash.digest('hex');
    };
    const verifyOne = async ([key, { seed, size }]: [string, { seed: string; size: number }]) => {
      const [actual, expected] = await Promise.all([hashObject(key), seededSha256(seed, size)]);
      expect({ key, sha256: actual }).toEqual({ key, sha256: expected });
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    };
    for (let i = 0; i < bySize.length; i += 6) await Promise.all(bySize.slice(i, i + 6).map(verifyOne));

    // No multipart upload left open: fauxqs refuses to delete a bucket that still has one (and it
    // does not implement ListMultipartUploads, so this is the proof).
    await expect(s3.send(new DeleteBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();

    // --- "Exactly once" in bytes: what was downloaded beyond the archive is explained by faults. ---
    const stats = sim.downloads.stats;
    const log = sim.downloads.log;
    const partAligned = (start: number) => start % (8 * MiB) === 0 || start % PART_BYTES === 0;
    const midPartResumes = log.filter((e) => e.range && e.range.start > 0 && !partAligned(e.range.start)).length;
    const download5xx = log.filter((e) => e.status >= 500).length;
    const truncatesHit = tally.get('fault:download truncated body (armed)') - (downloadFaults.truncate?.remaining ?? 0);
    const interruptions =
      stats.resets +
      Math.max(0, truncatesHit) +
      tally.get('invocations killed mid-way') +
      tally.get('messages returned to the queue') +
      tally.get('log:source read retry');
    // Each interruption can waste at most the parts in flight (plus the spare buffers) of one copy;
    // each size probe (a 1-byte ranged GET before a copy) costs its byte.
    const probes = log.filter((e) => e.status === 206 && e.range?.start === 0 && e.range.end === 0).length;
    const wasteBound = interruptions * (COPY_CONCURRENCY + SPARE_BUFFERS) * PART_BYTES + probes;
    const totalSourceBytes = [...recordings.flatMap((r) => r.files), ...[...deleted].map((id) => sim.model.deletedFiles.get(id)!)]
      .flatMap((f) => f.artifacts)
      .reduce((sum, a) => sum + a.size, 0);
    expect(stats.bytesServed).toBeGreaterThanOrEqual(bytesArchived);
    expect(stats.bytesServed - totalSourceBytes).toBeLessThanOrEqual(wasteBound);

    // --- The tally. ----------------------------------------------------------------------------------
    const rest = sim.counters.total;
    const rows: Array<[string, string | number]> = [
      ['seed', SEED],
      ['meetings / files / artifacts', `${recordings.length} / ${recordings.reduce((n, r) => n + r.files.length, 0)} / ${artifactsArchived}`],
      ['largest file', `${(Math.max(...recordings.flatMap((r) => r.files.map((f) => f.recordSize))) / MiB).toFixed(0)} MiB`],
      ['events (distinct deliveries)', tally.get('events')],
      ['webhook deliveries', tally.get('webhook deliveries')],
      ['  of which Tencent retries (same trace_id)', tally.get('webhook retries (same trace_id)')],
      ['  duplicates under a new trace_id', tally.get('events re-sent under a new trace_id')],
      ['  files deleted at the source mid-run', tally.get('files deleted at the source')],
      ['faults armed: download resets', tally.get('fault:download reset (armed)')],
      ['faults armed: truncated bodies', tally.get('fault:download truncated body (armed)')],
      ['faults armed: download 5xx', tally.get('fault:download 5xx (armed)')],
      ['faults armed: REST 5xx', tally.get('fault:REST 5xx (armed)')],
      ['faults armed: REST rate limits (190310)', tally.get('fault:REST rate limit 190310 (armed)')],
      ['fault windows: slow streams', tally.get('fault:slow streams (windows)')],
      ['fault windows: all links expired', tally.get('fault:all links expired (windows)')],
      ['streams dropped (with an expiry or a deletion)', tally.get('fault:streams dropped')],
      ['faults hit: resets / 5xx / expired links (403)', `${stats.resets} / ${download5xx} / ${stats.expired}`],
      ['faults hit: REST errors (by code)', `${rest.rejected} ${JSON.stringify(rest.byErrorCode)}`],
      ['ingest invocations', tally.get('ingest invocations')],
      ['  killed mid-way (timeout, batch not deleted)', tally.get('invocations killed mid-way')],
      ['  that threw (batch not deleted)', tally.get('invocations that threw')],
      ['messages received / redeliveries', `${tally.get('messages received')} / ${tally.get('message redeliveries')}`],
      ['messages returned to the queue (retries)', tally.get('messages returned to the queue')],
      ['messages deferred (file busy, not ready)', tally.get('log:deferring the message')],
      ['source read retries (in-copy)', tally.get('log:source read retry')],
      ['copies paused (incomplete → continuation)', tally.get('log:copy paused; continue later')],
      ['copies resumed from a checkpoint', tally.get('log:resuming copy')],
      ['Range requests resuming mid-part', midPartResumes],
      ['artifact copy failures (retried)', tally.get('log:artifact copy failed')],
      ['bytes archived', `${bytesArchived} (${(bytesArchived / MiB).toFixed(1)} MiB)`],
      ['bytes served by the source', `${stats.bytesServed} (${(stats.bytesServed / MiB).toFixed(1)} MiB, ×${(stats.bytesServed / Math.max(1, totalSourceBytes)).toFixed(3)})`],
      ['converged after', `${(convergedMs / 1000).toFixed(1)} s`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log(['chaos tally', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n'));

    // The run must actually have been chaotic, or it proves nothing.
    expect(tally.get('invocations killed mid-way')).toBeGreaterThan(0);
    expect(stats.resets + stats.expired + download5xx + rest.rejected).toBeGreaterThan(0);
  }, 330_000);
});
