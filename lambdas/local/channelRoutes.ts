import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { WebhookRequest, WebhookResponse } from '../domain/webhookRequest.js';
import { readBody } from './requestBody.js';

/** The channel handlers local mode calls (the same functions the Lambdas run). */
export interface ChannelHandlers {
  fax: (provider: string, request: WebhookRequest) => Promise<WebhookResponse>;
  chat: (request: WebhookRequest) => Promise<WebhookResponse>;
  form: (request: WebhookRequest) => Promise<WebhookResponse>;
}

/** Body limits: API Gateway's HTTP API caps payloads at 10 MB; chat events and forms are far smaller. */
export const CHANNEL_BODY_LIMITS = { fax: 10 * 1024 * 1024, chat: 64 * 1024, form: 64 * 1024 } as const;

function requestOf(c: Context, body: Uint8Array): WebhookRequest {
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const sourceIp = incoming?.socket?.remoteAddress;
  return { method: c.req.method, url: c.req.url, headers, body, ...(sourceIp ? { sourceIp } : {}) };
}

function answer(c: Context, response: WebhookResponse) {
  const retryAfter = response.body.retryAfterSeconds;
  if (typeof retryAfter === 'number') c.header('retry-after', String(retryAfter));
  c.header('cache-control', 'no-store');
  return c.json(response.body, response.status as 200);
}

function limit(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: (c) =>
      c.json({ error: 'payload_too_large', message: `the body is at most ${maxSize} bytes` }, 413),
  });
}

function methodNotAllowed(c: Context) {
  c.header('allow', 'POST');
  return c.json(
    { error: 'method_not_allowed', message: `${c.req.method} is not allowed here; use POST` },
    405,
  );
}

/**
 * The channel routes of local mode (DESIGN.md's contract): `POST /inbound/fax/:provider`,
 * `POST /inbound/chat`, `POST /inbound/form`, each handing the exact request bytes to the same
 * use case the Lambda behind API Gateway runs.
 */
export function channelRoutes(handlers: ChannelHandlers): Hono {
  const app = new Hono();
  app.post('/inbound/fax/:provider', limit(CHANNEL_BODY_LIMITS.fax), async (c) =>
    answer(c, await handlers.fax(c.req.param('provider'), requestOf(c, await readBody(c)))),
  );
  app.post('/inbound/chat', limit(CHANNEL_BODY_LIMITS.chat), async (c) =>
    answer(c, await handlers.chat(requestOf(c, await readBody(c)))),
  );
  app.post('/inbound/form', limit(CHANNEL_BODY_LIMITS.form), async (c) =>
    answer(c, await handlers.form(requestOf(c, await readBody(c)))),
  );
  app.all('/inbound/fax/:provider', methodNotAllowed);
  app.all('/inbound/chat', methodNotAllowed);
  app.all('/inbound/form', methodNotAllowed);
  return app;
}
