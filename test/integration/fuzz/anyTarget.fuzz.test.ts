import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fuzzTimeoutMs, httpMethod, pathSegment, queryString } from '../../helpers/fuzzArbitraries.js';
import { expectWholeCasesOnly, fuzzEndpoint } from '../../helpers/fuzzEndpoint.js';
import { startTestRouter } from '../../helpers/localRouter.js';
import { sendRaw } from '../../helpers/rawHttp.js';

/** Request lines and headers written byte for byte: what no HTTP client library would send. */
const rawRequestLine = fc.record({
  method: fc.oneof(httpMethod, fc.constantFrom('BREW', 'get', 'G ET', ''), fc.string({ maxLength: 8 })),
  target: fc.oneof(
    fc
      .tuple(
        fc.constantFrom(
          '',
          '/',
          '//',
          '/inbound/email',
          '/inbound/chat',
          '/inbound/form',
          '/inbound/fax/telnyx',
          '/cases',
          '/queues',
          '/health',
        ),
        fc.array(pathSegment(), { maxLength: 3 }),
        queryString,
      )
      .map(
        ([start, segments, query]) =>
          `${start}${segments.map((segment) => `/${segment}`).join('')}${query ? `?${query}` : ''}`,
      ),
    fc.constantFrom(
      '*',
      'http://[',
      'http://x:99999/',
      'http://[::1]:80/health',
      '//[x',
      'https://a@b/c',
      '\\..\\',
    ),
    fc.string({ maxLength: 60 }),
  ),
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'HTTP/9.9', ''),
  host: fc.oneof(
    fc.constantFrom('127.0.0.1', '[', 'a/b', 'x:99999', '', '[::1]'),
    fc.string({ maxLength: 20 }),
  ),
  headers: fc.array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 })), { maxLength: 4 }),
  body: fc.option(fc.string({ maxLength: 100 }), { nil: undefined }),
});

describe('fuzz: any request line on any target', () => {
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  beforeAll(async () => {
    router = await startTestRouter();
  });
  afterAll(async () => {
    await router.stop();
  });

  it(
    'answers every generated request line 2xx or 4xx and keeps serving',
    async () => {
      const port = Number(new URL(router.url).port);
      await fuzzEndpoint(router, {
        arbitrary: rawRequestLine,
        send: async ({ method, target, version, host, headers, body }) => {
          const lines = [
            `${method} ${target} ${version}`.replace(/[\r\n]/g, ''),
            `Host: ${host}`.replace(/[\r\n]/g, ''),
            ...headers.map(([name, value]) => `${name}: ${value}`.replace(/[\r\n]/g, '')),
            ...(body !== undefined ? [`Content-Length: ${Buffer.byteLength(body)}`] : []),
            'Connection: close',
          ];
          const answer = await sendRaw(port, `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
          return answer.status;
        },
      });

      await expectWholeCasesOnly(router);
    },
    fuzzTimeoutMs(),
  );
});
