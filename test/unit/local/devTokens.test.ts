import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { staffFromClaims } from '../../../lambdas/api/auth.js';
import { mintDevToken, verifyDevToken } from '../../../lambdas/local/devTokens.js';

const env = { CONTACT_ROUTER_DEV_SECRET: 'test-secret' };
const key = new TextEncoder().encode(env.CONTACT_ROUTER_DEV_SECRET);

function unsigned(claims: Record<string, unknown>) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setIssuer('contact-router-local')
    .setAudience('contact-router-staff');
}

describe('dev tokens', () => {
  it('verifies a token it minted and names the staff member, role and skills', async () => {
    const token = await mintDevToken('alice', env, { role: 'supervisor', skills: ['es', 'pt'] });
    const claims = await verifyDevToken(`Bearer ${token}`, env);
    expect(claims).toMatchObject({ sub: 'alice', username: 'alice' });
    expect(staffFromClaims(claims)).toEqual({
      outcome: 'staff',
      staff: { id: 'alice', role: 'supervisor', languages: ['es', 'pt'] },
    });
  });

  it('mints an agent without skills by default', async () => {
    const claims = await verifyDevToken(`Bearer ${await mintDevToken('bob', env)}`, env);
    expect(staffFromClaims(claims)).toEqual({
      outcome: 'staff',
      staff: { id: 'bob', role: 'agent', languages: [] },
    });
  });

  it('rejects a token signed with another secret', async () => {
    const token = await mintDevToken('alice', { CONTACT_ROUTER_DEV_SECRET: 'other' });
    expect(await verifyDevToken(`Bearer ${token}`, env)).toBeUndefined();
  });

  it('rejects a token without an expiry, however well signed', async () => {
    const forever = await unsigned({ username: 'alice', 'cognito:groups': ['supervisor'] }).sign(key);
    expect(await verifyDevToken(`Bearer ${forever}`, env)).toBeUndefined();
  });

  it('rejects an expired token, a missing header and a malformed one', async () => {
    const expired = await unsigned({ username: 'alice' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    expect(await verifyDevToken(`Bearer ${expired}`, env)).toBeUndefined();
    expect(await verifyDevToken(undefined, env)).toBeUndefined();
    expect(await verifyDevToken('Basic abc', env)).toBeUndefined();
  });
});
