import { describe, expect, it } from 'vitest';
import {
  authorizeUrl,
  base64Url,
  challengeOf,
  codeExchangeBody,
  logoutUrl,
  newVerifier,
  staffFromClaims,
  unverifiedClaims,
} from '../../../console/src/pkce.js';

// RFC 7636 Appendix B: these 32 octets, their verifier and its S256 challenge.
const RFC_OCTETS = [
  116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191,
  240, 91, 88, 5, 88, 83, 132, 141, 121,
];
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('PKCE for the console sign-in', () => {
  it('derives the RFC 7636 verifier and S256 challenge from the appendix octets', async () => {
    const verifier = newVerifier(() => Uint8Array.from(RFC_OCTETS));
    expect(verifier).toBe(RFC_VERIFIER);
    expect(await challengeOf(verifier, crypto.subtle)).toBe(RFC_CHALLENGE);
  });

  it('makes verifiers of 43 unreserved characters from random bytes', () => {
    const verifier = newVerifier((length) => crypto.getRandomValues(new Uint8Array(length)));
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(base64Url(Uint8Array.from([251, 255]))).toBe('-_8');
  });

  it('asks Cognito for a code with the S256 challenge, the state and the exact redirect URI', () => {
    const url = new URL(
      authorizeUrl({
        authority: 'https://desk.auth.us-east-1.amazoncognito.com',
        clientId: 'client123',
        redirectUri: 'https://staff.pharmacy.example/',
        scopes: ['openid', 'email'],
        state: 'state-1',
        challenge: RFC_CHALLENGE,
      }),
    );
    expect(url.origin + url.pathname).toBe('https://desk.auth.us-east-1.amazoncognito.com/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client123',
      redirect_uri: 'https://staff.pharmacy.example/',
      scope: 'openid email',
      state: 'state-1',
      code_challenge: RFC_CHALLENGE,
      code_challenge_method: 'S256',
    });
  });

  it('trades the code with the verifier and no client secret', () => {
    const body = codeExchangeBody({
      clientId: 'client123',
      code: 'the-code',
      redirectUri: 'https://staff.pharmacy.example/',
      verifier: RFC_VERIFIER,
    });
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'authorization_code',
      client_id: 'client123',
      code: 'the-code',
      redirect_uri: 'https://staff.pharmacy.example/',
      code_verifier: RFC_VERIFIER,
    });
    expect(
      logoutUrl({
        authority: 'https://desk.auth.us-east-1.amazoncognito.com',
        clientId: 'c',
        logoutUri: 'https://s/',
      }),
    ).toBe('https://desk.auth.us-east-1.amazoncognito.com/logout?client_id=c&logout_uri=https%3A%2F%2Fs%2F');
  });

  it('reads the role and language skills from cognito:groups, and nothing from a malformed token', () => {
    const payload = Buffer.from(
      JSON.stringify({ sub: 'u-1', username: 'alice', 'cognito:groups': ['agent', 'lang-es', 'lang-pt'] }),
    ).toString('base64url');
    const claims = unverifiedClaims(`header.${payload}.signature`);
    expect(claims && staffFromClaims(claims)).toEqual({
      id: 'alice',
      role: 'agent',
      languages: ['es', 'pt'],
    });
    expect(staffFromClaims({ sub: 's', 'cognito:groups': ['agent', 'supervisor'] }).role).toBe('supervisor');
    expect(unverifiedClaims('not-a-token')).toBeUndefined();
    expect(unverifiedClaims('a.%%%.c')).toBeUndefined();
  });
});
