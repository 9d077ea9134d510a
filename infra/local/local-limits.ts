// Limits that exist only because the local stack runs on emulators, not in AWS.
import { MIB } from '../../shared/copy/part-plan.ts';

/** fauxqs rejects request bodies over 11 MiB: the local stack caps parts at this. */
export const LOCAL_MAX_PART_BYTES = 10 * MIB;

/**
 * Connections per copy under npm start (AWS: COPY_CONNECTIONS' default, 8). They exist for
 * far-away hosts that cap each connection; the simulator is on loopback, where one connection
 * already outruns the S3 emulator, and every connection holds a part buffer: with 4, a 2 GiB copy
 * keeps the ingest worker near 250 MiB instead of 300.
 */
export const LOCAL_COPY_CONNECTIONS = 4;
