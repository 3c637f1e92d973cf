import * as z from 'zod/mini';
import type { ConsoleConfig, StaffRole } from './apiTypes.js';
import { clearDrafts } from './drafts.js';
import {
  authorizeUrl,
  challengeOf,
  codeExchangeBody,
  logoutUrl,
  newVerifier,
  refreshBody,
  staffFromClaims,
  type TokenResponse,
  TokenResponseSchema,
  unverifiedClaims,
} from './pkce.js';
import { t } from './strings.js';

/**
 * Who is signed in, and the token the API is called with.
 *
 * Where tokens live: the access token (15 minutes in AWS) in `sessionStorage`, so a reload or a
 * crashed tab does not sign an agent out in the middle of a case, while closing the tab does, and
 * other tabs and sites never see it; the refresh token only in memory, so a script that could read
 * storage gets at most one short-lived access token. After a reload there is no refresh token: the
 * session ends when that access token does, and the drafts (`drafts.ts`) wait for the new sign-in. The page runs no inline or third-party script
 * (a strict CSP with Trusted Types), which is what keeps either from being read at all.
 */
export interface Session {
  kind: 'dev' | 'cognito';
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  staffId: string;
  role: StaffRole;
  languages: string[];
}

const SESSION_KEY = 'contact-router.console.session';
const UNCONFIRMED_SIGN_OUT_KEY = 'contact-router.console.sign-out-unconfirmed';

/** Whether the last sign-out, before Cognito's logout redirect, went unconfirmed by the API (read once). */
export function takeUnconfirmedSignOut(): boolean {
  try {
    const unconfirmed = sessionStorage.getItem(UNCONFIRMED_SIGN_OUT_KEY) !== null;
    sessionStorage.removeItem(UNCONFIRMED_SIGN_OUT_KEY);
    return unconfirmed;
  } catch {
    return false;
  }
}
const PKCE_KEY = 'contact-router.console.pkce';

const StoredSessionSchema = z.object({
  kind: z.enum(['dev', 'cognito']),
  accessToken: z.string(),
  expiresAt: z.number(),
  staffId: z.string(),
  role: z.enum(['agent', 'supervisor']),
  languages: z.array(z.string()),
});

const PendingSignInSchema = z.object({ state: z.string(), verifier: z.string() });

let refreshToken: string | undefined;

export class SignInError extends Error {
  override readonly name = 'SignInError';
}

export function loadSession(now = Date.now()): Session | undefined {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return undefined;
    const parsed = StoredSessionSchema.safeParse(JSON.parse(raw));
    if (!parsed.success || parsed.data.expiresAt <= now + 5_000) {
      sessionStorage.removeItem(SESSION_KEY);
      return undefined;
    }
    return parsed.data;
  } catch {
    return undefined;
  }
}

/** Set from the moment sign-out starts: a token renewal still in flight is not stored after it. */
let signingOut = false;

function saveSession(session: Session): Session {
  if (!signingOut) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
  refreshToken = undefined;
}

/**
 * The access token to call the API with: the stored session's (the latest renewal), none once sign-out
 * has started or the session was cleared, so nothing a page still runs sends a token being signed out.
 */
export function currentAccessToken(): string | undefined {
  return signingOut ? undefined : loadSession()?.accessToken;
}

function sessionFromToken(kind: Session['kind'], accessToken: string, expiresAt: number): Session {
  const staff = staffFromClaims(unverifiedClaims(accessToken) ?? {});
  return { kind, accessToken, expiresAt, staffId: staff.id, role: staff.role, languages: staff.languages };
}

const DevTokenSchema = z.object({ token: z.string(), expiresAt: z.string() });

/** Local mode only: the gateway mints a dev token for the name, role and skills chosen. */
export async function devSignIn(name: string, role: StaffRole, skills: string[]): Promise<Session> {
  const response = await fetch('/console/dev-sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, role, skills }),
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const detail = z.looseObject({ detail: z.string() }).safeParse(body);
    throw new SignInError(detail.success ? detail.data.detail : `HTTP ${response.status}`);
  }
  const parsed = DevTokenSchema.safeParse(body);
  if (!parsed.success) throw new SignInError(t('unexpectedAnswer'));
  return saveSession(sessionFromToken('dev', parsed.data.token, Date.parse(parsed.data.expiresAt)));
}

type CognitoConfig = Extract<ConsoleConfig['signIn'], { kind: 'cognito' }>;

/** The console's own URL: where Cognito sends the code back (registered as the client's callback URL). */
export function redirectUri(): string {
  return `${location.origin}/`;
}

