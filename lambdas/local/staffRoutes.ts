import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type Context, Hono } from 'hono';
import { verifyDevToken } from './devTokens.js';
import { readBody } from './requestBody.js';

export type StaffRequestHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** The staff routes' JSON bodies (claim, actions) are small; API Gateway's own cap is 10 MB. */
export const MAX_STAFF_BODY_BYTES = 1024 * 1024;

/** The path and query exactly as the client sent them (API Gateway's `rawPath`, `rawQueryString`). */
export function rawTarget(url: string): { path: string; query: string } {
  const pathStart = url.indexOf('/', url.indexOf('://') + 3);
  const target = pathStart < 0 ? '/' : url.slice(pathStart);
  const queryStart = target.indexOf('?');
  return queryStart < 0
    ? { path: target, query: '' }
    : { path: target.slice(0, queryStart), query: target.slice(queryStart + 1) };
}

/**
 * The staff routes of local mode: every `/queues…` and `/cases…` request, whatever its method,
 * goes to one function, the same `handleStaffRequest` AWS runs behind API Gateway, as the HTTP
 * API payload-v2 event API Gateway would build after its JWT authorizer. The dev token stands in
 * for Cognito (a missing, forged or expired one is answered 401 here, as API Gateway would).
 *
 * This is the one seam between the gateway and the staff API: a Hono app mounted at `/`. A staff
 * API written as its own Hono app replaces this function's result in `createGatewayApp`.
 */
export function staffRoutes(staffRequest: StaffRequestHandler): Hono {
  const app = new Hono();
  const handle = async (c: Context) => {
    const claims = await verifyDevToken(c.req.header('authorization'));
    if (!claims) {
      c.header('www-authenticate', 'Bearer');
      return c.json(
        {
          error: 'unauthorized',
          message: 'a valid staff bearer token is required (npx contact-router token --staff <name>)',
        },
        401,
      );
    }
    const method = c.req.method;
    const body =
      method === 'GET' || method === 'HEAD'
        ? ''
        : new TextDecoder().decode(await readBody(c, MAX_STAFF_BODY_BYTES, 'a staff request body'));
    const { path, query } = rawTarget(c.req.url);
    const event = {
      version: '2.0',
      routeKey: `${method} ${path}`,
      rawPath: path,
      rawQueryString: query,
      headers: Object.fromEntries(c.req.raw.headers.entries()),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: {
          method,
          path,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: c.req.header('user-agent') ?? '',
        },
        requestId: randomUUID(),
        routeKey: `${method} ${path}`,
        stage: '$default',
        time: new Date().toISOString(),
        timeEpoch: Date.now(),
        authorizer: { principalId: claims.sub ?? '', integrationLatency: 0, jwt: { claims, scopes: [] } },
      },
      ...(body ? { body } : {}),
      isBase64Encoded: false,
    } satisfies APIGatewayProxyEventV2WithJWTAuthorizer;
    const result = await staffRequest(event);
    const headers = new Headers({ 'content-type': 'application/json' });
    for (const [name, value] of Object.entries(result.headers ?? {})) headers.set(name, String(value));
    const status = result.statusCode ?? 200;
    // A 204 or 304 must have no body at all (the Response constructor throws on an empty string).
    const bodyless = status === 204 || status === 205 || status === 304;
    const answer = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
    return new Response(bodyless ? null : answer, { status, headers });
  };

  for (const prefix of ['/queues', '/cases']) {
    app.all(prefix, handle);
    app.all(`${prefix}/*`, handle);
  }
  return app;
}
