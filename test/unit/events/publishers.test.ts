// The two publishers: EventBridge (its client stubbed: real AWS is the one thing tests do not
// reach) and the JSON-lines file npm start writes.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PutEventsCommand, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { DETAIL_TYPES, type ArchiveEvent } from '../../../shared/events/archive-events.ts';
import { EventBridgePublisher } from '../../../shared/events/eventbridge-publisher.ts';
import { FileEventPublisher } from '../../../shared/events/file-publisher.ts';
import { ArchiveEventPublishError, stableEventId, withoutLinks } from '../../../shared/events/publisher.ts';
import { readEventLines } from '../../support/archive-events.ts';

function archivedEvent(n: number): ArchiveEvent {
  const eventId = stableEventId('test', String(n));
  return {
    detailType: DETAIL_TYPES.archived,
    detail: {
      event_id: eventId,
      schema_version: 1,
      occurred_at: '2026-12-01T10:00:00.000Z',
      meeting_id: `m${n}`,
      meeting_record_id: `r${n}`,
      record_file_id: `f${n}`,
      subject: `Weekly ${n}`,
      bucket: 'archive-bucket',
      artifacts: [{ artifact: 'video', kind: 'video', file_type: 'mp4', status: 'archived', bucket: 'archive-bucket', key: `recordings/f${n}/video.mp4`, bytes: 100 + n, checksum: 'CRC32:AAAAAA==' }],
      total_bytes: 100 + n,
      archived_at: '2026-12-01T10:00:00.000Z',
    },
  };
}

type Answer = (entries: NonNullable<PutEventsCommand['input']['Entries']>) => PutEventsCommandOutput | Error;

function stubClient(answer: Answer) {
  const calls: NonNullable<PutEventsCommand['input']['Entries']>[] = [];
  return {
    calls,
    client: {
      send: async (command: PutEventsCommand) => {
        const entries = command.input.Entries ?? [];
        calls.push(entries);
        const out = answer(entries);
        if (out instanceof Error) throw out;
        return out;
      },
    } as never,
  };
}

const accepted = (entries: unknown[]): PutEventsCommandOutput => ({ $metadata: {}, FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `eb-${i}` })) });
const noSleep = async () => undefined;

