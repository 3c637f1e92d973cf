import { describe, expect, it } from 'vitest';
import { PostalMimeEmailParser } from '../../../lambdas/adapters/mime/PostalMimeEmailParser.js';
import { InboundMessageSchema } from '../../../lambdas/domain/inboundMessage.js';
import { corporaSkipReason, corpusEmails, fixture, hasCorpora } from '../../helpers/fixtures.js';

const parser = new PostalMimeEmailParser();

function htmlOnlyEmail(html: string): Uint8Array {
  return new TextEncoder().encode(
    `From: member@example.com\r\nTo: support@pharmacy.example\r\nSubject: refill\r\nMessage-ID: <html-1@example.com>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}`,
  );
}
const context = { receivedAt: '2026-11-27T16:00:00.000Z', rawBlobKey: 'email/test' };

describe('PostalMimeEmailParser', () => {
  it('normalizes a plain email into a valid inbound message', async () => {
    const parsed = await parser.parse(fixture('email/refill.eml'), context);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(InboundMessageSchema.parse(parsed.message)).toMatchObject({
      channel: 'email',
      externalId: '<refill-1@mail.example.com>',
      receivedAt: context.receivedAt,
      sender: { address: 'maria@example.com', name: 'Maria Lopez' },
      subject: 'Refill for my lisinopril',
      automated: false,
      rawBlobKey: 'email/test',
    });
  });

  it('keeps In-Reply-To and References for threading', async () => {
    const parsed = await parser.parse(fixture('email/refill-reply.eml'), context);
    expect(parsed.ok && parsed.message.threading).toEqual({
      messageId: '<refill-2@mail.example.com>',
      inReplyTo: '<refill-1@mail.example.com>',
      references: ['<refill-1@mail.example.com>'],
    });
  });

  it('keeps the root and the newest 99 of a References list longer than 100', async () => {
    const ids = Array.from({ length: 150 }, (_, index) => `<thread-${index}@mail.example.com>`);
    const raw = new TextEncoder().encode(
      `From: member@example.com\r\nTo: support@pharmacy.example\r\nSubject: Re: refill\r\nMessage-ID: <long@example.com>\r\nReferences: ${ids.join('\r\n ')}\r\n\r\nStill waiting.`,
    );
    const parsed = await parser.parse(raw, context);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.message.threading.references).toEqual([ids[0], ...ids.slice(-99)]);
    expect(InboundMessageSchema.safeParse(parsed.message).success).toBe(true);
  });

  it('drops a msg-id longer than any mail system writes, which our reply could not echo in a line of 998 characters', async () => {
    const huge = `<${'x'.repeat(1_500)}@mail.example.com>`;
    const raw = new TextEncoder().encode(
      `From: member@example.com\r\nTo: support@pharmacy.example\r\nSubject: Re: refill\r\nMessage-ID: ${huge}\r\nIn-Reply-To: ${huge}\r\nReferences: <root@mail.example.com> ${huge}\r\n\r\nStill waiting.`,
    );
    const parsed = await parser.parse(raw, context);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.message.threading).toEqual({ references: ['<root@mail.example.com>'] });
    expect(parsed.message.externalId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('turns an HTML-only body into text with the shared converter', async () => {
    const raw = htmlOnlyEmail(
      '<p>Please refill my <b>Lisinopril</b> &amp; Metformin</p><ul><li>Order 12</li></ul>',
    );

    const parsed = await parser.parse(raw, context);

    expect(parsed.ok && parsed.message.bodyText).toBe(
      'Please refill my Lisinopril & Metformin\n\n- Order 12',
    );
  });

  it('reads a 1 MB HTML-only body of "<" as text (the regular expressions took minutes)', async () => {
    const parsed = await parser.parse(htmlOnlyEmail('<'.repeat(1_000_000)), context);

    expect(parsed.ok && parsed.message.bodyText.length).toBe(1_000_000);
  }, 10_000);

  it('marks bounces and auto-replies as automated', async () => {
    const parsed = await parser.parse(fixture('email/bounce.eml'), context);
    expect(parsed.ok && parsed.message.automated).toBe(true);
  });

  it('marks mail with a null return path (a notification, RFC 5321 §4.5.5) as automated', async () => {
    const raw = new TextEncoder().encode(
      'Return-Path: <>\r\nFrom: Jane Doe <jane.doe@example.com>\r\nTo: support@pharmacy.example\r\nSubject: Out of office\r\nMessage-ID: <oof-1@example.com>\r\n\r\nI am away until Monday.',
    );
    const parsed = await parser.parse(raw, context);
    expect(parsed.ok && parsed.message.automated).toBe(true);
    const withSender = new TextEncoder().encode(
      'Return-Path: <jane.doe@example.com>\r\nFrom: Jane Doe <jane.doe@example.com>\r\nSubject: refill\r\n\r\nPlease refill.',
    );
    const person = await parser.parse(withSender, context);
    expect(person.ok && person.message.automated).toBe(false);
  });

  it('reads Auto-Submitted by its keyword: "no" with a comment or parameters is a person (RFC 3834 §5)', async () => {
    const withAutoSubmitted = (value: string) =>
      new TextEncoder().encode(
        `From: Jane Doe <jane.doe@example.com>\r\nTo: support@pharmacy.example\r\nSubject: refill\r\nMessage-ID: <as-1@example.com>\r\nAuto-Submitted: ${value}\r\n\r\nPlease refill.`,
      );
    for (const [value, automated] of [
      ['no', false],
      ['No (written by a person)', false],
      ['no; reason=manual', false],
      ['auto-replied', true],
      ['auto-generated; owner-email="x@example.com"', true],
      ['(comment) auto-replied', true],
      // Comments nest, and a quoted-pair is a character (RFC 5322 §3.2.2).
      ['no (written (by hand) by a person)', false],
      ['(sent (by (our) robot)) auto-generated', true],
      ['no (a \\) inside)', false],
      ['(an \\( escaped one) auto-replied', true],
    ] as const) {
      const parsed = await parser.parse(withAutoSubmitted(value), context);
      expect(parsed.ok && parsed.message.automated, value).toBe(automated);
    }
  });

  it('names the problem when a message has no sender', async () => {
    const parsed = await parser.parse(new TextEncoder().encode('Subject: hi\r\n\r\nbody'), context);
    expect(parsed).toEqual({ ok: false, reason: expect.stringContaining('From') });
  });

  it('derives a content id when the message has no Message-ID', async () => {
    const raw = new TextEncoder().encode('From: a@example.com\r\nSubject: hi\r\n\r\nbody');
    const first = await parser.parse(raw, context);
    const second = await parser.parse(raw, context);
    expect(first.ok && first.message.externalId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.ok && second.ok && first.message.externalId === second.message.externalId).toBe(true);
  });

  it.skipIf(!hasCorpora)(
    'parses every message of the shared corpus into a valid message or a stated reason',
    async () => {
      const emails = corpusEmails();
      expect(emails.length).toBeGreaterThan(100);
      for (const email of emails) {
        const parsed = await parser.parse(email.raw, context);
        if (parsed.ok) expect(InboundMessageSchema.safeParse(parsed.message).success, email.name).toBe(true);
        else expect(parsed.reason.length, email.name).toBeGreaterThan(10);
      }
    },
  );

  // Shown as skipped, with its reason, only where the corpora are absent.
  if (!hasCorpora) it.skip(corporaSkipReason, () => {});
});
