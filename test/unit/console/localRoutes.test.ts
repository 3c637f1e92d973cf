import { beforeAll, describe, expect, it } from 'vitest';
import { buildConsoleSite } from '../../../console/build.js';
import { staffConsoleRoutes } from '../../../console/localRoutes.js';
import { staffFromClaims } from '../../../lambdas/api/auth.js';
import { verifyDevToken } from '../../../lambdas/local/devTokens.js';

const app = staffConsoleRoutes({ env: { CONSOLE_REFRESH_SECONDS: '7' } });

function signIn(body: unknown, headers: Record<string, string> = {}) {
  return app.request('/console/dev-sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('the staff console in local mode', () => {
  beforeAll(() => {
    buildConsoleSite();
  });

  it('serves the page with a strict CSP and no inline script or style', async () => {
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const page = await response.text();
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/<style|\sstyle=|\son\w+=/);
  });

  it('serves every file the page names, content-addressed ones as immutable, and answers 304 to a matching ETag', async () => {
    const page = await (await app.request('/')).text();
    const referenced = [...page.matchAll(/(?:src|href|content)="(\/console\/[^"]+)"/g)].map(
      (match) => match[1] ?? '',
    );
    expect(referenced.length).toBeGreaterThanOrEqual(4);
    for (const path of referenced) {
      const response = await app.request(path);
      expect(response.status, path).toBe(200);
    }
    const script = referenced.find((path) => path.endsWith('.js')) ?? '';
    const first = await app.request(script);
    expect(first.headers.get('cache-control')).toContain('immutable');
    const again = await app.request(script, {
      headers: { 'if-none-match': first.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });

  it('serves each font slice the stylesheets name, and nothing outside the console', async () => {
    const site = buildConsoleSite();
    const styles = [...site.files]
      .filter(([path]) => path.endsWith('.css'))
      .map(([, file]) => new TextDecoder().decode(file.body));
    const fonts = styles.flatMap((css) =>
      [...css.matchAll(/url\(fonts\/([^)]+)\)/g)].map((match) => `/console/fonts/${match[1]}`),
    );
    expect(fonts.length).toBeGreaterThan(400);
    expect(fonts.every((font) => site.fonts.has(font))).toBe(true);
    const font = await app.request(fonts[0] ?? '');
    expect(font.headers.get('content-type')).toBe('font/woff2');
    for (const path of [
      '/console/fonts/../../package.json',
      '/console/%2e%2e/package.json',
      '/console/nothing.js',
    ]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });

  it('tells the page to use dev sign-in and how often to refresh the board', async () => {
    const config = (await (await app.request('/console/config.json')).json()) as {
      signIn: { kind: string; languages: string[] };
    };
    expect(config).toMatchObject({ signIn: { kind: 'dev' }, refreshSeconds: 7 });
    expect(config.signIn.languages).toContain('ar');
  });

  it('mints a dev token with the chosen role and skills, which the staff API accepts', async () => {
    const response = await signIn({ name: 'alice', role: 'supervisor', skills: ['es', 'ar'] });
    expect(response.status).toBe(200);
    const { token, expiresAt } = (await response.json()) as { token: string; expiresAt: string };
    const claims = await verifyDevToken(`Bearer ${token}`);
    // The staff API reads the token as it reads a Cognito one.
    expect(staffFromClaims(claims)).toEqual({
      outcome: 'staff',
      staff: { id: 'alice', role: 'supervisor', languages: ['es', 'ar'] },
    });
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now() + 11 * 3_600_000);
  });

  it('refuses a dev sign-in from another site, not in JSON, or with an invalid name, role or skill', async () => {
    expect(
      (await signIn({ name: 'mallory', role: 'agent' }, { 'sec-fetch-site': 'cross-site' })).status,
    ).toBe(403);
    expect(
      (await signIn('name=mallory', { 'content-type': 'application/x-www-form-urlencoded' })).status,
    ).toBe(415);
    expect((await signIn('{not json')).status).toBe(400);
    const invalid = await signIn({ name: 'a b', role: 'boss', skills: ['xx'], extra: 1 });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toBe('application/problem+json');
    const { detail } = (await invalid.json()) as { detail: string };
    for (const field of ['name', 'role', 'skills.0']) expect(detail).toContain(field);
  });
});
