import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqsClient } from '../../lambdas/adapters/awsClients.js';
import { widgetSignature } from '../../lambdas/adapters/chat/HmacWidgetAuthenticator.js';
import { fixedClock, telnyxKeys } from '../helpers/channelFakes.js';
import { fuzzTimeoutMs, httpMethod } from '../helpers/fuzzArbitraries.js';
import { fuzzEndpoint } from '../helpers/fuzzEndpoint.js';
import { startTestRouter } from '../helpers/localRouter.js';
import { chunkedBody, rawRequest, sendRaw } from '../helpers/rawHttp.js';

const WIDGET_SECRET = 'fuzz-widget-secret-0123456789abcdef-012345';
const clock = fixedClock('2026-03-03T15:00:00Z');
const telnyx = telnyxKeys();
const BODIES_PER_ENDPOINT = 150;

/**
 * Arbitrary bodies through the real gateway, handlers and emulators (the 1,000-body fuzz of each
 * use case runs in the unit tests): every answer is 2xx or 4xx, nothing is dead-lettered, and every
 * case that exists is whole (its messages are all there).
 */
describe('channel endpoints under arbitrary bodies', () => {
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  beforeAll(async () => {
    router = await startTestRouter({
      clock,
      channelSecrets: { telnyxPublicKey: telnyx.publicKeyBase64, chatWidgetSecrets: [WIDGET_SECRET] },
    });
  });
  afterAll(() => router?.stop());

  it('answers only 2xx or 4xx and leaves no half-written case', async () => {
    const now = String(Math.floor(clock.now().getTime() / 1000));
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 }));
    const chatEvent = fc
      .record({
        type: fc.constantFrom('chat.started', 'chat.member_message', 'chat.staff_message', 'chat.ended'),
        eventId: fc.stringMatching(/^[a-z0-9]{1,8}$/),
        conversationId: fc.constantFrom('c1', 'c2', 'c3'),
        occurredAt: fc.constant('2026-03-03T15:00:00Z'),
        text: fc.string({ minLength: 1, maxLength: 40 }),
        staffId: fc.constant('alice'),
        endedBy: fc.constant('member'),
      })
      .map((event) => JSON.stringify(event));
    const statuses: number[] = [];
    const post = async (path: string, body: string, headers: Record<string, string>) => {
      const response = await fetch(`${router.url}${path}`, { method: 'POST', headers, body });
      await response.arrayBuffer();
      statuses.push(response.status);
    };
    for (const body of fc.sample(text, BODIES_PER_ENDPOINT)) {
      await post('/inbound/fax/telnyx', body, {
        'content-type': 'application/json',
        ...telnyx.sign(body, Number(now)),
      });
    }
    for (const body of fc.sample(fc.oneof(text, chatEvent), BODIES_PER_ENDPOINT)) {
      await post('/inbound/chat', body, {
        'content-type': 'application/json',
        'x-chat-timestamp': now,
        'x-chat-signature': widgetSignature(WIDGET_SECRET, now, body),
      });
    }
    for (const body of fc.sample(text, BODIES_PER_ENDPOINT)) {
      await post('/inbound/form', body, { 'content-type': 'application/json' });
    }
    await router.drain(60_000);

    expect(statuses.filter((status) => status < 200 || status >= 500)).toEqual([]);
    const dlq = await sqsClient(router.endpoints).send(
      new GetQueueAttributesCommand({
        QueueUrl: router.resources.deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe('0');
    for (const summary of await router.queues()) {
      for (let index = 0; index < summary.depth; index++) {
        const claimed = await router.claim('alice', summary.queue);
        if (!claimed) break;
        const view = await router.viewCase('alice', claimed.caseId);
        expect(view.messages).toHaveLength(view.case.messageCount);
      }
    }
  }, 240_000);

  it(
    'answers any method on the channel routes 2xx or 4xx, with a declared, chunked or absent body',
    async () => {
      const port = Number(new URL(router.url).port);
      const request = fc.record({
        method: httpMethod,
        route: fc.constantFrom('/inbound/chat', '/inbound/form', '/inbound/fax/telnyx', '/inbound/fax/x'),
        body: fc.option(fc.oneof(fc.string({ maxLength: 120 }), fc.json({ maxDepth: 2 })), {
          nil: undefined,
        }),
        framing: fc.constantFrom('declared', 'chunked'),
      });

      const methods = new Set<string>();
      const report = await fuzzEndpoint(router, {
        arbitrary: request,
        send: async ({ method, route, body, framing }) => {
          methods.add(method);
          const headers = ['Host: 127.0.0.1', 'Content-Type: application/json'];
          let payload = '';
          if (body !== undefined && framing === 'declared') {
            headers.push(`Content-Length: ${Buffer.byteLength(body)}`);
            payload = body;
          } else if (body !== undefined) {
            headers.push('Transfer-Encoding: chunked');
            payload = chunkedBody([body]);
          }
          const answer = await sendRaw(port, rawRequest(`${method} ${route} HTTP/1.1`, headers, payload));
          return answer.status;
        },
      });

      // fuzzEndpoint failed the run on any 5xx; every method ran, the bodiless DELETE and OPTIONS included.
      expect(methods).toContain('DELETE');
      expect(methods).toContain('OPTIONS');
      expect(report.statuses[405]).toBeGreaterThan(0);
      await router.drain(60_000);
    },
    fuzzTimeoutMs(),
  );
});
