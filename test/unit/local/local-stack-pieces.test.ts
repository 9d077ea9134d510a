// The local stack's pure pieces: settings from the environment, the progress lines, the schedule.
import { ConfigError, DEFAULTS, loadLocalStackConfig, parseArgs } from '../../../infra/local/stack-config.ts';
import { createProgressReporter, formatDuration } from '../../../infra/local/progress.ts';
import { startSchedules } from '../../../infra/local/schedule.ts';
import { formatBytes } from '../../../infra/local/console-log.ts';
import type { LocalLog } from '../../../infra/local/lambda-context.ts';

describe('local stack settings', () => {
  it('defaults to the documented ports, .data, the simulator and the demo', () => {
    const config = loadLocalStackConfig({}, [], '/repo');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: DEFAULTS.PORT,
      dynamodbPort: DEFAULTS.DYNAMODB_PORT,
      s3Port: DEFAULTS.S3_EMULATOR_PORT,
      sqsPort: DEFAULTS.SQS_EMULATOR_PORT,
      dataDir: '/repo/.data',
      fresh: false,
      simulator: { port: DEFAULTS.SIMULATOR_PORT },
      demo: true,
      apiToken: undefined,
      ingest: { timeoutSeconds: 120, batchSize: 1, concurrency: 2, visibilityTimeoutSeconds: 150 },
      reconcileIntervalMinutes: 60,
    });
  });

  it('takes every setting from the environment and the flags', () => {
    const config = loadLocalStackConfig(
      {
        PORT: '0',
        DYNAMODB_PORT: '8001',
        S3_EMULATOR_PORT: '4576',
        SQS_EMULATOR_PORT: '4577',
        // npm start's own endpoints for its functions: a user's value cannot point them elsewhere.
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
        DATA_DIR: 'tmp/data',
        ARCHIVE_API_TOKEN: ' secret ',
        INGEST_TIMEOUT_SECONDS: '300',
        INGEST_BATCH_SIZE: '5',
        INGEST_CONCURRENCY: '4',
        RECONCILE_INTERVAL_MINUTES: '0',
        TENCENT_MEETING_API_BASE: 'https://api.meeting.qq.com',
        TENCENT_MEETING_APP_ID: '123',
        TENCENT_MEETING_SDK_ID: '',
        DELETION_POLICY: 'mirror',
        PRESIGN_TTL_SECONDS: '120',
        RECONCILE_WINDOW_HOURS: '6',
        COPY_MAX_PART_SIZE_BYTES: String(6 * 1024 * 1024),
        ARCHIVE_TABLE_NAME: 'not-the-local-table',
      },
      ['--fresh'],
      '/repo',
    );
    expect(config).toMatchObject({
      port: 0,
      dynamodbPort: 8001,
      s3Port: 4576,
      sqsPort: 4577,
      dataDir: '/repo/tmp/data',
      fresh: true,
      simulator: null,
      demo: false,
      apiToken: 'secret',
      ingest: { timeoutSeconds: 300, batchSize: 5, concurrency: 4, visibilityTimeoutSeconds: 330 },
      reconcileIntervalMinutes: 0,
      tencentEnv: { TENCENT_MEETING_API_BASE: 'https://api.meeting.qq.com', TENCENT_MEETING_APP_ID: '123' },
    });
    // The functions' settings pass through as given; resource names and the token are the stack's own.
    expect(config.functionSettings).toEqual({
      DELETION_POLICY: 'mirror',
      PRESIGN_TTL_SECONDS: '120',
      RECONCILE_WINDOW_HOURS: '6',
      COPY_MAX_PART_SIZE_BYTES: String(6 * 1024 * 1024),
    });
  });

  it('names the variable or flag that is wrong', () => {
    expect(() => loadLocalStackConfig({ PORT: '70000' }, [])).toThrow(new ConfigError("PORT must be a whole number from 0 to 65535, got '70000'"));
    expect(() => loadLocalStackConfig({ INGEST_BATCH_SIZE: '11' }, [])).toThrow(/INGEST_BATCH_SIZE/);
    expect(() => loadLocalStackConfig({ DEMO: 'maybe' }, [])).toThrow(/DEMO must be true or false/);
    // The functions' settings fail at start too, checked by the functions' own parsers.
    expect(() => loadLocalStackConfig({ DELETION_POLICY: 'bogus' }, [])).toThrow(ConfigError);
    // fauxqs would overwrite the recording with the PutObjectLegalHold body (tried: GetObject then returns the XML).
    expect(() => loadLocalStackConfig({ ARCHIVE_BUCKET_OBJECT_LOCK: 'true' }, [])).toThrow(/ARCHIVE_BUCKET_OBJECT_LOCK must stay unset locally/);
    expect(() => loadLocalStackConfig({ SOURCE_CLEANUP_AFTER_DAYS: 'soon' }, [])).toThrow(/SOURCE_CLEANUP_AFTER_DAYS/);
    // One port for S3 and SQS no longer exists: a stale setting says which two replace it.
    expect(() => loadLocalStackConfig({ AWS_EMULATOR_PORT: '4566' }, [])).toThrow(/S3_EMULATOR_PORT and SQS_EMULATOR_PORT/);
    expect(loadLocalStackConfig({ SOURCE_CLEANUP_AFTER_DAYS: '30', SOURCE_CLEANUP_DRY_RUN: '1' }, []).functionSettings).toMatchObject({ SOURCE_CLEANUP_AFTER_DAYS: '30', SOURCE_CLEANUP_DRY_RUN: '1' });
    expect(() => loadLocalStackConfig({ DELETION_POLICY: 'bogus' }, [])).toThrow(/DELETION_POLICY must be "retain" or "mirror"/);
    expect(() => loadLocalStackConfig({ PRESIGN_TTL_SECONDS: '7200' }, [])).toThrow(/PRESIGN_TTL_SECONDS must be a whole number from 1 to 3600/);
    expect(() => loadLocalStackConfig({ RECONCILE_WINDOW_HOURS: '-1' }, [])).toThrow(/RECONCILE_WINDOW_HOURS/);
    expect(() => loadLocalStackConfig({ COPY_MAX_PART_SIZE_BYTES: '1024' }, [])).toThrow(/COPY_MAX_PART_SIZE_BYTES/);
    expect(() => parseArgs(['--frsh'])).toThrow(/unknown option --frsh/);
    expect(parseArgs(['--no-demo', '--help'])).toEqual({ fresh: false, demo: false, help: true });
  });
});

