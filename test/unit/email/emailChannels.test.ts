import { describe, expect, it } from 'vitest';
import { PostalMimeEmailParser } from '../../../lambdas/adapters/mime/PostalMimeEmailParser.js';
import {
  type AcceptEmailServices,
  acceptEmail,
  type EmailReceipt,
} from '../../../lambdas/domain/ingest/acceptEmail.js';
import { claimsDeskDomain, isPossibleSpoofing } from '../../../lambdas/domain/ingest/emailTrust.js';
import { receiptOf } from '../../../lambdas/handlers/emailIngest.js';
import { MemoryBlobStore, MemoryFaxJobQueue, MemoryInboundQueue } from '../../helpers/channelFakes.js';
import { fixture } from '../../helpers/fixtures.js';

const DESK = { domains: ['pharmacy.example'], faxAddresses: ['fax@pharmacy.example'] };

function mail(from: string, attachment?: { name: string; type: string; bytes: Uint8Array }): string {
  const boundary = 'b1';
  const parts = [
    `From: ${from}\r\nTo: support@pharmacy.example\r\nSubject: Your account\r\nMessage-ID: <m-${Math.random()}@sender.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n`,
    `--${boundary}\r\nContent-Type: text/plain\r\n\r\nPlease verify your pharmacy account at the link below.\r\n`,
  ];
  if (attachment) {
    parts.push(
      `--${boundary}\r\nContent-Type: ${attachment.type}\r\nContent-Disposition: attachment; filename="${attachment.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(attachment.bytes).toString('base64')}\r\n`,
    );
  }
  parts.push(`--${boundary}--\r\n`);
  return parts.join('');
}

/** A fax service's delivery to the desk's fax address: a short note and the faxed PDF. */
function faxMail(messageId: string, pdf: Uint8Array): string {
  return [
    `From: faxes@faxservice.example\r\nTo: fax@pharmacy.example\r\nSubject: Fax\r\nMessage-ID: ${messageId}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n`,
    '--b1\r\nContent-Type: text/plain\r\n\r\nYou have a fax.\r\n',
    `--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="fax.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(pdf).toString('base64')}\r\n`,
    '--b1--\r\n',
  ].join('');
}

function setup() {
  const blobStore = new MemoryBlobStore();
  const inboundQueue = new MemoryInboundQueue();
  const faxJobs = new MemoryFaxJobQueue();
  const services: AcceptEmailServices = {
    blobStore,
    inboundQueue,
    faxJobs,
    emailParser: new PostalMimeEmailParser(),
    desk: DESK,
  };
  return { blobStore, inboundQueue, faxJobs, services };
}

const pass: EmailReceipt['verdicts'] = {
  spam: 'PASS',
  virus: 'PASS',
  spf: 'PASS',
  dkim: 'PASS',
  dmarc: 'PASS',
};

