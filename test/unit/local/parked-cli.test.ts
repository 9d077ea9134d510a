// `npm run parked` argument handling: a bad argument ends the command with a clear message before
// anything is read (the command itself runs against real emulators in test/integration/webhook/parking.test.ts).
import { parseParkedArgs, PARKED_USAGE, runParked } from '../../../infra/local/parked/command.ts';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: { write: (c: string) => out.push(c) }, stderr: { write: (c: string) => err.push(c) } };
}

describe('npm run parked arguments', () => {
  it('takes the same target flags as npm run backfill', () => {
    expect(parseParkedArgs(['--replay', '--stack-outputs', 'cdk-outputs.json', '--stack', 'Archive', '--region', 'ap-guangzhou'])).toEqual({
      help: false,
      replay: true,
      all: false,
      json: false,
      target: { stackOutputs: 'cdk-outputs.json', stack: 'Archive', region: 'ap-guangzhou' },
    });
  });

  it.each([
    [['--stack', 'Archive'], /--stack needs --stack-outputs/],
    [['--replay-all'], /Unknown option '--replay-all'/],
  ])('%p is a usage error (exit 2), nothing read', async (argv, message) => {
    const streams = io();
    const outcome = await runParked(argv, { ...streams, env: {} });
    expect(outcome.exitCode).toBe(2);
    expect(streams.err.join('')).toMatch(message);
    expect(streams.out).toEqual([]);
  });

  it('--help prints the usage', async () => {
    const streams = io();
    expect((await runParked(['--help'], { ...streams, env: {} })).exitCode).toBe(0);
    expect(streams.out.join('')).toBe(`${PARKED_USAGE}\n`);
    expect(PARKED_USAGE).toMatch(/--replay/);
  });
});
