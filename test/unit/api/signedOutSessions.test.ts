import { describe, expect, it } from 'vitest';
import { sessionOf } from '../../../lambdas/api/auth.js';
import {
  RememberingSignedOutSessions,
  SIGNED_IN_CHECK_TTL_MS,
  SIGNED_OUT_MEMORY_MS,
  type SignedOutSessions,
} from '../../../lambdas/api/signedOutSessions.js';

/** A table stand-in that counts its reads. */
class CountingSessions implements SignedOutSessions {
  readonly signedOut = new Map<string, Date>();
  reads = 0;
  async signOut(sessionId: string, until: Date) {
    this.signedOut.set(sessionId, until);
  }
  async isSignedOut(sessionId: string) {
    this.reads++;
    return this.signedOut.has(sessionId);
  }
}

describe('sessions of staff tokens', () => {
  it('names a session by Cognito’s origin_jti (the same for refreshed tokens), else the token’s jti', () => {
    expect(sessionOf({ jti: 'token-1', origin_jti: 'sign-in-1', exp: '1796700000' })).toEqual({
      id: 'sign-in-1',
      expiresAt: 1796700000,
    });
    expect(sessionOf({ jti: 'token-2', exp: 1796700000 })).toEqual({ id: 'token-2', expiresAt: 1796700000 });
    expect(sessionOf({ jti: 'token-3', exp: 'soon' })).toEqual({ id: 'token-3' });
    expect(sessionOf({ sub: 'x' })).toBeUndefined();
    expect(sessionOf(undefined)).toBeUndefined();
    expect(sessionOf({ jti: '' })).toBeUndefined();
  });

  it('asks the table at most every few seconds for a signed-in session, and never again once it is signed out', async () => {
    const table = new CountingSessions();
    let now = 1_000_000;
    const sessions = new RememberingSignedOutSessions(table, () => now);

    expect(await sessions.isSignedOut('s1')).toBe(false);
    expect(await sessions.isSignedOut('s1')).toBe(false);
    expect(table.reads).toBe(1);
    now += SIGNED_IN_CHECK_TTL_MS + 1;
    // Signed out in another container meanwhile: seen at the next read.
    await table.signOut('s1', new Date(now + SIGNED_OUT_MEMORY_MS));
    expect(await sessions.isSignedOut('s1')).toBe(true);
    expect(table.reads).toBe(2);
    now += 60 * 60_000;
    expect(await sessions.isSignedOut('s1')).toBe(true);
    expect(table.reads).toBe(2);
  });

  it('knows at once a sign-out it took, even a session it had just seen signed in', async () => {
    const table = new CountingSessions();
    const sessions = new RememberingSignedOutSessions(table, () => 5_000);
    expect(await sessions.isSignedOut('s2')).toBe(false);

    await sessions.signOut('s2', new Date(5_000 + SIGNED_OUT_MEMORY_MS));

    expect(await sessions.isSignedOut('s2')).toBe(true);
    expect(table.signedOut.has('s2')).toBe(true);
  });
});
