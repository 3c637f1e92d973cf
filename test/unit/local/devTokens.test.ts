import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { mintDevToken, verifyDevToken } from '../../../lambdas/local/devTokens.js';

const env = { CONTACT_ROUTER_DEV_SECRET: 'test-secret' };

describe('dev tokens', () => {
  it('verifies a token it minted and names the staff member', async () => {
    const token = await mintDevToken('alice', env);
    expect(await verifyDevToken(`Bearer ${token}`, env)).toMatchObject({ sub: 'alice', username: 'alice' });
  });

  it('rejects a token signed with another secret', async () => {
    const token = await mintDevToken('alice', { CONTACT_ROUTER_DEV_SECRET: 'other' });
    expect(await verifyDevToken(`Bearer ${token}`, env)).toBeUndefined();
  });

  it('rejects an expired token, a missing header and a malformed one', async () => {
    const expired = await new SignJWT({ username: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('contact-router-local')
      .setAudience('contact-router-staff')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(env.CONTACT_ROUTER_DEV_SECRET));
    expect(await verifyDevToken(`Bearer ${expired}`, env)).toBeUndefined();
    expect(await verifyDevToken(undefined, env)).toBeUndefined();
    expect(await verifyDevToken('Basic abc', env)).toBeUndefined();
  });
});
