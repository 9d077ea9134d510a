// The archive events of one function, from its settings: the publisher ARCHIVE_EVENTS_FILE or
// ARCHIVE_EVENT_BUS_NAME names (environment.ts), behind the outbox that records and publishes
// them. The ingest and reconcile builders (functions/*/handler.ts) both call this, in AWS and
// under `npm start` alike.
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createEventBridgeClient } from '../aws/clients.ts';
import type { ArchiveEventsTarget } from '../config/environment.ts';
import { EventBridgePublisher } from './eventbridge-publisher.ts';
import { FileEventPublisher } from './file-publisher.ts';
import { ArchiveEventOutbox, type OutboxMetrics } from './outbox.ts';
import type { ArchiveEventPublisher } from './publisher.ts';

export interface ArchiveEventsPlatform {
  /** The EventBridge client; built from the environment when absent. */
  readonly eventBridge?: Pick<EventBridgeClient, 'send'>;
  /** Where the file publisher prints each event's one-line summary (the npm start console). */
  readonly printEvent?: (line: string) => void;
}

export function createArchiveEventPublisher(target: ArchiveEventsTarget, platform: ArchiveEventsPlatform = {}, env: NodeJS.ProcessEnv = process.env): ArchiveEventPublisher {
  if (target.kind === 'file') return new FileEventPublisher({ path: target.path, ...(platform.printEvent ? { print: platform.printEvent } : {}) });
  return new EventBridgePublisher({ client: platform.eventBridge ?? createEventBridgeClient({}, env), eventBusName: target.busName });
}

export interface ArchiveEventsWiring extends ArchiveEventsPlatform {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly target: ArchiveEventsTarget;
  readonly logger: Logger;
  readonly metrics?: OutboxMetrics;
  readonly env?: NodeJS.ProcessEnv;
}

export function buildArchiveEventOutbox(wiring: ArchiveEventsWiring): ArchiveEventOutbox {
  return new ArchiveEventOutbox({
    dynamo: wiring.dynamo,
    tableName: wiring.tableName,
    publisher: createArchiveEventPublisher(wiring.target, wiring, wiring.env),
    logger: wiring.logger,
    ...(wiring.metrics ? { metrics: wiring.metrics } : {}),
  });
}
