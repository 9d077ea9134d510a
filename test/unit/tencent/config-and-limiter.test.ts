import { loadTencentConfig, loadTencentConfigFromEnv, loadWebhookSecrets, requireWebhookSecrets, secretsManagerSource } from '../../../shared/tencent/config.ts';
import { SlidingWindowRateLimiter } from '../../../shared/tencent/rate-limiter.ts';
import { ValidationError } from '../../../shared/errors.ts';

const base = {
  TENCENT_MEETING_APP_ID: '200000001',
  TENCENT_MEETING_SECRET_ID: 'AKIDsecretid',
  TENCENT_MEETING_SECRET_KEY: 'super-secret-key-value',
  TENCENT_MEETING_OPERATOR_ID: 'admin',
};

describe('Tencent config', () => {
  it('reads AK/SK mode with defaults', () => {
    const config = loadTencentConfigFromEnv(base);
    expect(config).toEqual({
      apiBase: 'https://api.meeting.qq.com',
      auth: { mode: 'signature', appId: '200000001', secretId: 'AKIDsecretid', secretKey: 'super-secret-key-value' },
      operatorId: 'admin',
      operatorIdType: 1,
    });
  });

  it('names every missing variable and never prints a secret value', () => {
    let error: unknown;
    try {
      loadTencentConfigFromEnv({ TENCENT_MEETING_SECRET_KEY: 'super-secret-key-value', TENCENT_MEETING_OPERATOR_ID_TYPE: '9' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toContain('TENCENT_MEETING_OPERATOR_ID_TYPE');
    expect(message).not.toContain('super-secret-key-value');
    expect(() => loadTencentConfigFromEnv({ TENCENT_MEETING_SECRET_KEY: 'super-secret-key-value' })).toThrow(
      /TENCENT_MEETING_APP_ID.*TENCENT_MEETING_SECRET_ID.*TENCENT_MEETING_OPERATOR_ID/,
    );
    expect(() => loadTencentConfigFromEnv({ ...base, TENCENT_MEETING_ENCODING_AES_KEY: 'tooShortSecretValue' })).toThrow(/TENCENT_MEETING_ENCODING_AES_KEY/);
  });

  it('supports an optional SdkId, a custom base URL and the webhook secrets', () => {
    const config = loadTencentConfigFromEnv({
      ...base,
      TENCENT_MEETING_SDK_ID: '20000001',
      TENCENT_MEETING_API_BASE: 'http://127.0.0.1:3100/',
      TENCENT_MEETING_WEBHOOK_TOKEN: 'a'.repeat(25),
    });
    expect(config.apiBase).toBe('http://127.0.0.1:3100');
    expect(config.auth).toMatchObject({ sdkId: '20000001' });
    expect(requireWebhookSecrets(config)).toEqual({ token: 'a'.repeat(25) });
    expect(() => requireWebhookSecrets(loadTencentConfigFromEnv(base))).toThrow(/TENCENT_MEETING_WEBHOOK_TOKEN/);
  });

  it('reads OAuth mode', () => {
    const config = loadTencentConfigFromEnv({ TENCENT_MEETING_AUTH_MODE: 'oauth', TENCENT_MEETING_ACCESS_TOKEN: 't', TENCENT_MEETING_OPEN_ID: 'o' });
    expect(config.auth).toEqual({ mode: 'oauth', accessToken: 't', openId: 'o' });
    expect(config).toMatchObject({ operatorId: 'o', operatorIdType: 2 });
    expect(() => loadTencentConfigFromEnv({ TENCENT_MEETING_AUTH_MODE: 'oauth' })).toThrow(/TENCENT_MEETING_ACCESS_TOKEN/);
  });

  it('reads the environment when no secret ARN is set', async () => {
    await expect(loadTencentConfig(base)).resolves.toMatchObject({ operatorId: 'admin' });
  });
});

describe('SlidingWindowRateLimiter', () => {
  it('never grants more than `limit` calls in any window, in FIFO order', async () => {
    let clock = 0;
    const limiter = new SlidingWindowRateLimiter({
      limit: 10,
      windowMs: 60_000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const grants: number[] = [];
    await Promise.all(Array.from({ length: 35 }, () => limiter.acquire().then(() => grants.push(clock))));
    expect(grants).toHaveLength(35);
    for (const t of grants) expect(grants.filter((g) => g > t - 60_000 && g <= t).length).toBeLessThanOrEqual(10);
    expect(clock).toBeGreaterThanOrEqual(3 * 60_000);
  });
});

// Secrets Manager does not run here (no emulator for it): a stand-in for the SDK client's `send`
// plays it, so what is tested is the caching and parsing around the real GetSecretValue call.
describe('Tencent config from Secrets Manager', () => {
  const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:tencent';
  function stubClient(answers: Array<string | Error>) {
    const requests: unknown[] = [];
    const send = async (command: { input: unknown }) => {
      requests.push(command.input);
      const answer = answers.shift();
      if (answer instanceof Error || answer === undefined) throw answer ?? new Error('no more answers');
      return { SecretString: answer };
    };
    return { client: { send } as never, requests };
  }

  it('reads the secret once per 5 minutes, lets the environment fill in missing keys, and picks up a rotation after', async () => {
    let nowMs = 1_000_000;
    const rotated = { ...base, TENCENT_MEETING_SECRET_KEY: 'rotated-secret-key' };
    const { client, requests } = stubClient([JSON.stringify(base), JSON.stringify(rotated)]);
    const secrets = secretsManagerSource(client, () => nowMs);
    const env = { TENCENT_MEETING_SECRET_ARN: ARN, TENCENT_MEETING_API_BASE: 'https://example.test' };
    const first = await loadTencentConfig(env, secrets);
    expect(first).toMatchObject({ apiBase: 'https://example.test', auth: { secretKey: 'super-secret-key-value' } });
    nowMs += 299_000;
    await loadTencentConfig(env, secrets);
    expect(requests).toEqual([{ SecretId: ARN }]);
    nowMs += 2_000;
    expect((await loadTencentConfig(env, secrets)).auth).toMatchObject({ secretKey: 'rotated-secret-key' });
    expect(requests).toHaveLength(2);
  });

  it('does not cache a failed read, and refuses a secret that is not a JSON object, naming the variable', async () => {
    const { client, requests } = stubClient([new Error('throttled'), JSON.stringify(base), '["not", "an object"]']);
    const secrets = secretsManagerSource(client);
    await expect(secrets.read(ARN)).rejects.toThrow('throttled');
    await expect(secrets.read(ARN)).resolves.toMatchObject({ TENCENT_MEETING_APP_ID: '200000001' });
    expect(requests).toHaveLength(2);
    const other = secretsManagerSource(stubClient(['["not", "an object"]']).client);
    await expect(other.read(ARN)).rejects.toThrow(ValidationError);
    await expect(secretsManagerSource(stubClient(['{oops']).client).read(ARN)).rejects.toThrow(/TENCENT_MEETING_SECRET_ARN/);
  });
});

describe('the webhook secrets (loadWebhookSecrets)', () => {
  const AES = 'a'.repeat(43);
  const readsOf = (byArn: Record<string, Record<string, unknown>>) => {
    const read: string[] = [];
    return { read, source: { read: async (arn: string) => (read.push(arn), byArn[arn] ?? Promise.reject(new Error(`AccessDenied: ${arn}`))) } };
  };

  it('reads only the webhook secret when the stack names one, without needing any app credential', async () => {
    const { read, source } = readsOf({ 'arn:webhook': { TENCENT_MEETING_WEBHOOK_TOKEN: 'tok', TENCENT_MEETING_ENCODING_AES_KEY: AES } });
    const env = { TENCENT_MEETING_WEBHOOK_SECRET_ARN: 'arn:webhook' };
    await expect(loadWebhookSecrets(env, source)).resolves.toEqual({ token: 'tok', encodingAesKey: AES });
    expect(read).toEqual(['arn:webhook']);
  });

  it('still reads a stack deployed before the split, whose one secret holds everything', async () => {
    const { read, source } = readsOf({ 'arn:all': { ...base, TENCENT_MEETING_WEBHOOK_TOKEN: 'old-token' } });
    await expect(loadWebhookSecrets({ TENCENT_MEETING_SECRET_ARN: 'arn:all' }, source)).resolves.toEqual({ token: 'old-token' });
    expect(read).toEqual(['arn:all']);
  });

  it('names the missing token, and a malformed AES key, never their values', async () => {
    const { source } = readsOf({ 'arn:webhook': { TENCENT_MEETING_WEBHOOK_TOKEN: '', TENCENT_MEETING_ENCODING_AES_KEY: '' } });
    await expect(loadWebhookSecrets({ TENCENT_MEETING_WEBHOOK_SECRET_ARN: 'arn:webhook' }, source)).rejects.toThrow(/TENCENT_MEETING_WEBHOOK_TOKEN: required by the webhook/);
    await expect(loadWebhookSecrets({ TENCENT_MEETING_WEBHOOK_TOKEN: 't', TENCENT_MEETING_ENCODING_AES_KEY: 'short-secret-value' })).rejects.toThrow(/TENCENT_MEETING_ENCODING_AES_KEY: must be 43/);
    await expect(loadWebhookSecrets({ TENCENT_MEETING_WEBHOOK_TOKEN: 't', TENCENT_MEETING_ENCODING_AES_KEY: 'short-secret-value' })).rejects.not.toThrow(/short-secret-value/);
  });
});
