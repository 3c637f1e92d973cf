import { type Context, Hono } from 'hono';
import { FAX_WEBHOOK_BODY_LIMIT_BYTES } from '../domain/ingest/acceptFax.js';
import type { WebhookRequest, WebhookResponse } from '../domain/webhookRequest.js';
import { readBody } from './requestBody.js';

/** The channel handlers local mode calls (the same functions the Lambdas run). */
export interface ChannelHandlers {
  fax: (provider: string, request: WebhookRequest) => Promise<WebhookResponse>;
  chat: (request: WebhookRequest) => Promise<WebhookResponse>;
  form: (request: WebhookRequest) => Promise<WebhookResponse>;
}

/**
 * Body limits, the same as in AWS: a fax webhook what a synchronous Lambda invocation carries
 * (see `FAX_WEBHOOK_BODY_LIMIT_BYTES`); chat events and forms are far smaller.
 */
export const CHANNEL_BODY_LIMITS = {
  fax: FAX_WEBHOOK_BODY_LIMIT_BYTES,
  chat: 64 * 1024,
  form: 64 * 1024,
} as const;

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
 * use case the Lambda behind API Gateway runs. Bodies are read with `readBody` (413 above the
 * channel's limit, reading stops there), never Hono's `bodyLimit`, whose re-wrapped request fails
 * on the Node adapter's bodiless DELETE and OPTIONS requests.
 */
export function channelRoutes(handlers: ChannelHandlers): Hono {
  const app = new Hono();
  app.post('/inbound/fax/:provider', async (c) => {
    const body = await readBody(c, CHANNEL_BODY_LIMITS.fax, 'a fax webhook body');
    return answer(c, await handlers.fax(c.req.param('provider'), requestOf(c, body)));
  });
  app.post('/inbound/chat', async (c) => {
    const body = await readBody(c, CHANNEL_BODY_LIMITS.chat, 'a chat event');
    return answer(c, await handlers.chat(requestOf(c, body)));
  });
  app.post('/inbound/form', async (c) => {
    const body = await readBody(c, CHANNEL_BODY_LIMITS.form, 'a form submission');
    return answer(c, await handlers.form(requestOf(c, body)));
  });
  app.all('/inbound/fax/:provider', methodNotAllowed);
  app.all('/inbound/chat', methodNotAllowed);
  app.all('/inbound/form', methodNotAllowed);
  return app;
}
