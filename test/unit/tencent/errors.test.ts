import { createTencentApiError, isMinuteRateLimited, rateLimitOf } from '../../../shared/tencent/errors.ts';

describe('rate-limit classifier', () => {
  it('recognises Tencent per-minute limits however they are wrapped', () => {
    expect(isMinuteRateLimited({ errorCode: 190313 })).toBe(true);
    expect(isMinuteRateLimited(new Error('x', { cause: { error_code: '190310' } }))).toBe(true);
    expect(isMinuteRateLimited({ errorCode: 190004 })).toBe(false);
    expect(isMinuteRateLimited(undefined)).toBe(false);
  });

  it('tells the per-minute limits from the daily quota, which a sweep does not wait out', () => {
    expect([190310, 190313, '190313', 190311, 190004, undefined].map(rateLimitOf)).toEqual(['minute', 'minute', 'minute', 'daily', undefined, undefined]);
    const daily = createTencentApiError({ message: 'quota', errorCode: 190311, httpStatus: 400, method: 'GET', path: '/v1/corp/records' });
    expect(daily).toMatchObject({ isRateLimit: true, retryable: true });
    expect(isMinuteRateLimited(daily)).toBe(false);
  });

  it('counts an HTTP 429 without a Tencent code as a per-minute limit, waited out like 190310', () => {
    const proxied = createTencentApiError({ message: 'Too Many Requests', httpStatus: 429, method: 'GET', path: '/v1/records' });
    expect(proxied).toMatchObject({ isRateLimit: true, retryable: true });
    expect(isMinuteRateLimited(proxied)).toBe(true);
    expect(rateLimitOf(undefined, 429)).toBe('minute');
    expect(rateLimitOf(190311, 429)).toBe('daily');
  });
});
