import {
  DOWNLOAD_URL_TTL_MS,
  signDownloadToken,
  verifyDownloadToken,
} from './signedUrls';

describe('signed download tokens', () => {
  const secret = 'test-secret-of-some-length';
  const now = new Date('2026-12-01T12:00:00Z');
  const expires = new Date(now.getTime() + DOWNLOAD_URL_TTL_MS);
  const id = '6f1c1f3e-2f7a-4a55-9d59-0c8f5a2d1e11';

  it('accepts its own token until it expires', () => {
    const token = signDownloadToken(secret, id, expires);
    expect(verifyDownloadToken(secret, token, now)).toEqual({
      valid: true,
      jobId: id,
      expiresAt: expires,
    });
    expect(
      verifyDownloadToken(secret, token, new Date(expires.getTime())),
    ).toEqual({ valid: false, reason: 'expired' });
  });

  it('calls any change tampered: payload, mac, secret, shape', () => {
    const token = signDownloadToken(secret, id, expires);
    const [payload, mac] = token.split('.');
    const otherPayload = Buffer.from(
      JSON.stringify({ j: id, e: expires.getTime() + 3_600_000 }),
    ).toString('base64url');
    for (const bad of [
      `${otherPayload}.${mac}`,
      `${payload}.${mac.slice(0, -2)}AA`,
      `${payload}`,
      `${payload}.${mac}.x`,
      '',
    ]) {
      expect(verifyDownloadToken(secret, bad, now)).toEqual({
        valid: false,
        reason: 'tampered',
      });
    }
    expect(verifyDownloadToken('another-secret', token, now)).toEqual({
      valid: false,
      reason: 'tampered',
    });
  });
});
