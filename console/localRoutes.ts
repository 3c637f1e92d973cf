import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { z } from 'zod';
import { SUPPORTED_LANGUAGES } from '../lambdas/domain/triage/taxonomy.js';
import { mintDevToken } from '../lambdas/local/devTokens.js';
import { buildConsoleSite, CONSOLE_PREFIX, type ConsoleFile } from './build.js';
import { contentSecurityPolicy, SECURITY_HEADERS } from './securityHeaders.js';

/**
 * The staff console in local mode, mounted on the gateway at `/`: the page, its files, its
 * settings, and the local-only dev sign-in that mints a dev token for a chosen name, role and
 * skills. Nothing here exists in AWS, where CloudFront serves the files from S3 and staff sign in
 * with Cognito.
 */

export interface StaffConsoleRoutesOptions {
  env?: NodeJS.ProcessEnv;
}

const SettingsSchema = z.object({
  /** Seconds between two `GET /queues` on the board (tests make it short). */
  CONSOLE_REFRESH_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
});

/** What the dev sign-in accepts: the same staff id and skill shapes the API reads from tokens. */
export const DevSignInSchema = z
  .object({
    name: z.string().regex(/^[\w.@+-]{1,128}$/, 'a staff id of 1–128 letters, digits or . _ @ + -'),
    role: z.enum(['agent', 'supervisor']),
    skills: z.array(z.enum(SUPPORTED_LANGUAGES)).max(SUPPORTED_LANGUAGES.length).default([]),
  })
  .strict();

const DEV_TOKEN_HOURS = 12;

function problem(c: Context, status: 400 | 403 | 404 | 415, title: string, detail: string) {
  return c.body(JSON.stringify({ type: 'about:blank', title, status, detail }), status, {
    'content-type': 'application/problem+json',
  });
}

export function staffConsoleRoutes(options: StaffConsoleRoutesOptions = {}): Hono {
  const env = options.env ?? process.env;
  const settings = SettingsSchema.parse(env);
  const app = new Hono();
  const fontCache = new Map<string, ConsoleFile>();
  const readFont = async (urlPath: string): Promise<ConsoleFile | undefined> => {
    const cached = fontCache.get(urlPath);
    if (cached) return cached;
    const file = buildConsoleSite().fonts.get(urlPath);
    if (!file) return undefined;
    const font: ConsoleFile = { contentType: 'font/woff2', body: await readFile(file), immutable: true };
    fontCache.set(urlPath, font);
    return font;
  };

  // The CJK font rules and the bundle are text that shrinks about four times (fonts are woff2 already).
  app.use('*', compress());
  app.use('*', async (c, next) => {
    await next();
    c.header('content-security-policy', contentSecurityPolicy());
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  });

  const send = (c: Context, file: ConsoleFile) => {
    const etag = etagOf(file);
    c.header('etag', etag);
    c.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    c.header('content-type', file.contentType);
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200);
  };

  app.get('/', (c) => {
    const page = buildConsoleSite().files.get('/');
    return page ? send(c, page) : c.notFound();
  });

  app.get(`${CONSOLE_PREFIX}config.json`, (c) => {
    c.header('cache-control', 'no-store');
    return c.json({
      signIn: { kind: 'dev', languages: [...SUPPORTED_LANGUAGES] },
      refreshSeconds: settings.CONSOLE_REFRESH_SECONDS,
    });
  });

  app.post(
    `${CONSOLE_PREFIX}dev-sign-in`,
    bodyLimit({
      maxSize: 4 * 1024,
      onError: (c) => problem(c, 400, 'The request is not valid', 'the body is larger than 4 KiB'),
    }),
    async (c) => {
      // Only this page may sign in: a form or script of another site cannot mint a token here.
      const site = c.req.header('sec-fetch-site');
      if (site !== undefined && site !== 'same-origin') {
        return problem(c, 403, 'Forbidden', 'dev sign-in accepts requests from the console page only');
      }
      if (!(c.req.header('content-type') ?? '').startsWith('application/json')) {
        return problem(
          c,
          415,
          'The request body must be application/json',
          'send {"name","role","skills"} as JSON',
        );
      }
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        return problem(c, 400, 'The request body is not valid JSON', 'send {"name","role","skills"} as JSON');
      }
      const parsed = DevSignInSchema.safeParse(body);
      if (!parsed.success) {
        const detail = parsed.error.issues
          .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
          .join('; ');
        return problem(c, 400, 'The request is not valid', detail);
      }
      const { name, role, skills } = parsed.data;
      const token = await mintDevToken(name, env, { role, skills, ttl: `${DEV_TOKEN_HOURS}h` });
      c.header('cache-control', 'no-store');
      return c.json({ token, expiresAt: new Date(Date.now() + DEV_TOKEN_HOURS * 3_600_000).toISOString() });
    },
  );

  app.get(`${CONSOLE_PREFIX}*`, async (c) => {
    const site = buildConsoleSite();
    const file = site.files.get(c.req.path) ?? (await readFont(c.req.path));
    if (!file)
      return problem(c, 404, 'No such file', `${c.req.path.slice(0, 200)} is not part of the staff console`);
    return send(c, file);
  });

  return app;
}

const etags = new WeakMap<ConsoleFile, string>();

/** A strong ETag from the content, computed once per file. */
function etagOf(file: ConsoleFile): string {
  let etag = etags.get(file);
  if (!etag) {
    etag = `"${createHash('sha256').update(file.body).digest('base64url').slice(0, 22)}"`;
    etags.set(file, etag);
  }
  return etag;
}
