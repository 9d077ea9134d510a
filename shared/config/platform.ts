// What a function's builder is given besides its environment: only what is not a setting. In AWS
// nothing (clients come from the SDK's own environment, logger and metrics from Powertools'); the
// local stack passes clients bound to the emulators' endpoints and its own logger. Settings never
// travel this way: they come from the environment through shared/config/environment.ts, so a
// documented setting means the same in a Lambda and in `npm start`.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { AwsClients } from '../aws/clients.ts';

export interface FunctionPlatform {
  /** Clients a function uses; each one missing is built from the environment (AWS_ENDPOINT_URL_*). */
  readonly clients?: Partial<AwsClients>;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

/** The environment a builder reads: process.env in a Lambda, the local stack's own object locally. */
export type FunctionEnvironment = Readonly<Record<string, string | undefined>>;
