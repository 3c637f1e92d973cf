import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '../../lambdas/adapters/awsClients.js';
import { RAW_CONTENT } from '../../lambdas/adapters/resourceDefinitions.js';
import { buildEmailIngestServices, handleEmailReceipt } from '../../lambdas/handlers/emailIngest.js';
import { putRawObject } from '../../lambdas/local/rawMailUpload.js';
import { sesReceiptEvent } from '../../lambdas/local/sesEvents.js';
import { snapshotTable } from '../helpers/caseInvariants.js';
import { fixedClock } from '../helpers/channelFakes.js';
import { startTestRouter } from '../helpers/localRouter.js';
import { casesByExternalId } from '../helpers/routeHarness.js';

// Tuesday 1 December 2026, 09:00 Central: business hours.
const clock = fixedClock('2026-12-01T15:00:00.000Z');

/** What aws-ses-v2-local stored for one recipient. */
async function mailTo(sesEndpoint: string, address: string): Promise<unknown[]> {
  const store = (await (await fetch(`${sesEndpoint}/store`)).json()) as {
    emails: { destination: { to: string[] } }[];
  };
  return store.emails.filter((email) => email.destination.to.some((to) => to.includes(address)));
}

function refillMail(from: string, messageId: string): string {
  return [
    `From: ${from}`,
    'To: support@pharmacy.example',
    'Subject: Refill of my lisinopril',
    `Message-ID: ${messageId}`,
    'Date: Tue, 01 Dec 2026 08:55:00 -0600',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please send a refill of my lisinopril prescription to my home address this week.',
    '',
  ].join('\r\n');
}

describe('acknowledgements only to senders SES authenticated, through the real receipt path', () => {
  let router: Awaited<ReturnType<typeof startTestRouter>>;

  beforeAll(async () => {
    router = await startTestRouter({ clock });
  });
  afterAll(async () => {
    await router?.stop();
  });

  it('opens a case for forged and unauthenticated mail without mailing the named sender, and answers the authenticated one', async () => {
    const run = randomUUID().slice(0, 8);
    const senders = {
      forged: `forged-${run}@example.com`,
      unaligned: `unaligned-${run}@example.org`,
      authenticated: `member-${run}@example.net`,
    };
    const deliveries = [
      { from: senders.forged, dmarc: 'FAIL', source: `bounce@attacker-${run}.example` },
      { from: senders.unaligned, dmarc: 'GRAY', source: `bounce@bulk-${run}.example` },
      { from: senders.authenticated, dmarc: 'PASS', source: `bounces@mail.example.net` },
    ] as const;
    const s3 = s3Client(router.endpoints);
    const services = buildEmailIngestServices(router.env);
    const messageIds: string[] = [];
    for (const delivery of deliveries) {
      const sesMessageId = `ses-${randomUUID()}`;
      const messageId = `<${randomUUID()}@sender.example>`;
      messageIds.push(messageId);
      await putRawObject(
        s3,
        router.resources.rawBucket,
        `${RAW_CONTENT.emailPrefix}${sesMessageId}`,
        Buffer.from(refillMail(delivery.from, messageId)),
      );
      // SES's event for this delivery: its DMARC verdict, and the envelope sender SPF vouched for.
      const event = sesReceiptEvent(sesMessageId, clock.now());
      const record = event.Records[0];
      if (!record) throw new Error('no record');
      record.ses.receipt.dmarcVerdict = { status: delivery.dmarc };
      record.ses.mail.source = delivery.source;
      expect((await handleEmailReceipt(event, services))[0]?.outcome).toBe('queued');
    }
    s3.destroy();
    await router.drain(60_000);

    // Every delivery is a case: staff still see forged mail (and may answer it in person).
    const placed = casesByExternalId(
      await snapshotTable(router.endpoints.dynamodb ?? '', router.resources.tableName),
    );
    const caseIds = messageIds.map((messageId) => placed.get(messageId)?.[0]);
    expect(caseIds.every((caseId) => caseId !== undefined)).toBe(true);
    // Only the authenticated sender was mailed.
    expect(await mailTo(router.endpoints.ses, senders.forged)).toHaveLength(0);
    expect(await mailTo(router.endpoints.ses, senders.unaligned)).toHaveLength(0);
    expect(await mailTo(router.endpoints.ses, senders.authenticated)).toHaveLength(1);
    // The case says why the member heard nothing.
    const opened = async (caseId: string | undefined) =>
      (await router.viewCase('alice', caseId ?? '')).history.find((event) => event.type === 'case_created')
        ?.detail.acknowledgement;
    expect(await opened(caseIds[0])).toMatch(/^not sent: DMARC failed/);
    expect(await opened(caseIds[1])).toMatch(/^not sent: the From address is not authenticated: DMARC GRAY/);
    expect(await opened(caseIds[2])).toBeUndefined();
  });
});
