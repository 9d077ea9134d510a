// The console's sign-in settings (CONSOLE_OIDC_*) as the query function reads them, and what the
// page is told to do with them (shared/console/site.ts).
import { querySettings } from '../../../shared/config/environment.ts';
import { consoleAuthOf } from '../../../shared/console/site.ts';

const base = { ARCHIVE_TABLE_NAME: 't' };

describe('console sign-in settings', () => {
  it('signs in at the issuer with the client id, asking for openid and the read scope by default', () => {
    const settings = querySettings({ ...base, CONSOLE_OIDC_ISSUER: 'https://idp.example.com/pool', CONSOLE_OIDC_CLIENT_ID: 'console', ARCHIVE_JWT_READ_SCOPE: 'recordings/own' });
    expect(settings.consoleOidc).toEqual({ issuer: 'https://idp.example.com/pool', clientId: 'console', scopes: ['openid', 'recordings/own'] });
    expect(consoleAuthOf(settings)).toEqual({ mode: 'oidc', issuer: 'https://idp.example.com/pool', clientId: 'console', scopes: ['openid', 'recordings/own'] });
  });

  it('takes the scopes and the endpoints when given', () => {
    const settings = querySettings({
      ...base,
      CONSOLE_OIDC_ISSUER: 'https://idp.example.com/',
      CONSOLE_OIDC_CLIENT_ID: 'console',
      CONSOLE_OIDC_SCOPES: ' openid  archive/read archive/admin ',
      CONSOLE_OIDC_AUTHORIZATION_ENDPOINT: 'https://auth.example.com/oauth2/authorize',
      CONSOLE_OIDC_TOKEN_ENDPOINT: 'http://127.0.0.1:9000/token',
    });
    expect(settings.consoleOidc).toEqual({
      issuer: 'https://idp.example.com/',
      clientId: 'console',
      scopes: ['openid', 'archive/read', 'archive/admin'],
      authorizationEndpoint: 'https://auth.example.com/oauth2/authorize',
      tokenEndpoint: 'http://127.0.0.1:9000/token',
    });
  });

  it('refuses a sign-in endpoint over plain http to another host, naming the variable', () => {
    expect(() => querySettings({ ...base, CONSOLE_OIDC_ISSUER: 'http://idp.example.com/', CONSOLE_OIDC_CLIENT_ID: 'c' })).toThrow(/CONSOLE_OIDC_ISSUER/);
  });

  it('without an issuer and client id: the bearer token locally, and a plain statement for IAM-only stacks', () => {
    expect(querySettings({ ...base, CONSOLE_OIDC_ISSUER: 'https://idp.example.com/' }).consoleOidc).toBeUndefined();
    expect(consoleAuthOf(querySettings({ ...base, ARCHIVE_API_TOKEN: 'secret' }))).toEqual({ mode: 'token' });
    expect(consoleAuthOf(querySettings(base))).toEqual({ mode: 'unavailable', reason: expect.stringMatching(/IAM \(SigV4\).*JWT issuer/) });
  });
});
