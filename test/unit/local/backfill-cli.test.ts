import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseBackfillArgs, UsageError } from '../../../infra/local/backfill/args.ts';
import { ProgressRenderer, planFraction, progressLine } from '../../../infra/local/backfill/progress.ts';
import { targetFromStackOutputs } from '../../../infra/local/backfill/target.ts';
import { formatBytes } from '../../../infra/local/console-log.ts';
import { backfillCursorName } from '../../../shared/reconcile/backfill.ts';
import { emptyTotals } from '../../../shared/reconcile/cursor.ts';

const NOW = Date.UTC(2026, 5, 1);

describe('backfill arguments', () => {
  it('reads whole days, --to inclusive, in UTC or the given offset', () => {
    const args = parseBackfillArgs(['--from', '2026-01-01', '--to', '2026-03-31'], NOW);
    expect(args).toMatchObject({ startSec: Date.UTC(2026, 0, 1) / 1000, endSec: Date.UTC(2026, 3, 1) / 1000 - 1, dryRun: false, target: {} });
    expect(backfillCursorName(args)).toBe('backfill:2026-01-01:2026-03-31');
    const beijing = parseBackfillArgs(['--from', '2026-01-01', '--to', '2026-01-01', '--utc-offset', '+08:00', '--dry-run'], NOW);
    expect(beijing).toMatchObject({ startSec: Date.UTC(2025, 11, 31, 16) / 1000, endSec: Date.UTC(2026, 0, 1, 16) / 1000 - 1, dryRun: true });
    expect(backfillCursorName(beijing)).toBe('backfill:2026-01-01+08:00:2026-01-01+08:00');
  });

  it('accepts ISO instants and clamps a future end to now', () => {
    const args = parseBackfillArgs(['--from', '2026-05-01T08:00:00+08:00', '--to', '2027-01-01'], NOW);
    expect(args.startSec).toBe(Date.UTC(2026, 4, 1) / 1000);
    expect(args.endSec).toBe(NOW / 1000);
    expect(args.fromLabel).toBe('2026-05-01T00:00:00Z');
  });

  it('collects the target flags', () => {
    const args = parseBackfillArgs(
      ['--from', '2026-01-01', '--to', '2026-01-02', '--queue-url', 'https://sqs.eu-west-1.amazonaws.com/1/q', '--table', 't', '--region', 'eu-west-1'],
      NOW,
    );
    expect(args.target).toEqual({ queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q', table: 't', region: 'eu-west-1' });
  });

  it.each([
    [[], /--from is required/],
    [['--from', '2026-01-01'], /--to is required/],
    [['--from', '2026-01-10', '--to', '2026-01-01'], /before --from/],
    [['--from', '2026-02-29', '--to', '2026-03-01'], /not a calendar date/],
    [['--from', '01/02/2026', '--to', '2026-03-01'], /expected YYYY-MM-DD/],
    [['--from', '2026-01-01T00:00:00', '--to', '2026-03-01'], /with a zone/],
    [['--from', '2027-01-01', '--to', '2027-02-01'], /in the future/],
    [['--from', '2026-01-01', '--to', '2026-02-01', '--utc-offset', '8'], /--utc-offset must look like/],
    [['--from', '2026-01-01', '--to', '2026-02-01', '--requeue-after-hours', '0'], /positive number/],
    [['--from', '2026-01-01', '--to', '2026-02-01', '--frm', 'x'], /Unknown option '--frm'/],
    [['--from', '2026-01-01', '--to', '2026-02-01', 'extra'], /positional/i],
    [['--from', '2026-01-01', '--to', '2026-02-01', '--stack', 'A'], /--stack needs --stack-outputs/],
    [['--from', '2026-01-01', '--to', '2026-02-01', '--stack-outputs', 'o.json', '--aws-endpoint', 'http://x:1'], /cannot be combined/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBackfillArgs(argv, NOW)).toThrow(UsageError);
    expect(() => parseBackfillArgs(argv, NOW)).toThrow(message);
  });

  it('finds the queue and table in cdk-outputs.json', () => {
    const outputs = {
      TencentMeetingArchive: {
        IngestQueueUrl: 'https://sqs.ap-guangzhou-1.amazonaws.com/123/ingest',
        IngestDeadLetterQueueUrl: 'https://sqs.ap-guangzhou-1.amazonaws.com/123/dlq',
        TableName: 'archive-table',
      },
    };
    expect(targetFromStackOutputs(outputs)).toEqual({ queueUrl: outputs.TencentMeetingArchive.IngestQueueUrl, table: 'archive-table', region: 'ap-guangzhou-1' });
    expect(() => targetFromStackOutputs({ A: {}, B: {} })).toThrow(/pick one with --stack/);
    expect(() => targetFromStackOutputs({ A: {} }, 'C')).toThrow(/no stack named 'C'/);
  });

  it('the entry script exits non-zero with the message on bad arguments', () => {
    const root = join(__dirname, '..', '..', '..');
    const run = spawnSync(join(root, 'node_modules/.bin/node'), [join(root, 'infra/local/backfill.ts'), '--from', '2026-01-10', '--to', '2026-01-01'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--to (2026-01-01) is before --from (2026-01-10)');
    const help = spawnSync(join(root, 'node_modules/.bin/node'), [join(root, 'infra/local/backfill.ts'), '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--dry-run');
  });
});

describe('progress output', () => {
  const progress = {
    name: 'backfill:x',
    windowIndex: 1,
    windowCount: 4,
    window: { startSec: 0, endSec: 1 },
    page: 2,
    totalPages: 4,
    totals: { ...emptyTotals(), files: 130, bytes: 5 * 1024 ** 3, filesEnqueued: 120, bytesEnqueued: 4.5 * 1024 ** 3 },
    dryRun: false,
  };

  it('formats sizes and the walked share of the plan', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
    expect(planFraction(progress)).toBeCloseTo(1.5 / 4);
    expect(progressLine(progress)).toBe('window 2/4 page 2/4 | files 130 (5.0 GiB) | enqueued 120 (4.5 GiB)');
  });

  it('redraws one line on a TTY and prints plain lines otherwise', () => {
    const tty: string[] = [];
    const onTty = new ProgressRenderer({ isTTY: true, columns: 120, write: (c: string) => tty.push(c) });
    onTty.update(progress);
    onTty.update({ ...progress, page: 3 });
    onTty.message('done');
    expect(tty[0]).toMatch(/^\r\x1b\[2K\[#+-+\]\s+37% window 2\/4 page 2\/4/);
    expect(tty.slice(2)).toEqual(['\n', 'done\n']);
    expect(tty.every((c) => c.length <= 121)).toBe(true);

    const plain: string[] = [];
    const piped = new ProgressRenderer({ isTTY: false, write: (c: string) => plain.push(c) });
    piped.update(progress);
    piped.message('done');
    expect(plain).toEqual(['window 2/4 page 2/4 | files 130 (5.0 GiB) | enqueued 120 (4.5 GiB)\n', 'done\n']);
  });
});