describe('EventBridgePublisher', () => {
  test('sends at most 10 entries per PutEvents, on the configured bus, with the source, detail type and the detail as JSON', async () => {
    const stub = stubClient(accepted);
    const events = Array.from({ length: 23 }, (_, i) => archivedEvent(i));
    await new EventBridgePublisher({ client: stub.client, eventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/central', sleep: noSleep }).publish(events);
    expect(stub.calls.map((c) => c.length)).toEqual([10, 10, 3]);
    const first = stub.calls[0]![0]!;
    expect(first).toEqual(
      expect.objectContaining({ EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/central', Source: 'tencent-meeting-archive', DetailType: 'Recording Archived' }),
    );
    expect(JSON.parse(first.Detail!)).toEqual(events[0]!.detail);
    expect(first.Time).toEqual(new Date('2026-12-01T10:00:00.000Z'));
  });

  test('re-sends only the entries EventBridge refused, and succeeds when they are accepted the second time', async () => {
    let round = 0;
    const stub = stubClient((entries) => {
      round += 1;
      if (round > 1) return accepted(entries);
      return { $metadata: {}, FailedEntryCount: 1, Entries: entries.map((_, i) => (i === 2 ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' } : { EventId: `eb-${i}` })) };
    });
    const events = Array.from({ length: 4 }, (_, i) => archivedEvent(i));
    await new EventBridgePublisher({ client: stub.client, sleep: noSleep }).publish(events);
    expect(stub.calls.map((c) => c.map((e) => JSON.parse(e.Detail!).record_file_id))).toEqual([['f0', 'f1', 'f2', 'f3'], ['f2']]);
    expect(stub.calls[0]![0]!.EventBusName).toBe('default');
  });

  test('names the events still refused after its attempts (and only those), and the reason, in an ArchiveEventPublishError', async () => {
    const stub = stubClient((entries) => ({
      $metadata: {},
      FailedEntryCount: 1,
      Entries: entries.map((e) => (JSON.parse(e.Detail!).record_file_id === 'f1' ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try later' } : { EventId: 'ok' })),
    }));
    const events = [archivedEvent(0), archivedEvent(1), archivedEvent(2)];
    const error = await new EventBridgePublisher({ client: stub.client, maxAttempts: 3, sleep: noSleep }).publish(events).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveEventPublishError);
    expect((error as ArchiveEventPublishError).failedEventIds).toEqual([events[1]!.detail.event_id]);
    expect((error as Error).message).toContain('InternalFailure: try later');
    expect(stub.calls.map((c) => c.length)).toEqual([3, 1, 1]);
  });

  test('a call that fails as a whole (network, access denied) refuses every entry of it', async () => {
    const stub = stubClient(() => Object.assign(new Error('not authorized to perform events:PutEvents'), { name: 'AccessDeniedException' }));
    const events = [archivedEvent(0), archivedEvent(1)];
    const error = (await new EventBridgePublisher({ client: stub.client, maxAttempts: 2, sleep: noSleep }).publish(events).catch((e: unknown) => e)) as ArchiveEventPublishError;
    expect(error.failedEventIds).toEqual(events.map((e) => e.detail.event_id));
    expect(error.message).toContain('AccessDeniedException');
  });

  test('refuses to send an event that does not match its documented schema', async () => {
    const stub = stubClient(accepted);
    const broken = { ...archivedEvent(0), detail: { ...archivedEvent(0).detail, download_address: 'https://x/y?sign=secret' } } as unknown as ArchiveEvent;
    await expect(new EventBridgePublisher({ client: stub.client }).publish([broken])).rejects.toThrow(/does not match its schema/);
    expect(stub.calls).toHaveLength(0);
  });
});

describe('FileEventPublisher (npm start)', () => {
  test('appends one JSON line per event, as the envelope a rule target receives, and prints one console line each', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'events-')), 'nested', 'events.jsonl');
    const printed: string[] = [];
    const publisher = new FileEventPublisher({ path, print: (line) => printed.push(line) });
    await publisher.publish([archivedEvent(1)]);
    await publisher.publish([archivedEvent(2), archivedEvent(3)]);
    const lines = readEventLines(path);
    expect(lines.map((l) => l.detail.record_file_id)).toEqual(['f1', 'f2', 'f3']);
    expect(lines[0]).toEqual({ id: archivedEvent(1).detail.event_id, source: 'tencent-meeting-archive', 'detail-type': 'Recording Archived', time: '2026-12-01T10:00:00.000Z', detail: archivedEvent(1).detail });
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(4);
    expect(printed[0]).toBe(`event Recording Archived  meeting_id=m1 meeting_record_id=r1 record_file_id=f1 artifacts=1 bytes=101  event_id=${archivedEvent(1).detail.event_id}`);
  });

  test('a file it cannot write is an ArchiveEventPublishError naming every event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-'));
    const error = (await new FileEventPublisher({ path: dir, print: () => undefined }).publish([archivedEvent(1)]).catch((e: unknown) => e)) as ArchiveEventPublishError;
    expect(error).toBeInstanceOf(ArchiveEventPublishError);
    expect(error.failedEventIds).toEqual([archivedEvent(1).detail.event_id]);
  });
});

test('stable event ids: the same change gives the same id, another change another; failure reasons lose the query strings of links', () => {
  expect(stableEventId('Recording Archived', 'f1', 'video=CRC32:a')).toBe(stableEventId('Recording Archived', 'f1', 'video=CRC32:a'));
  expect(stableEventId('Recording Archived', 'f1', 'video=CRC32:a')).not.toBe(stableEventId('Recording Archived', 'f1', 'video=CRC32:b'));
  expect(stableEventId('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(withoutLinks('HTTPError: 403 GET https://cos.example.com/rec/a.mp4?sign=SECRET&t=1 failed')).toBe('HTTPError: 403 GET https://cos.example.com/rec/a.mp4?… failed');
});
