// Where archive events go, from the same settings in AWS and under npm start.
import { ENV, ingestSettings, reconcileSettings } from '../../../shared/config/environment.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { EventBridgePublisher } from '../../../shared/events/eventbridge-publisher.ts';
import { FileEventPublisher } from '../../../shared/events/file-publisher.ts';
import { createArchiveEventPublisher } from '../../../shared/events/wiring.ts';
import { loadLocalStackConfig } from '../../../infra/local/stack-config.ts';

const base = { [ENV.tableName]: 't', [ENV.bucketName]: 'b', [ENV.ingestQueueUrl]: 'q' };

describe('archive event settings', () => {
  test('unset: EventBridge, the default bus, for ingest and reconcile alike; the redrive count is the stack\'s', () => {
    expect(ingestSettings(base).events).toEqual({ kind: 'eventbridge', busName: 'default' });
    expect(reconcileSettings(base).events).toEqual({ kind: 'eventbridge', busName: 'default' });
    expect(ingestSettings(base).maxReceiveCount).toBeUndefined();
    expect(ingestSettings({ ...base, [ENV.ingestMaxReceiveCount]: '8' }).maxReceiveCount).toBe(8);
  });

  test('a bus by name or ARN; ARCHIVE_EVENTS_FILE sends them to a file instead', () => {
    const arn = 'arn:aws:events:eu-west-1:111122223333:event-bus/central-archive';
    expect(ingestSettings({ ...base, ARCHIVE_EVENT_BUS_NAME: arn }).events).toEqual({ kind: 'eventbridge', busName: arn });
    expect(reconcileSettings({ ...base, ARCHIVE_EVENT_BUS_NAME: ' archive-events ' }).events).toEqual({ kind: 'eventbridge', busName: 'archive-events' });
    expect(ingestSettings({ ...base, ARCHIVE_EVENTS_FILE: '/tmp/e.jsonl', ARCHIVE_EVENT_BUS_NAME: 'x' }).events).toEqual({ kind: 'file', path: '/tmp/e.jsonl' });
    expect(createArchiveEventPublisher({ kind: 'file', path: '/tmp/e.jsonl' })).toBeInstanceOf(FileEventPublisher);
    expect(createArchiveEventPublisher({ kind: 'eventbridge', busName: 'default' }, { eventBridge: { send: async () => ({}) } as never })).toBeInstanceOf(EventBridgePublisher);
  });

  test('a value that is no bus, or a receive count of 0, fails naming the variable', () => {
    const bad = () => ingestSettings({ ...base, ARCHIVE_EVENT_BUS_NAME: 'no spaces allowed' });
    expect(bad).toThrow(ValidationError);
    expect(bad).toThrow(/ARCHIVE_EVENT_BUS_NAME must be an event bus name or ARN/);
    expect(() => ingestSettings({ ...base, INGEST_MAX_RECEIVE_COUNT: '0' })).toThrow(/INGEST_MAX_RECEIVE_COUNT must be a whole number/);
  });

  test('npm start passes a user\'s ARCHIVE_EVENTS_FILE through, and sets the redrive count itself', () => {
    const config = loadLocalStackConfig({ ARCHIVE_EVENTS_FILE: '/tmp/mine.jsonl', INGEST_MAX_RECEIVE_COUNT: '9' }, [], '/work');
    expect(config.functionSettings.ARCHIVE_EVENTS_FILE).toBe('/tmp/mine.jsonl');
    expect(config.functionSettings.INGEST_MAX_RECEIVE_COUNT).toBeUndefined();
  });
});
