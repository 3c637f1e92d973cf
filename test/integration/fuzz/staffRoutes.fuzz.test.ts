import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fuzzTimeoutMs, httpMethod, jsonishBody, pathUnder } from '../../helpers/fuzzArbitraries.js';
import { expectWholeCasesOnly, fuzzEndpoint } from '../../helpers/fuzzEndpoint.js';
import { startTestRouter } from '../../helpers/localRouter.js';

const STAFF = ['alice', 'bob', 'Ωmega', 'x'.repeat(300)];

describe('fuzz: staff routes (/queues…, /cases…)', () => {
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  beforeAll(async () => {
    router = await startTestRouter();
    // Something to claim and act on, so generated actions reach real cases.
    for (let index = 0; index < 5; index++) {
      await router.postEmail(
        `From: m${index}@example.com\r\nSubject: refill\r\nMessage-ID: <staff-fuzz-${index}@x>\r\n\r\nPlease refill my lisinopril`,
      );
    }
    await router.drain();
  });
  afterAll(async () => {
    await router.stop();
  });

  // Percent-escapes that are not UTF-8 (`%C0%AF`) included: the staff API answers them 400 (#8 item 2).
  const target = fc.record({
    method: httpMethod,
    path: fc.oneof(
      pathUnder('/queues', { invalidUtf8Escapes: true }),
      pathUnder('/cases', { invalidUtf8Escapes: true }),
      fc.constantFrom('/queues', '/queues/fulfillment/claim'),
    ),
    body: fc.option(jsonishBody, { nil: undefined }),
    staff: fc.oneof(fc.constantFrom(...STAFF), fc.constant(undefined)),
  });

  it(
    'answers every generated staff request 2xx or 4xx and leaves only whole cases',
    async () => {
      await fuzzEndpoint(router, {
        arbitrary: target,
        send: async ({ method, path, body, staff }) => {
          const init: RequestInit = {
            method,
            ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
          };
          const response = staff
            ? await router.staffFetch(staff, path, init)
            : await fetch(`${router.url}${path}`, init);
          await response.arrayBuffer();
          return response.status;
        },
      });

      await expectWholeCasesOnly(router);
    },
    fuzzTimeoutMs(),
  );
});
