// Limits that exist only because the local stack runs on emulators, not in AWS.
import { MIB } from '../../shared/copy/part-plan.ts';

/** fauxqs rejects request bodies over 11 MiB: the local stack caps parts at this. */
export const LOCAL_MAX_PART_BYTES = 10 * MIB;

/**
 * Connections per copy under npm start (AWS: COPY_CONNECTIONS' default, 8). They exist for
 * far-away hosts that cap each connection; the simulator is on loopback, where one connection
 * already outruns the S3 emulator, and every connection holds a part buffer: a 2 GiB copy peaked
 * the ingest worker at 267 MiB with 4 and 301 MiB with 8 (bench:local-stack, 2026-12-01).
 */
export const LOCAL_COPY_CONNECTIONS = 4;
