/**
 * Sign-out that the API honours. API Gateway's JWT authorizer checks a token's signature and expiry,
 * never revocation, so an access token copied before its owner signed out would still work for the
 * rest of its 15 minutes. The staff API therefore remembers signed-out sessions and refuses their
 * tokens (HIPAA 164.312(a)(2)(iii), automatic logoff: a session that ended must stay ended).
 *
 * A session is one sign-in: Cognito stamps every token refreshed from it with the same `origin_jti`
 * (a token without one, such as a local dev token, is its own session, by `jti`).
 */
export interface SignedOutSessions {
  /** Remembers `sessionId` as signed out until `until` (then every token of it has expired anyway). */
  signOut(sessionId: string, until: Date): Promise<void>;
  isSignedOut(sessionId: string): Promise<boolean>;
}

/**
 * How long after sign-out a session's tokens can still be presented: the refresh token lives 12 hours
 * (`refreshTokenValidity` in lib/constructs/StaffApi.ts; sign-out revokes it too, but that call can
 * fail), and an access token minted at its very end lives 15 minutes more.
 */
export const SIGNED_OUT_MEMORY_MS = (12 * 60 + 15) * 60_000;

/**
 * How long a container trusts "not signed out" before asking the table again. One read per staff
 * request would cost every request a round trip; a few seconds bounds how long a token stays usable
 * in another warm container after its session was signed out. The container that took the sign-out
 * knows at once.
 */
export const SIGNED_IN_CHECK_TTL_MS = 5_000;

/** Answers from memory where it can: a signed-out session stays so, a signed-in one for a few seconds. */
export class RememberingSignedOutSessions implements SignedOutSessions {
  readonly #store: SignedOutSessions;
  readonly #now: () => number;
  readonly #signedOut = new Map<string, number>();
  readonly #signedInUntil = new Map<string, number>();

  constructor(store: SignedOutSessions, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  async signOut(sessionId: string, until: Date): Promise<void> {
    await this.#store.signOut(sessionId, until);
    this.#signedInUntil.delete(sessionId);
    this.#signedOut.set(sessionId, until.getTime());
  }

  async isSignedOut(sessionId: string): Promise<boolean> {
    const now = this.#now();
    const signedOutUntil = this.#signedOut.get(sessionId);
    if (signedOutUntil !== undefined && signedOutUntil > now) return true;
    const signedInUntil = this.#signedInUntil.get(sessionId);
    if (signedInUntil !== undefined && signedInUntil > now) return false;
    const signedOut = await this.#store.isSignedOut(sessionId);
    this.#forgetExpired(now);
    if (signedOut) this.#signedOut.set(sessionId, now + SIGNED_OUT_MEMORY_MS);
    else this.#signedInUntil.set(sessionId, now + SIGNED_IN_CHECK_TTL_MS);
    return signedOut;
  }

  /** Keeps a warm container's memory to the sessions of the last few seconds (and those signed out). */
  #forgetExpired(now: number): void {
    if (this.#signedInUntil.size < 1_000) return;
    for (const [sessionId, until] of this.#signedInUntil)
      if (until <= now) this.#signedInUntil.delete(sessionId);
    for (const [sessionId, until] of this.#signedOut) if (until <= now) this.#signedOut.delete(sessionId);
  }
}
