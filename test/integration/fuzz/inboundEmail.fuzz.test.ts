import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailBody, fuzzTimeoutMs } from '../../helpers/fuzzArbitraries.js';
import { expectWholeCasesOnly, fuzzEndpoint } from '../../helpers/fuzzEndpoint.js';
import { startTestRouter } from '../../helpers/localRouter.js';

describe('fuzz: POST /inbound/email', () => {
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  beforeAll(async () => {
    // The poller routes while the fuzz posts, as in local mode.
    router = await startTestRouter({ poll: true });
  });
  afterAll(async () => {
    await router.stop();
  });

  it(
    'answers every generated message 2xx or 4xx and leaves only whole cases',
    async () => {
      const report = await fuzzEndpoint(router, {
        arbitrary: emailBody,
        send: async (raw) => (await router.postEmail(raw)).status,
      });

      expect(report.runs).toBeGreaterThanOrEqual(Number(process.env.FUZZ_RUNS ?? 1_000));
      expect(Object.keys(report.statuses).every((status) => ['202', '400', '422'].includes(status))).toBe(
        true,
      );
      await expectWholeCasesOnly(router);
    },
    fuzzTimeoutMs(),
  );
});
