import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ServerType, serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import * as z from 'zod';
import { staffConsoleRoutes } from '../../console/localRoutes.js';
import type { AcceptEmailOutcome } from '../domain/ingest/acceptEmail.js';
import type { AcceptedJournal } from './acceptedJournal.js';
import { type ChannelHandlers, channelRoutes } from './channelRoutes.js';
import { readBody } from './requestBody.js';
import { LOCAL_DEFAULT_RECIPIENT, sesReceiptEvent } from './sesEvents.js';
import { type StaffRequestHandler, staffRoutes } from './staffRoutes.js';

export interface GatewayDependencies {
  /** Stores the raw message as SES's S3 action does, before the receipt reaches the handler. */
  putRawEmail: (key: string, raw: Uint8Array) => Promise<void>;
  rawEmailPrefix: string;
  maxEmailBytes: number;
  /** What the gateway acknowledged and the route stage has not recorded yet. */
  journal: AcceptedJournal;
  ingestEmail: (event: ReturnType<typeof sesReceiptEvent>) => Promise<AcceptEmailOutcome[]>;
  staffRequest: StaffRequestHandler;
  /**
   * The staff API as its own Hono app (`createStaffApp` in lambdas/api: routes, OpenAPI document,
   * problem+json, dev-token authentication), mounted as it is; `staffRequest` serves the staff
   * routes only when it is absent.
   */
  staffApp?: { fetch: (request: Request) => Response | Promise<Response> };
  /** Receipt time source (SES stamps receipt; tests pass a fake clock). */
  clock: { now(): Date };
  /** Where failures are reported: error names and routes only, never bodies, paths or messages. */
  log?: (line: string) => void;
  /** The fax, chat and form routes (absent: those routes answer 404). */
  channels?: ChannelHandlers;
}

const defaultLog = (line: string) => process.stderr.write(`${line}\n`);

/**
 * An origin-form request target as RFC 3986 allows it: path characters (unreserved, sub-delims,
 * `:` `@` `/`, and `%` followed by two hex digits) and a query that may also hold `?`. Node accepts more (`[`, `]`, `{`,
 * `|`, `^`…); the gateway answers those 400 instead of guessing what they mean.
 */
