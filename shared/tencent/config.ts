// Tencent Meeting credentials and settings. Locally they come from the environment; in AWS from
// one Secrets Manager secret (JSON with the same keys) named by TENCENT_MEETING_SECRET_ARN.
// Validation errors name the variable, never its value.
import * as z from '../validation/zod.ts';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ValidationError } from '../errors.ts';
import { DEFAULT_API_BASE, TENCENT_CONFIG_KEYS, TENCENT_SECRET_ARN_ENV, TENCENT_WEBHOOK_SECRET_ARN_ENV, type TencentConfigKey } from './config-keys.ts';

/** operator_id_type: 1 userid, 2 openid, 3 rooms_id. */
export type OperatorIdType = 1 | 2 | 3;

export interface SignatureAuth {
  readonly mode: 'signature';
  readonly appId: string;
  /** Sent as SdkId only when Tencent assigned one (sending an unassigned one fails with 190303). */
  readonly sdkId?: string;
  readonly secretId: string;
  readonly secretKey: string;
}

export interface OAuthAuth {
  readonly mode: 'oauth';
  readonly accessToken: string;
  readonly openId: string;
}

export interface TencentConfig {
  readonly apiBase: string;
  readonly auth: SignatureAuth | OAuthAuth;
  readonly operatorId: string;
  readonly operatorIdType: OperatorIdType;
  /** Needed by the webhook only; see requireWebhookSecrets. */
  readonly webhookToken?: string;
  readonly encodingAesKey?: string;
}

const blankToUndefined = z.blankToUndefined;
const optionalText = z.optional(z.string().check(z.trim()));
const text = z.preprocess(blankToUndefined, optionalText);
// Secrets written by hand as JSON often carry ids as numbers.
const idText = z.preprocess(
  (value) => (typeof value === 'number' ? String(value) : blankToUndefined(value)),
  optionalText,
);

const rawSchema = z.object({
  TENCENT_MEETING_API_BASE: z.preprocess(blankToUndefined, z.optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))),
  TENCENT_MEETING_AUTH_MODE: z.preprocess(
    blankToUndefined,
    z.optional(z.enum(['signature', 'oauth'], { error: 'must be "signature" or "oauth"' })),
  ),
  TENCENT_MEETING_APP_ID: idText,
  TENCENT_MEETING_SDK_ID: idText,
  TENCENT_MEETING_SECRET_ID: text,
  TENCENT_MEETING_SECRET_KEY: text,
  TENCENT_MEETING_ACCESS_TOKEN: text,
  TENCENT_MEETING_OPEN_ID: text,
  TENCENT_MEETING_OPERATOR_ID: idText,
  TENCENT_MEETING_OPERATOR_ID_TYPE: z.preprocess(
    blankToUndefined,
    z.optional(z.coerce.number({ error: 'must be 1, 2 or 3' }).check(z.int(), z.gte(1, 'must be 1, 2 or 3'), z.lte(3, 'must be 1, 2 or 3'))),
  ),
  TENCENT_MEETING_WEBHOOK_TOKEN: text,
  TENCENT_MEETING_ENCODING_AES_KEY: z.preprocess(
    blankToUndefined,
    z.optional(z.string().check(z.regex(/^[A-Za-z0-9]{43}$/, 'must be 43 letters or digits'))),
  ),
});

type RawConfig = z.infer<typeof rawSchema>;

function fail(problems: readonly string[]): never {
  throw new ValidationError(`Invalid Tencent Meeting configuration: ${problems.join('; ')}`, { variables: problems.map((p) => p.split(':')[0]) });
}

function requireKeys(raw: RawConfig, keys: readonly TencentConfigKey[], why: string): string[] {
  return keys.filter((key) => raw[key as keyof RawConfig] === undefined).map((key) => `${key}: required ${why}`);
}

