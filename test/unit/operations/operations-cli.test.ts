// The three commands' arguments: --help explains each (with the target flags), and a bad argument
// ends it with exit code 2 before anything is read or sent.
import { runArchive } from '../../../infra/local/operations/archive-command.ts';
import { runRedrive } from '../../../infra/local/operations/redrive-command.ts';
import { runStatus } from '../../../infra/local/operations/status-command.ts';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: { write: (c: string) => out.push(c) }, stderr: { write: (c: string) => err.push(c) }, env: { DATA_DIR: '/nonexistent' } } };
}

const commands = { status: runStatus, redrive: runRedrive, archive: runArchive } as const;

describe.each(Object.entries(commands))('npm run %s', (name, run) => {
  it('explains itself with --help, target flags included', async () => {
    const { out, io: streams } = io();
    expect((await run(['--help'], streams)).exitCode).toBe(0);
    expect(out.join('')).toContain(`Usage: npm run ${name}`);
    expect(out.join('')).toContain('--stack-outputs <file>');
    expect(out.join('')).toContain('--dlq-url <url>');
  });

  it('refuses an unknown flag and a malformed target with exit code 2', async () => {
    const bad = io();
    expect((await run(['--bogus'], bad.io)).exitCode).toBe(2);
    expect(bad.err.join('')).toContain(`${name}: Unknown option '--bogus'`);
    const badUrl = io();
    expect((await run(['--dlq-url', 'not a url', ...(name === 'archive' ? ['--meeting-id', '1'] : [])], badUrl.io)).exitCode).toBe(2);
    expect(badUrl.err.join('')).toContain('--dlq-url must be an http(s) URL');
  });
});

describe('npm run archive selectors', () => {
  it('takes exactly one of --meeting-id, --meeting-code, --record-file-id', async () => {
    for (const args of [[], ['--meeting-id', '1', '--record-file-id', '2'], ['--meeting-code', '1', '--meeting-id', '2']]) {
      const { err, io: streams } = io();
      expect((await runArchive(args, streams)).exitCode).toBe(2);
      expect(err.join('')).toContain('give exactly one of --meeting-id, --meeting-code, --record-file-id');
    }
    const { err, io: streams } = io();
    expect((await runArchive(['--meeting-id', '1; rm -rf /'], streams)).exitCode).toBe(2);
    expect(err.join('')).toContain('--meeting-id must be an id');
  });

  it('refuses a --max, --days or --timeout that is not a positive whole number', async () => {
    for (const [run, args, flag] of [
      [runRedrive, ['--max', '0'], '--max'],
      [runStatus, ['--days', '1.5'], '--days'],
      [runArchive, ['--meeting-id', '1', '--timeout=-3'], '--timeout'],
    ] as const) {
      const { err, io: streams } = io();
      expect((await run([...args], streams)).exitCode).toBe(2);
      expect(err.join('')).toContain(`${flag} must be a positive whole number`);
    }
  });
});
