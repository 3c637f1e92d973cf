import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AcceptEmailOutcome } from '../domain/ingest/acceptEmail.js';
import type { BlobStore } from '../domain/ports.js';
import { verifyDevToken } from './devTokens.js';
import { sesReceiptEvent } from './sesEvents.js';

export interface GatewayDependencies {
  blobStore: BlobStore;
  rawEmailPrefix: string;
  maxEmailBytes: number;
  ingestEmail: (event: ReturnType<typeof sesReceiptEvent>) => Promise<AcceptEmailOutcome[]>;
  staffRequest: (
    event: APIGatewayProxyEventV2WithJWTAuthorizer,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
  /** Receipt time source (SES stamps receipt; tests pass a fake clock). */
  clock: { now(): Date };
}

class RequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > limit) {
    request.resume();
    throw new RequestError(413, 'payload_too_large', `the body is ${declared} bytes; the limit is ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      request.resume();
      throw new RequestError(413, 'payload_too_large', `the body exceeds the limit of ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(
  response: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(statusCode, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** The local HTTP gateway: the DESIGN.md routes, calling the same handler functions as AWS. */
export function createGateway(deps: GatewayDependencies): Server {
  async function inboundEmail(request: IncomingMessage, response: ServerResponse) {
    const raw = await readBody(request, deps.maxEmailBytes);
    if (raw.length === 0 || raw.toString('utf8').trim().length === 0) {
      throw new RequestError(400, 'empty_body', 'the body must be a raw RFC 822 message; it was empty');
    }
    const messageId = `local-${randomUUID()}`;
    await deps.blobStore.put(`${deps.rawEmailPrefix}${messageId}`, raw);
    const [outcome] = await deps.ingestEmail(sesReceiptEvent(messageId, deps.clock.now()));
    if (!outcome) throw new Error('email handler returned no outcome');
    if (outcome.outcome === 'quarantined') {
      send(response, 422, {
        error: 'unparseable_message',
        reason: outcome.reason,
        quarantineKey: outcome.quarantineKey,
      });
      return;
    }
    send(response, 202, { status: 'queued', externalId: outcome.externalId, automated: outcome.automated });
  }

  async function staff(request: IncomingMessage, response: ServerResponse, url: URL) {
    const claims = await verifyDevToken(request.headers.authorization);
    if (!claims) {
      send(
        response,
        401,
        {
          error: 'unauthorized',
          message: 'a valid staff bearer token is required (npx contact-router token --staff <name>)',
        },
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    const body =
      request.method === 'POST' ? (await readBody(request, 1024 * 1024)).toString('utf8') : undefined;
    const method = request.method ?? 'GET';
    const event = {
      version: '2.0',
      routeKey: `${method} ${url.pathname}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: Object.fromEntries(
        Object.entries(request.headers).map(([key, value]) => [key, String(value)]),
      ),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: {
          method,
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: request.headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: `${method} ${url.pathname}`,
        stage: '$default',
        time: new Date().toISOString(),
        timeEpoch: Date.now(),
        authorizer: { principalId: claims.sub ?? '', integrationLatency: 0, jwt: { claims, scopes: [] } },
      },
      ...(body ? { body } : {}),
      isBase64Encoded: false,
    } satisfies APIGatewayProxyEventV2WithJWTAuthorizer;
    const result = await deps.staffRequest(event);
    response.writeHead(result.statusCode ?? 200, {
      'content-type': 'application/json',
      ...(result.headers as Record<string, string>),
    });
    response.end(result.body ?? '');
  }

  return createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    try {
      if (request.method === 'POST' && url.pathname === '/inbound/email')
        return await inboundEmail(request, response);
      if (/^\/(queues|cases)(\/|$)/.test(url.pathname)) return await staff(request, response, url);
      if (request.method === 'GET' && url.pathname === '/health')
        return send(response, 200, { status: 'ok' });
      send(response, 404, {
        error: 'route_not_found',
        message: `${request.method} ${url.pathname} is not a route`,
      });
    } catch (error) {
      if (error instanceof RequestError)
        return send(response, error.statusCode, { error: error.code, message: error.message });
      console.error(
        `[gateway] ${request.method} ${url.pathname} failed: ${(error as Error).name}: ${(error as Error).message}`,
      );
      send(response, 500, { error: 'internal_error', message: 'the request failed; see the router log' });
    }
  });
}