/** Leaves for Cognito's hosted sign-in with a fresh PKCE verifier and state. */
export async function startCognitoSignIn(config: CognitoConfig & { authority: string }) {
  const random = (length: number) => crypto.getRandomValues(new Uint8Array(length));
  const verifier = newVerifier(random);
  const state = newVerifier(random);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ state, verifier }));
  location.assign(
    authorizeUrl({
      authority: config.authority,
      clientId: config.clientId,
      redirectUri: redirectUri(),
      scopes: config.scopes,
      state,
      challenge: await challengeOf(verifier, crypto.subtle),
    }),
  );
}

async function tokenRequest(authority: string, body: URLSearchParams): Promise<TokenResponse> {
  const response = await fetch(new URL('/oauth2/token', authority), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = z.looseObject({ error: z.string() }).safeParse(json);
    throw new SignInError(error.success ? error.data.error : `HTTP ${response.status}`);
  }
  const parsed = TokenResponseSchema.safeParse(json);
  if (!parsed.success) throw new SignInError(t('unexpectedAnswer'));
  return parsed.data;
}

/**
 * Back from Cognito with `?code=…&state=…`: checks the state, trades the code and the verifier for
 * tokens, and takes the code out of the address bar. Undefined when the URL carries no answer.
 */
export async function completeCognitoSignIn(
  config: CognitoConfig & { authority: string },
  url: URL,
): Promise<Session | undefined> {
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error');
  if (!code && !error) return undefined;
  history.replaceState(null, '', `${url.pathname}${url.hash}`);
  const pending = PendingSignInSchema.safeParse(JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null'));
  sessionStorage.removeItem(PKCE_KEY);
  if (error) throw new SignInError(url.searchParams.get('error_description') ?? error);
  if (!pending.success || pending.data.state !== url.searchParams.get('state') || !code) {
    throw new SignInError(t('signInStateMismatch'));
  }
  const tokens = await tokenRequest(
    config.authority,
    codeExchangeBody({
      clientId: config.clientId,
      code,
      redirectUri: redirectUri(),
      verifier: pending.data.verifier,
    }),
  );
  refreshToken = tokens.refresh_token;
  return saveSession(sessionFromToken('cognito', tokens.access_token, Date.now() + tokens.expires_in * 1000));
}

/** A new access token from the in-memory refresh token; undefined when there is none (after a reload). */
export async function refreshCognitoSession(
  config: CognitoConfig & { authority: string },
): Promise<Session | undefined> {
  if (!refreshToken) return undefined;
  const tokens = await tokenRequest(
    config.authority,
    refreshBody({ clientId: config.clientId, refreshToken }),
  );
  if (tokens.refresh_token) refreshToken = tokens.refresh_token;
  return saveSession(sessionFromToken('cognito', tokens.access_token, Date.now() + tokens.expires_in * 1000));
}

/**
 * Ends the session: the API first (so the access token, and any copy of it, is refused from now on:
 * API Gateway alone would accept it until it expires), then the tokens here; with Cognito, the
 * refresh token is revoked and the hosted session ended too.
 */
export async function signOut(config: ConsoleConfig): Promise<{ confirmed: boolean }> {
  const revoking = refreshToken;
  const session = loadSession();
  // Forgotten here first (and a renewal in flight not stored), so nothing this page still runs asks
  // the API with it meanwhile (the API client reads the token through currentAccessToken).
  signingOut = true;
  clearSession();
  clearDrafts();
  let confirmed = session === undefined;
  if (session) {
    for (let attempt = 0; attempt < 2 && !confirmed; attempt++) {
      // Bounded: the Cognito logout below must not wait behind a slow origin (a tab closed meanwhile
      // would keep the hosted sign-in session for the next person at this device).
      const answer = await fetch('/session/sign-out', {
        method: 'POST',
        headers: { authorization: `Bearer ${session.accessToken}` },
        cache: 'no-store',
        signal: AbortSignal.timeout(5_000),
      }).catch(() => undefined);
      // 401: the session had already ended (expired, or signed out elsewhere).
      confirmed = answer !== undefined && (answer.ok || answer.status === 401);
    }
  }
  if (config.signIn.kind !== 'cognito' || !config.signIn.authority) {
    // A dev session never renews, and the next sign-in happens on this page.
    signingOut = false;
    return { confirmed };
  }
  // The page is left for Cognito's logout: the sign-in page it comes back to says what happened.
  if (!confirmed) sessionStorage.setItem(UNCONFIRMED_SIGN_OUT_KEY, '1');
  if (revoking) {
    await fetch(new URL('/oauth2/revoke', config.signIn.authority), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: revoking, client_id: config.signIn.clientId }),
    }).catch(() => undefined);
  }
  location.assign(
    logoutUrl({
      authority: config.signIn.authority,
      clientId: config.signIn.clientId,
      logoutUri: redirectUri(),
    }),
  );
  return { confirmed };
}
