// Limits that exist only because the local stack runs on emulators, not in AWS.
import { MIB } from '../../shared/copy/part-plan.ts';

/** fauxqs rejects request bodies over 11 MiB: the local stack caps parts at this. */
export const LOCAL_MAX_PART_BYTES = 10 * MIB;
