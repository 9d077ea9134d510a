// An archive indexed before the current counter layout (DAY items with totals only, no YEAR items)
// lists with totals that undercount; `npm run counters -- --rebuild` rewrites its counters from the
// index, after which every list answers exactly again.
import { DeleteCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createTestResources, destroyClients } from '../../support/aws.ts';
import { ArchiveIndex } from '../../../shared/archive/archive-index.ts';
import { ArchiveListing } from '../../../shared/archive/archive-list.ts';
import { runCounters } from '../../../infra/local/counters/command.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 2, 1);
let resources: Awaited<ReturnType<typeof createTestResources>>;

beforeAll(async () => {
  resources = await createTestResources();
});
afterAll(() => destroyClients(resources.clients));

/** Rewrites the counters as the previous layout left them: DAY items with `n` only, no YEAR items. */
async function makeCountersLegacy(): Promise<void> {
  const { dynamo } = resources.clients;
  const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: resources.tableName }));
  for (const item of Items.filter((i) => String(i.pk).startsWith('COUNT#'))) {
    if (String(item.sk).startsWith('YEAR#')) await dynamo.send(new DeleteCommand({ TableName: resources.tableName, Key: { pk: item.pk, sk: item.sk } }));
    else await dynamo.send(new PutCommand({ TableName: resources.tableName, Item: { pk: item.pk, sk: item.sk, n: item.n, partition: item.partition, day: item.day } }));
  }
}

it('rebuilds the counters of an archive indexed before the current layout, so its lists count and page exactly', async () => {
  const { dynamo } = resources.clients;
  const index = new ArchiveIndex({ dynamo, tableName: resources.tableName });
  for (let i = 0; i < 30; i++) {
    await index.upsertMeetingRecording({ meetingRecordId: `77${i}`, meetingId: `m${i % 3}`, meetingCode: `c${i % 3}`, subject: 's', hostUserId: i % 2 ? 'ann' : 'bo', mediaStartTimeMs: T0 + Math.floor(i / 4) * DAY + i * 60_000, state: 3 });
  }
  const listing = new ArchiveListing({ dynamo, tableName: resources.tableName });
  const page2 = () => listing.list({ partition: { by: 'account' }, fromMs: T0, toMs: T0 + 30 * DAY, page: 2, pageSize: 10 });
  const before = await page2();
  expect(before.totalCount).toBe(30);

  await makeCountersLegacy();
  expect((await page2()).totalCount).toBe(0); // what an upgraded archive would answer until rebuilt

  const output: string[] = [];
  const outcome = await runCounters(['--rebuild', '--table', resources.tableName, '--queue-url', resources.ingestQueueUrl, '--dynamodb-endpoint', 'http://unused'], {
    stdout: { write: (s: string) => output.push(s) },
    stderr: { write: (s: string) => output.push(s) },
    clients: resources.clients,
  });
  expect(outcome).toMatchObject({ exitCode: 0, rebuilt: { recordings: 30 } });
  expect(output.join('')).toMatch(/^rebuilt \d+ counter items from 30 listed recordings/);

  expect(await page2()).toEqual(before);
  const user = await listing.list({ partition: { by: 'user', userId: 'ann' }, fromMs: T0, toMs: T0 + 30 * DAY, page: 2, pageSize: 10 });
  expect(user.totalCount).toBe(15);
  // ann hosts the odd ones, 29 down to 1, newest first: page 2 of 10 is the last five.
  expect(user.items.map((r) => r.meeting.meetingRecordId)).toEqual(['779', '777', '775', '773', '771']);
  const counters = await dynamo.send(new QueryCommand({ TableName: resources.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'COUNT#ACCOUNT' } }));
  expect((counters.Items ?? []).some((item) => String(item.sk) === 'YEAR#2025')).toBe(true);
});
