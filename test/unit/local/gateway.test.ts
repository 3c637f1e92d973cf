import { type AddressInfo, connect } from 'node:net';
import type { SESEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AcceptEmailOutcome } from '../../../lambdas/domain/ingest/acceptEmail.js';
import type { WebhookRequest } from '../../../lambdas/domain/webhookRequest.js';
import { InMemoryAcceptedJournal } from '../../../lambdas/local/acceptedJournal.js';
import { CHANNEL_BODY_LIMITS } from '../../../lambdas/local/channelRoutes.js';
import { mintDevToken } from '../../../lambdas/local/devTokens.js';
import { createGatewayApp, type ServedGateway, serveGateway } from '../../../lambdas/local/gateway.js';
import type { StaffRequestHandler } from '../../../lambdas/local/staffRoutes.js';
import { chunkedBody, rawRequest, sendRaw } from '../../helpers/rawHttp.js';

const SSN = '123-45-6789';
const MAX_EMAIL_BYTES = 64 * 1024;

/** The gateway on loopback with hand-written stand-ins for the handlers (no emulators). */
function fakeDependencies() {
  const stored = new Map<string, Uint8Array>();
  const journal = new InMemoryAcceptedJournal();
  const logged: string[] = [];
  const staffEvents: Parameters<StaffRequestHandler>[0][] = [];
  const channelRequests: { route: string; request: WebhookRequest }[] = [];
  const emailEvents: SESEvent[] = [];
  const channel = (route: string) => async (request: WebhookRequest) => {
    channelRequests.push({ route, request });
    return { status: 202, body: { status: 'accepted' } };
  };
  let nextOutcome: AcceptEmailOutcome | Error = { outcome: 'queued', externalId: '<a@b>', automated: false };
  let staffAnswer: Awaited<ReturnType<StaffRequestHandler>> | Error = {
    statusCode: 200,
    body: '{"queues":[]}',
  };
  const deps = {
    putRawEmail: async (key: string, raw: Uint8Array) => {
      stored.set(key, raw);
    },
    rawEmailPrefix: 'email/',
    maxEmailBytes: MAX_EMAIL_BYTES,
    journal,
    ingestEmail: async (event: SESEvent) => {
      emailEvents.push(event);
      if (nextOutcome instanceof Error) throw nextOutcome;
      return [nextOutcome];
    },
    staffRequest: async (event: Parameters<StaffRequestHandler>[0]) => {
      staffEvents.push(event);
      if (staffAnswer instanceof Error) throw staffAnswer;
      return staffAnswer;
    },
    clock: { now: () => new Date('2026-11-27T16:00:00.000Z') },
    log: (line: string) => logged.push(line),
    channels: {
      fax: (provider: string, request: WebhookRequest) => channel(`fax/${provider}`)(request),
      chat: channel('chat'),
      form: channel('form'),
    },
  };
  return {
    deps,
    stored,
    journal,
    logged,
    staffEvents,
    channelRequests,
    emailEvents,
    setOutcome: (outcome: AcceptEmailOutcome | Error) => {
      nextOutcome = outcome;
    },
    setStaffAnswer: (answer: typeof staffAnswer) => {
      staffAnswer = answer;
    },
  };
}

describe('local gateway: slow clients', () => {
  it('answers 408 and lets go of a client that sends its headers a byte at a time (slowloris)', async () => {
    const served = await serveGateway(createGatewayApp(fakeDependencies().deps), 0, {
      headersMs: 300,
      requestMs: 600,
      checkEveryMs: 50,
    });
    try {
      const { port } = served.server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString('latin1');
      });
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      // Never finishes its headers: one more header line every 100 ms.
      const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 100);
      const started = Date.now();
      await closed;
      clearInterval(drip);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await served.close();
    }
  });
});

