// The TENCENT_MEETING_* names, in one place: environment variables locally, JSON keys of the
// deployed stack's secret; and the API base the config and the CDK stack default to. No imports, so the CDK app and the local stack can read the list
// without loading the config loader (zod, Powertools).

/** The app credentials and webhook secrets: the JSON keys of the stack's Secrets Manager secret. */
export const TENCENT_SECRET_KEYS = [
  'TENCENT_MEETING_APP_ID',
  'TENCENT_MEETING_SDK_ID',
  'TENCENT_MEETING_SECRET_ID',
  'TENCENT_MEETING_SECRET_KEY',
  'TENCENT_MEETING_OPERATOR_ID',
  'TENCENT_MEETING_OPERATOR_ID_TYPE',
  'TENCENT_MEETING_WEBHOOK_TOKEN',
  'TENCENT_MEETING_ENCODING_AES_KEY',
] as const;

/**
 * What the internet-facing webhook needs, and all it may read: in AWS a secret of its own
 * (TENCENT_MEETING_WEBHOOK_SECRET_ARN), so the webhook's role never holds SecretId/SecretKey.
 */
export const TENCENT_WEBHOOK_SECRET_KEYS = ['TENCENT_MEETING_WEBHOOK_TOKEN', 'TENCENT_MEETING_ENCODING_AES_KEY'] as const;

/** The REST API credentials: the JSON keys of the stack's API secret (TENCENT_MEETING_SECRET_ARN). */
export const TENCENT_API_SECRET_KEYS = TENCENT_SECRET_KEYS.filter(
  (key): key is Exclude<(typeof TENCENT_SECRET_KEYS)[number], (typeof TENCENT_WEBHOOK_SECRET_KEYS)[number]> =>
    !(TENCENT_WEBHOOK_SECRET_KEYS as readonly string[]).includes(key),
);

/** Every key the config reads, as env variable names and as keys of the secret's JSON. */
export const TENCENT_CONFIG_KEYS = [
  'TENCENT_MEETING_API_BASE',
  'TENCENT_MEETING_AUTH_MODE',
  ...TENCENT_SECRET_KEYS,
  'TENCENT_MEETING_ACCESS_TOKEN',
  'TENCENT_MEETING_OPEN_ID',
] as const;

export type TencentConfigKey = (typeof TENCENT_CONFIG_KEYS)[number];

/** Names the secret, in AWS, whose JSON holds TENCENT_SECRET_KEYS. */
export const TENCENT_SECRET_ARN_ENV = 'TENCENT_MEETING_SECRET_ARN';

/** Names the webhook's secret, in AWS, whose JSON holds TENCENT_WEBHOOK_SECRET_KEYS. */
export const TENCENT_WEBHOOK_SECRET_ARN_ENV = 'TENCENT_MEETING_WEBHOOK_SECRET_ARN';

/** TENCENT_MEETING_API_BASE when unset: Tencent Meeting's public API. */
export const DEFAULT_API_BASE = 'https://api.meeting.qq.com';