function recordingLog(): LocalLog & { lines: string[] } {
  const lines: string[] = [];
  const push = (message: string) => lines.push(message);
  return { lines, info: push, warn: push, error: push };
}

describe('copy progress lines', () => {
  it('reports bytes, percentage, the rate of this run and the time left, throttled per copy, and always the end', () => {
    let now = 0;
    const log = recordingLog();
    const reporter = createProgressReporter(log, { intervalMs: 2000, now: () => now });
    const MiB = 1024 * 1024;
    reporter.onProgress({ copy: 'f1/video', bytesDone: 40 * MiB, totalBytes: 100 * MiB }); // resumed at 40 MiB
    now = 1000;
    reporter.onProgress({ copy: 'f1/video', bytesDone: 50 * MiB, totalBytes: 100 * MiB }); // throttled
    now = 2000;
    reporter.onProgress({ copy: 'f1/video', bytesDone: 60 * MiB, totalBytes: 100 * MiB });
    now = 2500;
    reporter.onProgress({ copy: 'f1/video', bytesDone: 100 * MiB, totalBytes: 100 * MiB });
    reporter.onProgress({ copy: 'f2/audio', bytesDone: 4096, totalBytes: 4096 });
    expect(log.lines).toEqual([
      'copying f1/video: 40.0 MiB / 100.0 MiB (40%)',
      'copying f1/video: 60.0 MiB / 100.0 MiB (60%) at 10.0 MiB/s, 4 s left',
      'copied f1/video: 100.0 MiB / 100.0 MiB (100%) at 24.0 MiB/s',
      'copied f2/audio: 4.0 KiB / 4.0 KiB (100%)',
    ]);
    expect(formatBytes(512)).toBe('512 B');
    expect([formatDuration(0.2), formatDuration(200), formatDuration(3900)]).toEqual(['1 s', '3 min 20 s', '1 h 05 min']);
  });
});

describe('local schedule', () => {
  it('invokes a scheduled function with the scheduler payload and a Lambda context, and never overlaps runs', async () => {
    const calls: Array<{ event: unknown; functionName: string; remaining: number }> = [];
    let release: (() => void) | undefined;
    const schedules = startSchedules([
      {
        functionName: 'reconcile',
        everyMs: 60_000,
        firstRunAfterMs: 60_000,
        timeoutMs: 900_000,
        handler: async (event, context) => {
          calls.push({ event, functionName: context.functionName, remaining: context.getRemainingTimeInMillis() });
          await new Promise<void>((resolve) => (release = resolve));
          return { status: 'complete' };
        },
      },
    ]);
    const first = schedules.runNow('reconcile');
    const overlapping = schedules.runNow('reconcile');
    expect(overlapping).toBe(first);
    await new Promise((resolve) => setImmediate(resolve));
    release!();
    await expect(first).resolves.toEqual({ status: 'complete' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ event: {}, functionName: 'reconcile' });
    expect(calls[0]!.remaining).toBeGreaterThan(0);
    await expect(schedules.runNow('nope')).rejects.toThrow('no scheduled function nope');
    await schedules.stop();
  });
});
