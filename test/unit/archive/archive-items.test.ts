// Pure parts of the archive index: status merging, occurrence matching, counters.
import { OCCURRENCE_WINDOW_MS, sameOccurrence } from '../../../shared/archive/occurrences.ts';
import { mergeRecordingStatus, type StoredMeeting } from '../../../shared/archive/archive-items.ts';
import { counterDeltas } from '../../../shared/archive/counters.ts';

describe('recording status merge', () => {
  it('moves tiers forward only and orders live events by operate time', () => {
    expect(mergeRecordingStatus({ status: 'completed' }, { status: 'recording' }).status).toBe('completed');
    expect(mergeRecordingStatus({ status: 'stopped' }, { status: 'transcoding' }).status).toBe('transcoding');
    expect(mergeRecordingStatus({ status: 'stopped', atMs: 10 }, { status: 'paused', atMs: 5 }).status).toBe('stopped');
    expect(mergeRecordingStatus({ status: 'paused', atMs: 10 }, { status: 'recording', atMs: 11 }).status).toBe('recording');
    expect(mergeRecordingStatus({ status: 'paused' }, { status: 'recording' }).status).toBe('recording');
  });

  it('matches provisional starts to the recording of the same occurrence only', () => {
    const start = Date.UTC(2024, 0, 1, 9);
    expect(sameOccurrence(start, start)).toBe(true);
    expect(sameOccurrence(start + 30 * 60_000, start)).toBe(true);
    expect(sameOccurrence(start + OCCURRENCE_WINDOW_MS, start)).toBe(false);
    expect(sameOccurrence(start + 24 * 3_600_000, start)).toBe(false); // next day's occurrence
  });
});

describe('counter deltas', () => {
  const item = (over: Partial<StoredMeeting>) =>
    ({ gsiStartSk: 'x', gsiAccountPk: 'ACCOUNT', gsiUserPk: 'USER#a', gsiMeetingIdPk: 'MID#1', mediaStartTimeMs: Date.UTC(2024, 0, 1, 23), ...over }) as StoredMeeting;

  it('counts a new item once per partition and moves only what changed', () => {
    expect([...counterDeltas([undefined], [item({})])].sort()).toEqual([
      ['ACCOUNT\u00001704150000', 1],
      ['MID#1\u00001704150000', 1],
      ['USER#a\u00001704150000', 1],
    ]);
    expect([...counterDeltas([item({})], [item({ gsiUserPk: 'USER#b' })])].sort()).toEqual([
      ['USER#a\u00001704150000', -1],
      ['USER#b\u00001704150000', 1],
    ]);
    expect(counterDeltas([item({})], [item({ subject: 'x' } as never)]).size).toBe(0);
    expect(counterDeltas([item({})], [item({ mediaStartTimeMs: Date.UTC(2024, 0, 2, 1) })]).size).toBe(6);
  });
});
