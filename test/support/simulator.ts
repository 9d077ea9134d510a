// A fresh Tencent Meeting simulator for each test that asks for one, stopped when the test ends
// (also when it fails), so no test sees another's recordings, counters or settings.
import { startSimulator, type Simulator, type SimulatorOptions } from '../../infra/local/simulator/server.ts';
import { PROFILE_NAMES, type ProfileName } from '../../infra/local/simulator/profiles.ts';

/** SIMULATOR_PROFILE=<name> runs every simulator-backed test under that reading of Tencent's open points. */
export function profileFromEnvironment(): Pick<SimulatorOptions, 'profile'> {
  const name = process.env.SIMULATOR_PROFILE;
  if (!name) return {};
  if (!(PROFILE_NAMES as string[]).includes(name)) throw new Error(`SIMULATOR_PROFILE must be one of ${PROFILE_NAMES.join(', ')}`);
  return { profile: name as ProfileName };
}

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
    started = await startSimulator({ ...profileFromEnvironment(), ...options });
    onStart(started);
    return started;
  };
}
