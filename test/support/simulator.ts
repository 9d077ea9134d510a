// A fresh Tencent Meeting simulator for each test that asks for one, stopped when the test ends
// (also when it fails), so no test sees another's recordings, counters or settings.
import { startSimulator, type Simulator, type SimulatorOptions } from '../../infra/local/simulator/server.ts';

/**
 * Registers the afterEach that stops the test's simulator and returns the `start` a test calls.
 * `onStart` hands the simulator to the file's own variable, which the file's helpers read.
 */
export function simulatorPerTest(onStart: (sim: Simulator) => void): (options?: SimulatorOptions) => Promise<Simulator> {
  let started: Simulator | undefined;
  afterEach(async () => {
    await started?.stop();
    started = undefined;
  });
  return async (options = {}) => {
    started = await startSimulator(options);
    onStart(started);
    return started;
  };
}
