// What the simulator plays where Tencent's primary sources are silent or disagree
// (../shared/reference/open-points.md): one facet per open point, and named profiles that bundle
// the readings a real account may show. The archive must pass under every profile; a simulator
// that plays only the reading the client expects proves nothing.

/** One reading of each open point. Numbers in comments are the open points' numbers. */
export interface SourceReadings {
  /**
   * #2 / #3: the operator form GET /v1/records and GET /v1/addresses/{id} accept.
   * 'sdk': operator_id + operator_id_type (the official SDKs); 'seed': `userid`, with
   * operator_id_type for rooms (3) only (the customer's seed 000); 'either': both.
   */
  readonly operatorForm: 'sdk' | 'seed' | 'either';
  /**
   * How the form the account does not accept is answered: an error code no source documents, an
   * empty list, or 9003 ("会议不存在", as if the meeting did not exist: a code no source ties to the
   * operator form, but nothing rules it out either).
   */
  readonly otherFormAnswer: 'unknown-error' | 'empty' | 'meeting-missing';
  /** #4: record_size reported minus the bytes served (0: exact; may be negative). */
  readonly recordSizeSkewBytes: number;
  /** #10: lifetime of recording (video/audio) download links, ms. SDK-GO: 6 h. */
  readonly recordingLinkTtlMs: number;
  /** #10: lifetime of AI transcript / minutes links, ms. SDK-GO: 5 min. */
  readonly transcriptLinkTtlMs: number;
  /**
   * #11: "时间区间不允许超过31天" read as seconds (a window of exactly 31 × 86 400 s passes) or as
   * calendar dates in Beijing time (a window may touch at most 31 of them).
   */
  readonly windowLimit: 'seconds' | 'calendar-dates';
  /** #8: header names match in any case (Tencent) or only as documented. */
  readonly headerCase: 'any' | 'exact';
  /** #15: rate-limit refusals carry a Retry-After header. */
  readonly retryAfter: boolean;
  /** #1: events of recurring meetings carry the whole series' start_time / end_time (LULAB's payloads). */
  readonly seriesTimesInEvents: boolean;
  /** #5: events about uploaded recordings carry no meeting_info. */
  readonly eventsWithoutMeetingInfo: boolean;
  /** #6: transcripts and minutes are listed in a different order on every call. */
  readonly reorderArtifacts: boolean;
  /**
   * #14: what GET /v1/addresses/{id} answers for a deleted file. DOC-43704 lists 4051 ("recording
   * file already deleted") and 9003 ("meeting does not exist"); no source says which this API uses.
   */
  readonly deletedFileAnswer: 4051 | 9003;
  /** #14: ms a deleted file (or recording) stays in GET /v1/records and /v1/corp/records (a lagging list); 0 = gone at once. */
  readonly deletionListLagMs: number;
  /**
   * What GET /v1/meetings?meeting_code= answers for a code that names no meeting now (never used,
   * or recycled: "若会议号被回收则无法通过 Code 查询"). No source gives the answer: 9003 ("会议不存在")
   * or an empty meeting_info_list.
   */
  readonly meetingCodeMiss: 'error-9003' | 'empty';
}

/** What the simulator did before profiles existed: the SDK's operator form, exact sizes. */
const SDK: SourceReadings = {
  operatorForm: 'sdk',
  otherFormAnswer: 'unknown-error',
  recordSizeSkewBytes: 0,
  recordingLinkTtlMs: 6 * 60 * 60 * 1000,
  transcriptLinkTtlMs: 5 * 60 * 1000,
  windowLimit: 'seconds',
  headerCase: 'any',
  retryAfter: true,
  seriesTimesInEvents: false,
  eventsWithoutMeetingInfo: false,
  reorderArtifacts: false,
  deletedFileAnswer: 4051,
  deletionListLagMs: 0,
  meetingCodeMiss: 'error-9003',
};

export const PROFILES = {
  /** The official SDKs' reading of every point. */
  sdk: SDK,
  /** The SDK form, and the seed form answered with an empty list instead of an error. */
  'sdk-empty': { ...SDK, otherFormAnswer: 'empty' },
  /** The customer's seed documents' reading: `userid`, the SDK form refused with an undocumented code. */
  seed: { ...SDK, operatorForm: 'seed' },
  /** The seed form, and the SDK form answered with an empty list. */
  'seed-empty': { ...SDK, operatorForm: 'seed', otherFormAnswer: 'empty' },
  /**
   * Everything production traffic has been seen to do at once: seed form, inexact record_size,
   * series times in events, uploaded recordings without meeting_info, reordered artifacts, no
   * Retry-After, 5-minute links everywhere, deleted files answered with 9003 and still listed for 3 s,
   * 31 days counted as calendar dates, an unknown meeting code answered with an empty list.
   */
  wild: {
    operatorForm: 'seed',
    otherFormAnswer: 'empty',
    recordSizeSkewBytes: -4096,
    recordingLinkTtlMs: 5 * 60 * 1000,
    transcriptLinkTtlMs: 5 * 60 * 1000,
    windowLimit: 'calendar-dates',
    headerCase: 'any',
    retryAfter: false,
    seriesTimesInEvents: true,
    eventsWithoutMeetingInfo: true,
    reorderArtifacts: true,
    deletedFileAnswer: 9003,
    deletionListLagMs: 3000,
    meetingCodeMiss: 'empty',
  },
} as const satisfies Record<string, SourceReadings>;

export type ProfileName = keyof typeof PROFILES;

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

/** A named profile, optionally with single facets overridden (tests), as a fresh mutable copy. */
export function resolveReadings(profile: ProfileName | undefined = 'sdk', overrides: Partial<SourceReadings> = {}): SourceReadings {
  const base = PROFILES[profile];
  if (!base) throw new Error(`unknown simulator profile "${String(profile)}" (one of ${PROFILE_NAMES.join(', ')})`);
  return { ...base, ...overrides };
}
