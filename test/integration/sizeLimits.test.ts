import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAW_CONTENT } from '../../lambdas/adapters/resourceDefinitions.js';
import { halfWrittenCaseProblems, snapshotTable } from '../helpers/caseInvariants.js';
import { startTestRouter } from '../helpers/localRouter.js';

/** A message of exactly `size` bytes: a refill request with a large attachment, as members send scans. */
function messageOfSize(size: number, id: string): Buffer {
  const head = [
    'From: Maria Lopez <maria@example.com>',
    'To: support@pharmacy.example',
    'Subject: Refill with my prescription scan',
    `Message-ID: <${id}@mail.example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please refill my lisinopril; the scan is attached.',
    '--b',
    'Content-Type: application/pdf; name="scan.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    '',
  ].join('\r\n');
  const tail = '\r\n--b--\r\n';
  const line = `${'QUJD'.repeat(19)}\r\n`; // 78 bytes of base64 per line
  const room = size - head.length - tail.length;
  const body = line.repeat(Math.floor(room / line.length)) + 'A'.repeat(room % line.length);
  return Buffer.from(head + body + tail);
}

/**
 * Local mode accepts what SES accepts (40 MB) and answers 413 above. fauxqs takes at most 11 MiB
 * per request, so bodies of 12-30 MB used to fail with 500; raw mail now goes up in parts.
 */
describe('local mode size limits agree with SES', () => {
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  beforeAll(async () => {
    router = await startTestRouter();
  });
  afterAll(async () => {
    await router.stop();
  });

  it.each([
    ['12 MB', 12_000_000],
    ['30 MB', 30_000_000],
  ])(
    'accepts a %s message and makes it a case',
    async (_label, size) => {
      const response = await router.postEmail(messageOfSize(size, `size-${size}`));

      expect(response.status).toBe(202);
      await router.drain(60_000);
      const snapshot = await snapshotTable(router.endpoints.dynamodb, router.resources.tableName);
      const ids = [...snapshot.messages.values()].flat().map((message) => message.externalId);
      expect(ids).toContain(`<size-${size}@mail.example.com>`);
      expect(halfWrittenCaseProblems(snapshot)).toEqual([]);
    },
    120_000,
  );

  it('answers 413 one byte over the limit', async () => {
    const response = await router.postEmail(messageOfSize(RAW_CONTENT.maxEmailBytes + 1, 'too-large'));

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
  }, 60_000);
});
