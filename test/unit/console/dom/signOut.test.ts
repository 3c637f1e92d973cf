// Typed with the console's own settings (DOM globals): console/tsconfig.json includes this folder.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleConfig } from '../../../../console/src/apiTypes.js';
import { currentAccessToken, signOut, takeUnconfirmedSignOut } from '../../../../console/src/auth.js';

/** The browser globals sign-out touches: storage, fetch and the page's location. */
function browser(answer: (url: string) => Promise<Response>) {
  const stored = new Map<string, string>();
  const storage = {
    get length() {
      return stored.size;
    },
    key: (index: number) => [...stored.keys()][index] ?? null,
    getItem: (key: string) => stored.get(key) ?? null,
    setItem: (key: string, value: string) => void stored.set(key, value),
    removeItem: (key: string) => void stored.delete(key),
  };
  const events: string[] = [];
  vi.stubGlobal('sessionStorage', storage);
  vi.stubGlobal('location', {
    origin: 'https://staff.desk.example',
    assign: (url: string) => events.push(`navigate ${new URL(url).pathname}`),
  });
  vi.stubGlobal('fetch', async (url: string | URL, init?: RequestInit) => {
    events.push(`fetch ${new URL(String(url), 'https://staff.desk.example').pathname}`);
    expect(init?.signal, 'every sign-out request is bounded in time').toBeInstanceOf(AbortSignal);
    return answer(String(url));
  });
  // A signed-in session, as the console stores it.
  const session = {
    kind: 'cognito',
    accessToken: 'header.payload.signature',
    expiresAt: Date.now() + 600_000,
    staffId: 'ana',
    role: 'agent',
    languages: [],
  };
  stored.set('contact-router.console.session', JSON.stringify(session));
  return { events, stored };
}

const cognito: ConsoleConfig = {
  signIn: {
    kind: 'cognito',
    authority: 'https://desk.auth.us-east-1.amazoncognito.com',
    clientId: 'c1',
    scopes: [],
  },
  refreshSeconds: 10,
};

describe('console sign-out', () => {
  beforeEach(() => vi.unstubAllGlobals());
  afterEach(() => vi.unstubAllGlobals());

  it('tells the sign-in page Cognito returns to that the API did not confirm the sign-out', async () => {
    const { events } = browser(async () => new Response('', { status: 503 }));

    const { confirmed } = await signOut(cognito);

    expect(confirmed).toBe(false);
    expect(events).toEqual(['fetch /session/sign-out', 'fetch /session/sign-out', 'navigate /logout']);
    expect(currentAccessToken()).toBeUndefined();
    // After the redirect: said once.
    expect(takeUnconfirmedSignOut()).toBe(true);
    expect(takeUnconfirmedSignOut()).toBe(false);
  });

  it('says nothing when the API confirmed it', async () => {
    browser(async () => new Response(null, { status: 204 }));

    expect((await signOut(cognito)).confirmed).toBe(true);
    expect(takeUnconfirmedSignOut()).toBe(false);
  });
});
