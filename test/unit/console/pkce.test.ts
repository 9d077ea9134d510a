// The console's sign-in pieces (console/src/pkce.ts): what the issuer and the browser exchange in
// the authorization-code flow with PKCE, checked against RFC 7636 and OAuth 2.0's rules.
import { authorizationUrl, base64Url, codeChallenge, discoveryUrl, jwtExpiryMs, parseCallback, randomVerifier, tokenRequestBody } from '../../../console/src/pkce.ts';

describe('PKCE (RFC 7636)', () => {
  it('derives the S256 challenge of Appendix B', async () => {
    expect(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('encodes the verifier of Appendix B from its octets (base64url, no padding)', () => {
    const octets = [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121];
    expect(base64Url(new Uint8Array(octets))).toBe('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
    expect(randomVerifier((bytes) => (bytes.set(octets), bytes))).toBe('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
  });

  it('makes a fresh 43-character verifier from the unreserved alphabet each time', () => {
    const a = randomVerifier();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomVerifier()).not.toBe(a);
  });
});

describe('authorization request and callback', () => {
  it('asks for a code with the S256 challenge, the state and the scopes, and no secret', () => {
    const url = new URL(authorizationUrl({ authorizationEndpoint: 'https://auth.example.com/oauth2/authorize?tenant=a', clientId: 'console', redirectUri: 'https://api.example.com/', scopes: ['openid', 'archive/read'], state: 'st-1', challenge: 'ch-1' }));
    expect(url.origin + url.pathname).toBe('https://auth.example.com/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: 'a',
      response_type: 'code',
      client_id: 'console',
      redirect_uri: 'https://api.example.com/',
      scope: 'openid archive/read',
      state: 'st-1',
      code_challenge: 'ch-1',
      code_challenge_method: 'S256',
    });
  });

  it('accepts the code only with the state this tab sent', () => {
    expect(parseCallback('', 'st-1')).toEqual({ kind: 'none' });
    expect(parseCallback('?code=abc&state=st-1', 'st-1')).toEqual({ kind: 'code', code: 'abc' });
    expect(parseCallback('?code=abc&state=forged', 'st-1')).toMatchObject({ kind: 'error', message: expect.stringContaining('state mismatch') });
    expect(parseCallback('?code=abc&state=st-1', null)).toMatchObject({ kind: 'error' });
    expect(parseCallback('?error=access_denied&error_description=User+cancelled&state=st-1', 'st-1')).toEqual({ kind: 'error', message: 'Sign-in failed: access_denied (User cancelled)' });
  });

  it('redeems the code with the verifier as a public client', () => {
    expect(Object.fromEntries(tokenRequestBody({ code: 'abc', redirectUri: 'https://api.example.com/', clientId: 'console', verifier: 'v' }))).toEqual({
      grant_type: 'authorization_code',
      code: 'abc',
      redirect_uri: 'https://api.example.com/',
      client_id: 'console',
      code_verifier: 'v',
    });
  });

  it("finds the issuer's discovery document", () => {
    expect(discoveryUrl('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/')).toBe('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/openid-configuration');
  });

  it("reads a token's expiry so an expired one is dropped before it is sent", () => {
    const jwt = (payload: object) => `${base64Url(new TextEncoder().encode('{"alg":"RS256"}'))}.${base64Url(new TextEncoder().encode(JSON.stringify(payload)))}.sig`;
    expect(jwtExpiryMs(jwt({ exp: 1_767_225_600, sub: '王芳' }))).toBe(1_767_225_600_000);
    expect(jwtExpiryMs(jwt({ sub: 'x' }))).toBeUndefined();
    expect(jwtExpiryMs('an-opaque-local-token')).toBeUndefined();
  });
});