/** Validates a bag of TENCENT_MEETING_* values (env or the secret's JSON). */
export function parseTencentConfig(source: Readonly<Record<string, unknown>>): TencentConfig {
  const picked: Record<string, unknown> = {};
  for (const key of TENCENT_CONFIG_KEYS) picked[key] = source[key];
  const parsed = rawSchema.safeParse(picked);
  if (!parsed.success) {
    fail(parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'config')}: ${issue.message}`));
  }
  const raw = parsed.data;
  const apiBase = (raw.TENCENT_MEETING_API_BASE ?? DEFAULT_API_BASE).replace(/\/+$/, '');
  const common = {
    apiBase,
    ...(raw.TENCENT_MEETING_WEBHOOK_TOKEN ? { webhookToken: raw.TENCENT_MEETING_WEBHOOK_TOKEN } : {}),
    ...(raw.TENCENT_MEETING_ENCODING_AES_KEY ? { encodingAesKey: raw.TENCENT_MEETING_ENCODING_AES_KEY } : {}),
  };
  if (raw.TENCENT_MEETING_AUTH_MODE === 'oauth') {
    const problems = requireKeys(raw, ['TENCENT_MEETING_ACCESS_TOKEN', 'TENCENT_MEETING_OPEN_ID'], 'in oauth mode');
    if (problems.length > 0) fail(problems);
    // An OAuth user acts as themself: the operator defaults to their open id (type 2).
    return {
      ...common,
      auth: { mode: 'oauth', accessToken: raw.TENCENT_MEETING_ACCESS_TOKEN!, openId: raw.TENCENT_MEETING_OPEN_ID! },
      operatorId: raw.TENCENT_MEETING_OPERATOR_ID ?? raw.TENCENT_MEETING_OPEN_ID!,
      operatorIdType: (raw.TENCENT_MEETING_OPERATOR_ID_TYPE ?? (raw.TENCENT_MEETING_OPERATOR_ID ? 1 : 2)) as OperatorIdType,
    };
  }
  const problems = requireKeys(
    raw,
    ['TENCENT_MEETING_APP_ID', 'TENCENT_MEETING_SECRET_ID', 'TENCENT_MEETING_SECRET_KEY', 'TENCENT_MEETING_OPERATOR_ID'],
    'for signature (AK/SK) auth',
  );
  if (problems.length > 0) fail(problems);
  return {
    ...common,
    auth: {
      mode: 'signature',
      appId: raw.TENCENT_MEETING_APP_ID!,
      secretId: raw.TENCENT_MEETING_SECRET_ID!,
      secretKey: raw.TENCENT_MEETING_SECRET_KEY!,
      ...(raw.TENCENT_MEETING_SDK_ID ? { sdkId: raw.TENCENT_MEETING_SDK_ID } : {}),
    },
    operatorId: raw.TENCENT_MEETING_OPERATOR_ID!,
    operatorIdType: (raw.TENCENT_MEETING_OPERATOR_ID_TYPE ?? 1) as OperatorIdType,
  };
}

export function loadTencentConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TencentConfig {
  return parseTencentConfig(env);
}

/** Cache the secret for 5 minutes: a rotated secret is picked up without a cold start. */
const SECRET_MAX_AGE_MS = 300_000;

export interface SecretSource {
  /** The secret's JSON object, read at most once per 5 minutes per ARN. */
  read(secretArn: string): Promise<Record<string, unknown>>;
}

/**
 * One GetSecretValue per ARN every 5 minutes, on the SDK client itself. (Powertools Parameters did
 * the same and cost the ingest bundle 3 KiB more than its 600 KiB budget allows; a time-boxed
 * cache of one value is all of what it did here.) A failed read is not cached.
 */
export function secretsManagerSource(client: Pick<SecretsManagerClient, 'send'> = new SecretsManagerClient({}), now: () => number = Date.now): SecretSource {
  const cache = new Map<string, { readonly value: Promise<Record<string, unknown>>; readonly expiresAtMs: number }>();
  return {
    read(secretArn) {
      const cached = cache.get(secretArn);
      if (cached && cached.expiresAtMs > now()) return cached.value;
      const value = client
        .send(new GetSecretValueCommand({ SecretId: secretArn }))
        .then((out) => secretJson(out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined)));
      const entry = { value, expiresAtMs: now() + SECRET_MAX_AGE_MS };
      cache.set(secretArn, entry);
      // Only this read's entry goes: a newer read may have replaced it meanwhile.
      value.catch(() => cache.get(secretArn) === entry && cache.delete(secretArn));
      return value;
    },
  };
}

function secretJson(text: string | undefined): Record<string, unknown> {
  let secret: unknown;
  try {
    secret = text === undefined ? undefined : JSON.parse(text);
  } catch {
    secret = undefined;
  }
  if (secret === null || typeof secret !== 'object' || Array.isArray(secret)) {
    throw new ValidationError('TENCENT_MEETING_SECRET_ARN: the secret must be a JSON object with TENCENT_MEETING_* keys');
  }
  return secret as Record<string, unknown>;
}

let defaultSecrets: SecretSource | undefined;

/**
 * In AWS (TENCENT_MEETING_SECRET_ARN set) reads the one secret, cached; environment values fill in
 * keys the secret lacks (e.g. TENCENT_MEETING_API_BASE). Otherwise reads the environment.
 */
export async function loadTencentConfig(env: NodeJS.ProcessEnv = process.env, secrets?: SecretSource): Promise<TencentConfig> {
  const secretArn = env[TENCENT_SECRET_ARN_ENV]?.trim();
  if (!secretArn) return loadTencentConfigFromEnv(env);
  const secret = await (secrets ?? (defaultSecrets ??= secretsManagerSource())).read(secretArn);
  return parseTencentConfig({ ...env, ...secret });
}

/** The webhook needs the subscription token; this fails naming the variable when it is missing. */
export function requireWebhookSecrets(config: TencentConfig): { token: string; encodingAesKey?: string } {
  if (!config.webhookToken) fail(['TENCENT_MEETING_WEBHOOK_TOKEN: required by the webhook']);
  return { token: config.webhookToken, ...(config.encodingAesKey ? { encodingAesKey: config.encodingAesKey } : {}) };
}

// Built on first use, so bundles without the webhook (ingest, reconcile) do not carry it.
let webhookSchema: z.ZodMiniObject<Pick<typeof rawSchema.shape, 'TENCENT_MEETING_WEBHOOK_TOKEN' | 'TENCENT_MEETING_ENCODING_AES_KEY'>> | undefined;

/**
 * The webhook's secrets, and nothing else: in AWS from its own secret
 * (TENCENT_MEETING_WEBHOOK_SECRET_ARN), which is all its role may read; a stack deployed before
 * the split keeps them in the one secret (TENCENT_MEETING_SECRET_ARN), read as before; locally the
 * environment. Unlike loadTencentConfig it needs no app credentials.
 */
export async function loadWebhookSecrets(env: NodeJS.ProcessEnv = process.env, secrets?: SecretSource): Promise<{ token: string; encodingAesKey?: string }> {
  const secretArn = (env[TENCENT_WEBHOOK_SECRET_ARN_ENV] ?? env[TENCENT_SECRET_ARN_ENV])?.trim();
  const source = secretArn ? { ...env, ...(await (secrets ?? (defaultSecrets ??= secretsManagerSource())).read(secretArn)) } : env;
  webhookSchema ??= z.object({
    TENCENT_MEETING_WEBHOOK_TOKEN: rawSchema.shape.TENCENT_MEETING_WEBHOOK_TOKEN,
    TENCENT_MEETING_ENCODING_AES_KEY: rawSchema.shape.TENCENT_MEETING_ENCODING_AES_KEY,
  });
  const parsed = webhookSchema.safeParse({ TENCENT_MEETING_WEBHOOK_TOKEN: source.TENCENT_MEETING_WEBHOOK_TOKEN, TENCENT_MEETING_ENCODING_AES_KEY: source.TENCENT_MEETING_ENCODING_AES_KEY });
  if (!parsed.success) fail(parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'config')}: ${issue.message}`));
  const { TENCENT_MEETING_WEBHOOK_TOKEN: token, TENCENT_MEETING_ENCODING_AES_KEY: encodingAesKey } = parsed.data;
  if (!token) fail(['TENCENT_MEETING_WEBHOOK_TOKEN: required by the webhook']);
  return { token, ...(encodingAesKey ? { encodingAesKey } : {}) };
}