const VALID_REQUEST_TARGET =
  /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*(?:\?(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$/;

/**
 * The host names the staff console and the staff API answer on: loopback only. A web page whose own
 * name its DNS rebinds to 127.0.0.1 is same-origin with itself, so neither a Sec-Fetch-Site check
 * nor the bind address stops it from minting a dev token and reading cases; the Host header does.
 * The channel routes and `/health` are not limited (each channel verifies its sender, and a
 * provider's webhook may arrive through a tunnel under another name).
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function isStaffSurface(path: string): boolean {
  return path !== '/health' && path !== '/inbound' && !path.startsWith('/inbound/');
}

/** The request line's target as Node read it (before any normalization), when served by Node. */
function requestTarget(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming;
  return typeof incoming?.url === 'string' ? incoming.url : undefined;
}

/** A request target echoed back in an error answer: the client's own text, bounded. */
const echo = (path: string) => (path.length > 200 ? `${path.slice(0, 200)}…` : path);

/**
 * The local HTTP gateway as a Hono app: the routes of the design's local-mode contract, calling
 * the same handler functions AWS runs. Every answer is JSON; a handler that throws or rejects is
 * answered 500 and logged by error name and route pattern (never the path, body or message, which
 * can carry PHI). Malformed request lines, hosts and URLs never reach it: `@hono/node-server`
 * answers them 400 (and Node's HTTP parser answers malformed HTTP 400 or 431 itself).
 */
export function createGatewayApp(deps: GatewayDependencies): Hono {
  const log = deps.log ?? defaultLog;
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    log(`[gateway] ${c.req.method} ${c.req.routePath} failed: ${error.name}`);
    return c.json({ error: 'internal_error', message: 'the request failed; see the router log' }, 500);
  });
  app.notFound((c) =>
    c.json({ error: 'route_not_found', message: `${c.req.method} ${echo(c.req.path)} is not a route` }, 404),
  );

  app.use(async (c, next) => {
    const target = requestTarget(c);
    if (target !== undefined && !VALID_REQUEST_TARGET.test(target)) {
      return c.json(
        {
          error: 'bad_request_target',
          message: 'the request target is not a valid origin-form URI (RFC 3986)',
        },
        400,
      );
    }
    return next();
  });

  app.use(async (c, next) => {
    // Node undoes `chunked` only: a body under `gzip, chunked` would reach a handler still
    // compressed (stored as the raw mail, signed-over bytes that are not the event's). RFC 9112 §6.1
    // suggests 501; bad input is answered 4xx here, as the rest of the gateway does.
    const codings = c.req.header('transfer-encoding');
    if (codings !== undefined && codings.trim().toLowerCase() !== 'chunked') {
      return c.json(
        {
          error: 'unsupported_transfer_coding',
          message: 'the only transfer coding accepted is chunked; send the body uncompressed',
        },
        400,
      );
    }
    return next();
  });

  app.use(async (c, next) => {
    if (isStaffSurface(c.req.path) && !LOOPBACK_HOSTS.has(new URL(c.req.url).hostname)) {
      return c.json(
        {
          error: 'misdirected_request',
          message: 'the staff console and API answer only on 127.0.0.1, localhost or [::1]',
        },
        421,
      );
    }
    return next();
  });

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.post('/inbound/email', async (c) => {
    // SES accepts messages of up to 40 MB; in AWS the raw mail never passes through a gateway.
    const raw = await readBody(c, deps.maxEmailBytes, "a message (SES's limit)");
    if (raw.length === 0 || Buffer.from(raw).toString('utf8').trim().length === 0) {
      return c.json(
        { error: 'empty_body', message: 'the body must be a raw RFC 822 message; it was empty' },
        400,
      );
    }
    // SES's envelope recipients (RCPT TO) have no place in a raw message: `?to=` names them
    // (repeatable), so fax-to-email (`?to=fax@…`) works locally; without it, the support address.
    const to = c.req.queries('to') ?? [];
    const badRecipient = to.find((address) => !z.email().safeParse(address).success);
    if (badRecipient !== undefined || to.length > 50) {
      return c.json({ error: 'invalid_recipient', message: 'to= must name up to 50 e-mail addresses' }, 400);
    }
    const recipients = to.length > 0 ? to : [LOCAL_DEFAULT_RECIPIENT];
    const sesMessageId = `local-${randomUUID()}`;
    const rawKey = `${deps.rawEmailPrefix}${sesMessageId}`;
    const receivedAt = deps.clock.now();
    await deps.putRawEmail(rawKey, raw);
    // Journaled before the ingest and the 202: a kill from here on is replayed at the next start.
    await deps.journal.record({
      key: rawKey,
      channel: 'email',
      receivedAt: receivedAt.toISOString(),
      sourceId: sesMessageId,
      acceptedAt: new Date().toISOString(),
      recipients,
    });
    const [outcome] = await deps.ingestEmail(sesReceiptEvent(sesMessageId, receivedAt, recipients));
    if (!outcome) throw new Error('email handler returned no outcome');
    if (outcome.outcome === 'quarantined') {
      await deps.journal.settle(rawKey);
      return c.json(
        { error: 'unparseable_message', reason: outcome.reason, quarantineKey: outcome.quarantineKey },
        422,
      );
    }
    if (outcome.outcome === 'fax') {
      // Fax-to-email: each document's fax job was journaled on its own before it went to the OCR step.
      await deps.journal.settle(rawKey);
      return c.json(
        { status: 'queued_as_fax', externalId: outcome.externalId, documents: outcome.documents },
        202,
      );
    }
    return c.json({ status: 'queued', externalId: outcome.externalId, automated: outcome.automated }, 202);
  });
  app.all('/inbound/email', (c) => methodNotAllowed(c, 'POST'));
  app.all('/health', (c) => methodNotAllowed(c, 'GET'));

  if (deps.channels) app.route('/', channelRoutes(deps.channels));

  // The staff console (page, files, local-only dev sign-in) at `/` and `/console/*`.
  app.route('/', staffConsoleRoutes());
  if (deps.staffApp) {
    const { staffApp } = deps;
    // Everything the gateway does not serve itself: the staff API answers, its 404s included.
    app.mount('/', (request) => staffApp.fetch(request));
  } else {
    app.route('/', staffRoutes(deps.staffRequest));
  }
  return app;
}

function methodNotAllowed(c: Context, allowed: string) {
  c.header('allow', allowed);
  return c.json(
    { error: 'method_not_allowed', message: `${c.req.method} is not allowed here; use ${allowed}` },
    405,
  );
}

export interface ServedGateway {
  url: string;
  server: ServerType;
  close: () => Promise<void>;
}

/**
 * How long a client may take (a slow client holds a connection and its buffers): its headers, its
 * whole request, and how often Node checks. Node's defaults are 60 s and 300 s, checked every 30 s.
 */
export interface GatewayTimeouts {
  headersMs: number;
  requestMs: number;
  checkEveryMs: number;
}

export const GATEWAY_TIMEOUTS: GatewayTimeouts = {
  headersMs: 10_000,
  requestMs: 60_000,
  checkEveryMs: 1_000,
};

/** Serves the gateway on 127.0.0.1 only (port 0: the OS picks one). */
export async function serveGateway(
  app: Hono,
  port = 0,
  timeouts: GatewayTimeouts = GATEWAY_TIMEOUTS,
): Promise<ServedGateway> {
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve(
      {
        fetch: app.fetch,
        port,
        hostname: '127.0.0.1',
        // Keep Node's own Request/Response: the server runs inside a process other code shares.
        overrideGlobalObjects: false,
        // A client that sends its headers or body a byte at a time is answered 408 and let go.
        serverOptions: {
          headersTimeout: timeouts.headersMs,
          requestTimeout: timeouts.requestMs,
          connectionsCheckingInterval: timeouts.checkEveryMs,
        },
      },
      () => resolve(started),
    );
    started.once('error', reject);
  });
  // Node hands CONNECT to a 'connect' listener and, with none, destroys the socket unanswered.
  server.on('connect', (_request, socket: Duplex) => {
    const body = JSON.stringify({
      error: 'method_not_allowed',
      message: 'CONNECT is not allowed here: this is not a proxy',
    });
    socket.on('error', () => undefined);
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    server,
    close: async () => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
