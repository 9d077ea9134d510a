import { signRequest, stringToSign, verifySignature } from '../../../shared/tencent/signing.ts';
import { createHmac } from 'node:crypto';

// Reference §1.3: produced by Tencent's official Python SDK authenticator.
const common = {
  secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
  secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
  timestamp: '1603123200',
  nonce: '1234567890',
};

const vectors = [
  {
    method: 'GET',
    uri: '/v1/records?end_time=1603123200&meeting_code=423111111&start_time=1602950400&userid=testUser',
    body: '',
    hex: 'c94b5a77082cf6b539741870bfaf56f06ee807b4f4b744eafd13aa4916747436',
    signature: 'Yzk0YjVhNzcwODJjZjZiNTM5NzQxODcwYmZhZjU2ZjA2ZWU4MDdiNGY0Yjc0NGVhZmQxM2FhNDkxNjc0NzQzNg==',
  },
  {
    method: 'GET',
    uri: '/v1/corp/records?start_time=1611072000&end_time=1613750400&page_size=10&page=1',
    body: '',
    hex: '8a65d270e7eb51ff644be2a017bdad4095ed52b120f8ee7e6d3aed393137c5eb',
    signature: 'OGE2NWQyNzBlN2ViNTFmZjY0NGJlMmEwMTdiZGFkNDA5NWVkNTJiMTIwZjhlZTdlNmQzYWVkMzkzMTM3YzVlYg==',
  },
  {
    method: 'GET',
    uri: '/v1/addresses?meeting_record_id=1362742106631111111&operator_id=test&operator_id_type=1',
    body: '',
    hex: '7ae109b6f0e383d9ec7ef1e74bb0dd339dc7703e3b25bd18b88f3b2d0d0f42cb',
    signature: 'N2FlMTA5YjZmMGUzODNkOWVjN2VmMWU3NGJiMGRkMzM5ZGM3NzAzZTNiMjViZDE4Yjg4ZjNiMmQwZDBmNDJjYg==',
  },
  {
    method: 'POST',
    uri: '/v1/meetings',
    body: '{"userid":"tester1","instanceid":1,"subject":"test","type":0,"start_time":"1603123200","end_time":"1603126800"}',
    hex: '3b88f82c9b99a8191fef26df5768630eb15815936e6fce7ec27ff4d01c35e792',
    signature: 'M2I4OGY4MmM5Yjk5YTgxOTFmZWYyNmRmNTc2ODYzMGViMTU4MTU5MzZlNmZjZTdlYzI3ZmY0ZDAxYzM1ZTc5Mg==',
  },
];

describe('signRequest (Tencent REST vectors)', () => {
  it.each(vectors.map((v, i) => [i + 1, v] as const))('reproduces vector #%i exactly', (_n, v) => {
    const input = { ...common, method: v.method, uri: v.uri, body: v.body };
    const signature = signRequest(input);
    expect(signature).toBe(v.signature);
    expect(signature).toHaveLength(88);
    expect(Buffer.from(signature, 'base64').toString('utf8')).toBe(v.hex);
    expect(createHmac('sha256', common.secretKey).update(stringToSign(input)).digest('hex')).toBe(v.hex);
    expect(verifySignature(input, v.signature)).toBe(true);
  });

  it('keeps the trailing newline of an empty GET body in the string to sign', () => {
    expect(stringToSign({ ...common, method: 'get', uri: '/v1/x' })).toBe(
      `GET\nX-TC-Key=${common.secretId}&X-TC-Nonce=1234567890&X-TC-Timestamp=1603123200\n/v1/x\n`,
    );
  });

  it('rejects a signature over a different URI, body or nonce', () => {
    const v = vectors[0]!;
    const input = { ...common, method: v.method, uri: v.uri, body: '' };
    expect(verifySignature({ ...input, uri: `${v.uri}&page=2` }, v.signature)).toBe(false);
    expect(verifySignature({ ...input, body: '{}' }, v.signature)).toBe(false);
    expect(verifySignature({ ...input, nonce: '1234567891' }, v.signature)).toBe(false);
    expect(verifySignature(input, 'short')).toBe(false);
  });
});