describe('local gateway', () => {
  let fakes: ReturnType<typeof fakeDependencies>;
  let gateway: ServedGateway;
  let port: number;

  beforeAll(async () => {
    fakes = fakeDependencies();
    gateway = await serveGateway(createGatewayApp(fakes.deps));
    port = (gateway.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await gateway.close();
  });
  beforeEach(() => {
    fakes.logged.length = 0;
    fakes.setOutcome({ outcome: 'queued', externalId: '<a@b>', automated: false });
    fakes.setStaffAnswer({ statusCode: 200, body: '{"queues":[]}' });
  });

  describe('hostile request lines and headers (raw sockets)', () => {
    const hostile: [string, string][] = [
      ['an absolute-form target with a broken IPv6 host', rawRequest('GET http://[ HTTP/1.1', ['Host: x'])],
      ['an absolute-form target with port 99999', rawRequest('GET http://x:99999/ HTTP/1.1', ['Host: x'])],
      ['a path of "//[x"', rawRequest('GET //[x HTTP/1.1')],
      ['a path with "{|}^`"', rawRequest('GET /cases/{|}^` HTTP/1.1')],
      ['a Host header of "["', rawRequest('GET /health HTTP/1.1', ['Host: ['])],
      ['a Host header with a path', rawRequest('GET /health HTTP/1.1', ['Host: a/b@c'])],
      ['no Host header', 'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n'],
      ['an asterisk-form target', rawRequest('GET * HTTP/1.1')],
      ['a backslash in the path', rawRequest('GET /\\..\\health HTTP/1.1')],
      ['an unknown method', rawRequest('BREW /health HTTP/1.1')],
      ['a request line with HTTP/9.9', rawRequest('GET /health HTTP/9.9')],
      ['a NUL in the request line', rawRequest('GET /he\0alth HTTP/1.1')],
      ['a header without a colon', rawRequest('GET /health HTTP/1.1', ['Host: a', 'Broken header'])],
      [
        'a body with broken chunked encoding',
        rawRequest('POST /inbound/email HTTP/1.1', ['Host: a', 'Transfer-Encoding: chunked'], 'zz\r\nxx\r\n'),
      ],
      [
        'both Content-Length and Transfer-Encoding',
        rawRequest(
          'POST /inbound/email HTTP/1.1',
          ['Host: a', 'Content-Length: 3', 'Transfer-Encoding: chunked'],
          '0\r\n\r\n',
        ),
      ],
      [
        'a negative Content-Length',
        rawRequest('POST /inbound/email HTTP/1.1', ['Host: a', 'Content-Length: -1']),
      ],
    ];

    it.each(hostile)('answers 400 to %s and keeps serving', async (_name, request) => {
      const answer = await sendRaw(port, request);

      expect(answer.status).toBe(400);
      expect((await sendRaw(port, rawRequest('GET /health HTTP/1.1'))).status).toBe(200);
    });

    it('answers CONNECT (a proxy tunnel it does not offer) 405 instead of dropping the connection', async () => {
      const answer = await sendRaw(port, rawRequest('CONNECT 127.0.0.1:22 HTTP/1.1', ['Host: 127.0.0.1:22']));

      expect(answer.status).toBe(405);
      expect(answer.text).toContain('method_not_allowed');
      expect((await sendRaw(port, rawRequest('GET /health HTTP/1.1'))).status).toBe(200);
    });

    it('answers 431 to 20 KB of headers and keeps serving', async () => {
      const answer = await sendRaw(
        port,
        rawRequest('GET /health HTTP/1.1', ['Host: a', `X-Big: ${'a'.repeat(20_000)}`]),
      );

      expect(answer.status).toBe(431);
      expect((await sendRaw(port, rawRequest('GET /health HTTP/1.1'))).status).toBe(200);
    });

    it('answers 413 to a declared body over the limit without reading it', async () => {
      const answer = await sendRaw(
        port,
        rawRequest('POST /inbound/email HTTP/1.1', ['Host: a', 'Content-Length: 99999999999'], 'From: a'),
      );

      expect(answer.status).toBe(413);
      expect(answer.text).toContain('payload_too_large');
      expect(fakes.stored.size).toBe(0);
    });

    it('answers 413 to a chunked body that grows past the limit', async () => {
      const chunks = Array.from({ length: 6 }, () => 'a'.repeat(16 * 1024));
      const answer = await sendRaw(
        port,
        rawRequest(
          'POST /inbound/email HTTP/1.1',
          ['Host: a', 'Transfer-Encoding: chunked'],
          chunkedBody(chunks),
        ),
      );

      expect(answer.status).toBe(413);
    });

    it.each([
      ['/inbound/email', 'gzip, chunked'],
      ['/inbound/chat', 'deflate, chunked'],
      ['/inbound/form', 'x-unknown, chunked'],
    ])(
      'answers 400 to %s with Transfer-Encoding "%s" (a coding it does not decode) and hands nothing on',
      async (route, codings) => {
        const handed = fakes.channelRequests.length;
        const answer = await sendRaw(
          port,
          rawRequest(
            `POST ${route} HTTP/1.1`,
            ['Host: a', `Transfer-Encoding: ${codings}`],
            chunkedBody(['x']),
          ),
        );

        expect(answer.status).toBe(400);
        expect(answer.text).toContain('unsupported_transfer_coding');
        expect(fakes.stored.size).toBe(0);
        expect(fakes.channelRequests).toHaveLength(handed);
      },
    );
  });

  describe('answers', () => {
    it('answers JSON 404 naming the route for an unknown path', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/nowhere`);

      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: 'route_not_found',
        message: 'GET /nowhere is not a route',
      });
    });

    it('answers 405 with Allow for the wrong method on a route', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/inbound/email`);

      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    });

    it('answers 400 to an empty body', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/inbound/email`, {
        method: 'POST',
        body: ' \r\n',
      });

      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('empty_body');
    });

    it('journals an accepted message before answering 202 and keeps the entry until it is routed', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/inbound/email`, {
        method: 'POST',
        body: 'From: a@b\r\n\r\nhi',
      });

      expect(response.status).toBe(202);
      const pending = await fakes.journal.pending();
      const entry = pending.at(-1);
      expect(entry).toMatchObject({ channel: 'email', receivedAt: '2026-11-27T16:00:00.000Z' });
      expect(fakes.stored.has(entry?.key ?? '')).toBe(true);
    });

    it('addresses the mail to the recipients named by ?to= and journals them for a replay', async () => {
      const response = await fetch(
        `http://127.0.0.1:${port}/inbound/email?to=fax@pharmacy.example&to=support@pharmacy.example`,
        { method: 'POST', body: 'From: a@b\r\n\r\nhi' },
      );

      expect(response.status).toBe(202);
      expect(fakes.emailEvents.at(-1)?.Records[0]?.ses.receipt.recipients).toEqual([
        'fax@pharmacy.example',
        'support@pharmacy.example',
      ]);
      expect((await fakes.journal.pending()).at(-1)?.recipients).toEqual([
        'fax@pharmacy.example',
        'support@pharmacy.example',
      ]);
    });

    it('answers 400 for a ?to= that is not an e-mail address, and stores nothing', async () => {
      const before = fakes.stored.size;

      const response = await fetch(`http://127.0.0.1:${port}/inbound/email?to=not-an-address`, {
        method: 'POST',
        body: 'From: a@b\r\n\r\nhi',
      });

      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_recipient');
      expect(fakes.stored.size).toBe(before);
    });

    it('settles the journal entry of a quarantined message and answers 422', async () => {
      fakes.setOutcome({
        outcome: 'quarantined',
        reason: 'no sender address',
        quarantineKey: 'quarantine/x',
      });
      const before = (await fakes.journal.pending()).length;

      const response = await fetch(`http://127.0.0.1:${port}/inbound/email`, {
        method: 'POST',
        body: 'junk',
      });

      expect(response.status).toBe(422);
      expect((await fakes.journal.pending()).length).toBe(before);
    });

    it('answers 500 and logs only the error name when a handler rejects', async () => {
      fakes.setOutcome(new TypeError(`cannot read SSN ${SSN} of undefined`));

      const response = await fetch(`http://127.0.0.1:${port}/inbound/email`, {
        method: 'POST',
        body: `SSN ${SSN}`,
      });

      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({
        error: 'internal_error',
        message: 'the request failed; see the router log',
      });
      expect(fakes.logged).toEqual(['[gateway] POST /inbound/email failed: TypeError']);
      expect((await sendRaw(port, rawRequest('GET /health HTTP/1.1'))).status).toBe(200);
    });
  });

  describe('channel routes', () => {
    const routes = ['/inbound/chat', '/inbound/form', '/inbound/fax/telnyx'];
    const otherMethods = ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
    const cases = routes.flatMap((route) =>
      otherMethods.flatMap((method) => [
        [method, route, 'without a body'] as const,
        [method, route, 'with a body'] as const,
      ]),
    );

    it.each(cases)(
      'answers %s %s %s 405 and never calls the channel handler',
      async (method, route, body) => {
        const calls = fakes.channelRequests.length;
        const headers = body === 'with a body' ? ['Host: a', 'Content-Length: 2'] : ['Host: a'];

        const answer = await sendRaw(
          port,
          rawRequest(`${method} ${route} HTTP/1.1`, headers, body === 'with a body' ? '{}' : ''),
        );

        expect(answer.status).toBe(405);
        expect(answer.text.toLowerCase()).toContain('allow: post');
        expect(fakes.channelRequests.length).toBe(calls);
        expect((await sendRaw(port, rawRequest('GET /health HTTP/1.1'))).status).toBe(200);
      },
    );

    it('hands the channel handler the exact bytes and headers of a POST', async () => {
      const body = '{"text":"hola \u00e9"}';

      const response = await fetch(`http://127.0.0.1:${port}/inbound/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-chat-signature': 'v1=ab' },
        body,
      });

      expect(response.status).toBe(202);
      const handed = fakes.channelRequests.at(-1);
      expect(handed?.route).toBe('chat');
      expect(Buffer.from(handed?.request.body ?? []).toString('utf8')).toBe(body);
      expect(handed?.request.headers['x-chat-signature']).toBe('v1=ab');
    });

    const undeclared: [string, string][] = [
      ['no body and no Content-Length', rawRequest('POST /inbound/form HTTP/1.1', ['Host: a'])],
      [
        'a chunked body',
        rawRequest(
          'POST /inbound/form HTTP/1.1',
          ['Host: a', 'Transfer-Encoding: chunked'],
          '2\r\n{}\r\n0\r\n\r\n',
        ),
      ],
    ];

    it.each(undeclared)('hands a POST with %s to the handler instead of failing', async (_name, request) => {
      const calls = fakes.channelRequests.length;

      const answer = await sendRaw(port, request);

      expect(answer.status).toBe(202);
      expect(fakes.channelRequests.length).toBe(calls + 1);
    });

    it('answers 413 to a declared chat body over its limit without calling the handler', async () => {
      const calls = fakes.channelRequests.length;

      const answer = await sendRaw(
        port,
        rawRequest(
          'POST /inbound/chat HTTP/1.1',
          ['Host: a', `Content-Length: ${CHANNEL_BODY_LIMITS.chat + 1}`],
          '{}',
        ),
      );

      expect(answer.status).toBe(413);
      expect(answer.text).toContain('payload_too_large');
      expect(fakes.channelRequests.length).toBe(calls);
    });

    it('answers 413 to a chunked form body that grows past its limit', async () => {
      const calls = fakes.channelRequests.length;
      const chunk = 'a'.repeat(16 * 1024);
      const count = Math.ceil(CHANNEL_BODY_LIMITS.form / chunk.length) + 1;

      const answer = await sendRaw(
        port,
        rawRequest(
          'POST /inbound/form HTTP/1.1',
          ['Host: a', 'Transfer-Encoding: chunked'],
          chunkedBody(Array.from({ length: count }, () => chunk)),
        ),
      );

      expect(answer.status).toBe(413);
      expect(fakes.channelRequests.length).toBe(calls);
    });
  });

  describe('staff routes', () => {
    it('answers 401 with WWW-Authenticate without a token and never calls the staff API', async () => {
      const calls = fakes.staffEvents.length;

      const response = await fetch(`http://127.0.0.1:${port}/queues`);

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(fakes.staffEvents.length).toBe(calls);
    });

    it('hands the staff API the raw path, query, body and verified claims as API Gateway would', async () => {
      const token = await mintDevToken('alice');

      const response = await fetch(`http://127.0.0.1:${port}/cases/CR1/pend?x=%41`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: '{"reason":"waiting"}',
      });

      expect(response.status).toBe(200);
      const event = fakes.staffEvents.at(-1);
      expect(event).toMatchObject({
        rawPath: '/cases/CR1/pend',
        rawQueryString: 'x=%41',
        routeKey: 'POST /cases/CR1/pend',
        body: '{"reason":"waiting"}',
        requestContext: { http: { method: 'POST' }, authorizer: { jwt: { claims: { sub: 'alice' } } } },
      });
    });

    it('passes a 204 from the staff API through without a body', async () => {
      fakes.setStaffAnswer({ statusCode: 204, body: '' });

      const response = await fetch(`http://127.0.0.1:${port}/queues`, {
        headers: { authorization: `Bearer ${await mintDevToken('alice')}` },
      });

      expect(response.status).toBe(204);
    });

    it('refuses the console and the staff API on a host name other than loopback (DNS rebinding), and still serves channel webhooks there', async () => {
      // A page on attacker.example that rebinds its name to 127.0.0.1 is same-origin with itself:
      // without a Host check it could mint a supervisor token and read every case.
      const body = '{"name":"mallory","role":"supervisor","skills":[]}';
      const signIn = await sendRaw(
        port,
        rawRequest(
          'POST /console/dev-sign-in HTTP/1.1',
          [
            `Host: attacker.example:${port}`,
            'Sec-Fetch-Site: same-origin',
            'Content-Type: application/json',
            `Content-Length: ${Buffer.byteLength(body)}`,
          ],
          body,
        ),
      );
      expect(signIn.status).toBe(421);
      expect(signIn.text).not.toContain('token');

      const calls = fakes.staffEvents.length;
      const token = await mintDevToken('mallory', process.env, { role: 'supervisor' });
      for (const target of ['GET /queues', 'GET /cases/CR1', 'GET /', 'GET /console/config.json']) {
        const answer = await sendRaw(
          port,
          rawRequest(`${target} HTTP/1.1`, [
            `Host: attacker.example:${port}`,
            `Authorization: Bearer ${token}`,
          ]),
        );
        expect(answer.status, target).toBe(421);
      }
      expect(fakes.staffEvents.length).toBe(calls);

      // Loopback names keep working, and so do the channel routes (each verifies its sender).
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
        const answer = await sendRaw(
          port,
          rawRequest('GET /queues HTTP/1.1', [`Host: ${host}`, `Authorization: Bearer ${token}`]),
        );
        expect(answer.status, host).toBe(200);
      }
      expect((await sendRaw(port, rawRequest('GET /health HTTP/1.1', ['Host: tunnel.example']))).status).toBe(
        200,
      );
    });

    it('answers 500 without the message when the staff API rejects', async () => {
      fakes.setStaffAnswer(new Error(`member ${SSN} not found`));

      const response = await fetch(`http://127.0.0.1:${port}/queues`, {
        headers: { authorization: `Bearer ${await mintDevToken('alice')}` },
      });

      expect(response.status).toBe(500);
      expect(fakes.logged.join('\n')).not.toContain(SSN);
      expect(fakes.logged).toEqual(['[gateway] GET /queues failed: Error']);
    });
  });
});
