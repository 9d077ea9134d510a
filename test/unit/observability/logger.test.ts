import { isSecretKey } from '../../../shared/observability/logger.ts';

describe('log redaction', () => {
  it.each([
    'password', 'stsToken', 'sts_token', 'webhookToken', 'apiToken', 'archiveApiToken', 'secretKey', 'TENCENT_MEETING_SECRET_KEY',
    'encodingAesKey', 'encoding_aes_key', 'signature', 'authorization', 'download_address', 'audioAddress', 'view_address',
    'sharing_url', 'sharingUrl', 'check_str', 'checkStr', 'data', 'url', 'sourceUrl', 'resolvedUrl',
  ])('redacts %s', (key) => expect(isSecretKey(key)).toBe(true));

  it.each(['meetingId', 'meeting_record_id', 'recordFileId', 'artifact', 'bytes', 'status', 'traceId', 'reason', 'curl'])(
    'keeps %s',
    (key) => expect(isSecretKey(key)).toBe(false),
  );
});
