import * as z from 'zod/mini';

/**
 * OAuth 2.0 authorization code flow with PKCE (RFC 7636, S256) against Cognito's hosted sign-in,
 * as pure functions: the browser supplies randomness and SHA-256, these build the URLs and bodies.
 * A browser app is a public client (no secret), so PKCE is what binds the code to this page.
 */

export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** 32 random bytes → a 43-character verifier (RFC 7636 §4.1 asks for 43–128 unreserved characters). */
export function newVerifier(randomBytes: (length: number) => Uint8Array): string {
  return base64Url(randomBytes(32));
}

/** `BASE64URL(SHA256(ASCII(code_verifier)))` (RFC 7636 §4.2). */
export async function challengeOf(
  verifier: string,
  subtle: { digest(algorithm: 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> },
): Promise<string> {
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

export interface AuthorizeRequest {
  authority: string;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  challenge: string;
}

/** Cognito's `/oauth2/authorize` URL for the code flow with PKCE. */
export function authorizeUrl(request: AuthorizeRequest): string {
  const url = new URL('/oauth2/authorize', request.authority);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scopes.join(' '),
    state: request.state,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** The form body of `/oauth2/token` that trades the code (and the verifier) for tokens. */
export function codeExchangeBody(options: {
  clientId: string;
  code: string;
  redirectUri: string;
  verifier: string;
}): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: options.clientId,
    code: options.code,
    redirect_uri: options.redirectUri,
    code_verifier: options.verifier,
  });
}

export function refreshBody(options: { clientId: string; refreshToken: string }): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: options.clientId,
    refresh_token: options.refreshToken,
  });
}

/** Cognito's `/logout`: ends the hosted sign-in session and comes back to the console. */
export function logoutUrl(options: { authority: string; clientId: string; logoutUri: string }): string {
  const url = new URL('/logout', options.authority);
  url.search = new URLSearchParams({ client_id: options.clientId, logout_uri: options.logoutUri }).toString();
  return url.toString();
}

export const TokenResponseSchema = z.looseObject({
  access_token: z.string(),
  id_token: z.optional(z.string()),
  refresh_token: z.optional(z.string()),
  expires_in: z.number(),
  token_type: z.string(),
});
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

/**
 * The claims of a JWT, read without verifying it: only to show who is signed in. The API (API
 * Gateway's authorizer, or local mode's dev-token check) verifies every token it is sent.
 */
export function unverifiedClaims(token: string): Record<string, unknown> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/'));
    const bytes = Uint8Array.from(json, (char) => char.charCodeAt(0));
    const parsed = z.record(z.string(), z.unknown()).safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `cognito:groups` as a token carries it: the role and the `lang-xx` skill groups. */
export function staffFromClaims(claims: Record<string, unknown>): {
  id: string;
  role: 'agent' | 'supervisor';
  languages: string[];
} {
  const groups = z.array(z.string()).safeParse(claims['cognito:groups']);
  const names = groups.success ? groups.data : [];
  const id = [claims.username, claims['cognito:username'], claims.sub].find(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
  return {
    id: id ?? '?',
    role: names.includes('supervisor') ? 'supervisor' : 'agent',
    languages: names.filter((name) => name.startsWith('lang-')).map((name) => name.slice(5)),
  };
}