describe('e-mail verdicts, spoofing, attachments and fax-to-email', () => {
  it.each([
    'pharmacy.example',
    'mail.pharmacy.example',
    'pharrnacy.example',
    'pharmacy-example.com',
    'pharmacv.example',
    'pharmacy-support.example',
  ])('takes %s for the desk or a look-alike', (domain) =>
    expect(claimsDeskDomain(domain, DESK.domains)).toBe(true),
  );

  it.each(['gmail.com', 'example.org', 'farm.example'])('does not take %s for the desk', (domain) =>
    expect(claimsDeskDomain(domain, DESK.domains)).toBe(false),
  );

  it.each([
    'xn--phrmacy-3fg.example', // phаrmacy.example with a Cyrillic а, as DNS and most MTAs carry it
    'xn--pharmay-3jg.example', // pharmaсy.example with a Cyrillic с
    'ph\u0430rmacy.example', // the same, as an SMTPUTF8 sender writes it
    'ph\u00e1rmacy.example', // an accented á
  ])('takes the homoglyph look-alike %s for the desk', (domain) => {
    expect(claimsDeskDomain(domain, DESK.domains)).toBe(true);
  });

  it("flags the desk's own domain only when DMARC failed", () => {
    expect(isPossibleSpoofing('billing@pharmacy.example', { ...pass, dmarc: 'FAIL' }, DESK.domains)).toBe(
      true,
    );
    expect(isPossibleSpoofing('billing@mail.pharmacy.example', pass, DESK.domains)).toBe(false);
    expect(isPossibleSpoofing('friend@gmail.com', { ...pass, dmarc: 'FAIL' }, DESK.domains)).toBe(false);
  });

  it.each(['PASS', 'GRAY', 'FAIL'] as const)(
    'flags a look-alike domain whatever its DMARC verdict (%s): its owner is the attacker',
    (dmarc) => {
      expect(isPossibleSpoofing('billing@pharrnacy.example', { ...pass, dmarc }, DESK.domains)).toBe(true);
      expect(isPossibleSpoofing('billing@xn--phrmacy-3fg.example', { ...pass, dmarc }, DESK.domains)).toBe(
        true,
      );
    },
  );

  it('records the verdicts on the message and hints possible spoofing to routing', async () => {
    const { blobStore, inboundQueue, services } = setup();
    await blobStore.put('email/m1', mail('Pharmacy Billing <billing@pharmacy.example>'));

    await acceptEmail('email/m1', '2026-03-02T15:00:00.000Z', services, {
      recipients: ['support@pharmacy.example'],
      verdicts: { ...pass, dmarc: 'FAIL', dmarcPolicy: 'reject' },
    });

    expect(inboundQueue.messages[0]).toMatchObject({
      emailVerdicts: { dmarc: 'FAIL', dmarcPolicy: 'reject', spf: 'PASS' },
      hints: { possibleSpoofing: true },
    });
  });

  it('quarantines a message whose virus scan failed, with the reason, and makes no case', async () => {
    const { blobStore, inboundQueue, services } = setup();
    await blobStore.put('email/m2', mail('a@b.example'));

    const outcome = await acceptEmail('email/m2', '2026-03-02T15:00:00.000Z', services, {
      recipients: [],
      verdicts: { ...pass, virus: 'FAIL' },
    });

    expect(outcome).toMatchObject({ outcome: 'quarantined', reason: expect.stringMatching(/^virus/) });
    expect(blobStore.objects.get('quarantine/email/m2')?.metadata).toEqual({
      'quarantine-reason': 'virus: the SES virus scan failed (virusVerdict FAIL)',
    });
    expect(inboundQueue.messages).toHaveLength(0);
  });

  it('keeps identifiers a parser quoted out of the quarantine reason (S3 metadata is not KMS-encrypted)', async () => {
    const { blobStore, services } = setup();
    await blobStore.put('email/m9', mail('a@b.example'));
    const outcome = await acceptEmail('email/m9', '2026-03-02T15:00:00.000Z', {
      ...services,
      emailParser: {
        parse: async () => ({
          ok: false as const,
          reason: 'MIME structure could not be parsed: near "From: maria.lopez@example.com SSN 123-45-6789"',
        }),
      },
    });
    const stored = blobStore.objects.get('quarantine/email/m9')?.metadata?.['quarantine-reason'];
    expect(stored).toBe('MIME structure could not be parsed: near "From: [EMAIL] SSN [SSN]"');
    expect(outcome).toMatchObject({ outcome: 'quarantined', reason: stored });
  });

  it('redacts the whole reason before cutting it, so an address cut at the 500th character is not left in clear', async () => {
    const { blobStore, services } = setup();
    await blobStore.put('email/m10', mail('a@b.example'));
    const reason = `${'x'.repeat(480)} from: maria.lopez@example.com and more`;
    await acceptEmail('email/m10', '2026-03-02T15:00:00.000Z', {
      ...services,
      emailParser: { parse: async () => ({ ok: false as const, reason }) },
    });
    const stored = blobStore.objects.get('quarantine/email/m10')?.metadata?.['quarantine-reason'] ?? '';
    expect(stored).not.toContain('maria');
    expect(stored.length).toBeLessThanOrEqual(500);
  });

  it('never cuts the reason inside a surrogate pair (a lone surrogate cannot be percent-encoded into S3 metadata)', async () => {
    const { blobStore, services } = setup();
    await blobStore.put('email/m11', mail('a@b.example'));
    const outcome = await acceptEmail('email/m11', '2026-03-02T15:00:00.000Z', {
      ...services,
      emailParser: {
        parse: async () => ({ ok: false as const, reason: `${'x'.repeat(499)}\u{1F48A} pill` }),
      },
    });
    expect(outcome.outcome).toBe('quarantined');
    const stored = blobStore.objects.get('quarantine/email/m11')?.metadata?.['quarantine-reason'] ?? '';
    expect(() => encodeURIComponent(stored)).not.toThrow();
  });

  it('stores attachments in the raw bucket and lists their keys on the message', async () => {
    const { blobStore, inboundQueue, services } = setup();
    await blobStore.put(
      'email/m3',
      mail('a@b.example', {
        name: 'eob statement.pdf',
        type: 'application/pdf',
        bytes: Buffer.from('%PDF-1.4 eob'),
      }),
    );

    await acceptEmail('email/m3', '2026-03-02T15:00:00.000Z', services, {
      recipients: ['support@pharmacy.example'],
      verdicts: pass,
    });

    expect(inboundQueue.messages[0]?.attachments).toEqual([
      {
        filename: 'eob statement.pdf',
        contentType: 'application/pdf',
        size: 12,
        blobKey: 'email/m3/attachments/1',
      },
    ]);
    expect(Buffer.from((await blobStore.get('email/m3/attachments/1')) ?? []).toString()).toBe(
      '%PDF-1.4 eob',
    );
  });

  it("keeps an attachment's file name out of its object key (S3 access logs record keys, SSE-S3, outside the PHI key)", async () => {
    const { blobStore, inboundQueue, services } = setup();
    await blobStore.put(
      'email/m5',
      mail('a@b.example', {
        name: 'Maria Lopez insulin Rx 1952-04-03.pdf',
        type: 'application/pdf',
        bytes: Buffer.from('%PDF-1.4 rx'),
      }),
    );

    await acceptEmail('email/m5', '2026-03-02T15:00:00.000Z', services, {
      recipients: ['support@pharmacy.example'],
      verdicts: pass,
    });

    const [attachment] = inboundQueue.messages[0]?.attachments ?? [];
    expect(attachment?.filename).toBe('Maria Lopez insulin Rx 1952-04-03.pdf');
    expect(attachment?.blobKey).toBe('email/m5/attachments/1');
    expect([...blobStore.objects.keys()].filter((key) => /Maria|Lopez|insulin/.test(key))).toEqual([]);
  });

  it("sends a PDF mailed to the desk's fax address to the OCR step as a fax", async () => {
    const { blobStore, inboundQueue, faxJobs, services } = setup();
    const pdf = fixture('fax/coverage-determination.pdf');
    await blobStore.put(
      'email/m4',
      mail('faxes@faxservice.example', { name: 'fax.pdf', type: 'application/pdf', bytes: pdf }),
    );

    const outcome = await acceptEmail('email/m4', '2026-03-03T20:41:00.000Z', services, {
      recipients: ['fax@pharmacy.example'],
      verdicts: pass,
    });

    expect(outcome).toMatchObject({ outcome: 'fax', documents: 1 });
    expect(inboundQueue.messages).toHaveLength(0);
    expect(faxJobs.jobs[0]).toMatchObject({
      fax: {
        provider: 'email',
        receivedAt: '2026-03-03T20:41:00.000Z',
        from: 'faxes@faxservice.example',
        to: 'fax@pharmacy.example',
      },
      mediaType: 'application/pdf',
      documentBytes: pdf.length,
    });
    expect(Buffer.from((await blobStore.get(faxJobs.jobs[0]?.documentKey ?? '')) ?? []).equals(pdf)).toBe(
      true,
    );
  });

  it('reads a fax delivered by a fax service that marks its mail Auto-Submitted (RFC 3834)', async () => {
    const { blobStore, faxJobs, services } = setup();
    const appeal = fixture('fax/expedited-redetermination.pdf');
    await blobStore.put(
      'email/auto',
      `Auto-Submitted: auto-generated\r\n${faxMail('<fax-auto@faxservice.example>', appeal)}`,
    );

    const outcome = await acceptEmail('email/auto', '2026-03-03T20:41:00.000Z', services, {
      recipients: ['fax@pharmacy.example'],
      verdicts: pass,
    });

    expect(outcome).toMatchObject({ outcome: 'fax', documents: 1 });
    expect(faxJobs.jobs).toHaveLength(1);
  });

  it('never overwrites a faxed document with another message that reuses its Message-ID', async () => {
    const { blobStore, faxJobs, services } = setup();
    const appeal = fixture('fax/expedited-redetermination.pdf');
    const other = fixture('fax/coverage-determination.pdf');
    await blobStore.put('email/a', faxMail('<fax-1234@faxservice.example>', appeal));
    await blobStore.put('email/b', faxMail('<fax-1234@faxservice.example>', other));
    const receipt = { recipients: ['fax@pharmacy.example'], verdicts: pass };

    await acceptEmail('email/a', '2026-03-03T20:41:00.000Z', services, receipt);
    await acceptEmail('email/b', '2026-03-03T20:45:00.000Z', services, receipt);

    const [first, second] = faxJobs.jobs;
    expect(first?.documentKey).not.toBe(second?.documentKey);
    expect(Buffer.from((await blobStore.get(first?.documentKey ?? '')) ?? []).equals(appeal)).toBe(true);
    expect(Buffer.from((await blobStore.get(second?.documentKey ?? '')) ?? []).equals(other)).toBe(true);
  });

  it('keeps a virus FAIL verdict and the recipients when another verdict has a status SES did not list', () => {
    const receipt = {
      recipients: ['fax@pharmacy.example', 42],
      virusVerdict: { status: 'FAIL' },
      spamVerdict: { status: 'PASS' },
      spfVerdict: { status: 'PASS' },
      dkimVerdict: { status: 'NEUTRAL' },
      dmarcVerdict: { status: 'PASS' },
      dmarcPolicy: 'x'.repeat(200),
    };

    const read = receiptOf(receipt);

    expect(read).toEqual({
      recipients: ['fax@pharmacy.example'],
      verdicts: { virus: 'FAIL', spam: 'PASS', spf: 'PASS', dmarc: 'PASS' },
    });
  });

  it('reads the verdicts of a real SES receipt event', async () => {
    const { readFileSync, existsSync } = await import('node:fs');
    const file = new URL(
      '../../../../shared/corpora/ses-events/ses/aws-lambda-go-ses-lambda-event.json',
      import.meta.url,
    );
    if (!existsSync(file)) return;
    const event = JSON.parse(readFileSync(file, 'utf8'));
    expect(receiptOf(event.Records[0].ses.receipt)?.verdicts).toMatchObject({
      spam: expect.any(String),
      dmarc: expect.any(String),
    });
  });
});
