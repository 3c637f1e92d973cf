import { describe, expect, it } from 'vitest';
import { PostalMimeEmailParser } from '../../../lambdas/adapters/mime/PostalMimeEmailParser.js';
import type { EmailVerdicts } from '../../../lambdas/domain/inboundMessage.js';
import { acceptEmail } from '../../../lambdas/domain/ingest/acceptEmail.js';
import { domainsAlign, unauthenticatedSenderReason } from '../../../lambdas/domain/ingest/emailTrust.js';
import { receiptOf } from '../../../lambdas/handlers/emailIngest.js';
import { MemoryBlobStore, MemoryInboundQueue } from '../../helpers/channelFakes.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';

const pass: EmailVerdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };
const withVerdicts = (emailVerdicts: EmailVerdicts) => inboundEmail({ emailVerdicts });

describe('whether an e-mail sender is authenticated enough to be answered automatically', () => {
  it.each([
    ['example.com', 'example.com'],
    ['EXAMPLE.com.', 'example.com'],
    ['bounces.example.com', 'example.com'],
    ['example.com', 'mail.example.com'],
  ])('aligns %s with %s', (left, right) => expect(domainsAlign(left, right)).toBe(true));

  it.each([
    ['example.com', 'example.org'],
    ['notexample.com', 'example.com'],
    ['bounce.example.com', 'mail.example.com'], // siblings: relaxed DMARC would align them; this reading does not
    ['', 'example.com'],
  ])('does not align %s with %s', (left, right) => expect(domainsAlign(left, right)).toBe(false));

  it('answers a DMARC pass, and an SPF pass for an aligned envelope where the domain publishes no DMARC policy', () => {
    expect(unauthenticatedSenderReason(withVerdicts(pass))).toBeUndefined();
    expect(
      unauthenticatedSenderReason(withVerdicts({ ...pass, dmarc: 'GRAY', spfAligned: true })),
    ).toBeUndefined();
  });

  it.each([
    [{ ...pass, dmarc: 'FAIL' }, /DMARC failed/],
    [{ ...pass, dmarc: 'FAIL', spfAligned: true }, /DMARC failed/],
    [{ ...pass, spam: 'FAIL' }, /spam/],
    [
      { ...pass, dmarc: 'GRAY', spfAligned: false },
      /DMARC GRAY, and SPF passed only for an envelope domain other/,
    ],
    [{ ...pass, dmarc: 'GRAY', spf: 'FAIL', spfAligned: true }, /DMARC GRAY, and SPF FAIL/],
    [{ ...pass, dmarc: 'GRAY' }, /not authenticated/], // no envelope sender to align
    [{ ...pass, dmarc: 'PROCESSING_FAILED', spf: 'GRAY', spfAligned: true }, /not authenticated/],
    [{ spam: 'PASS' }, /DMARC absent, and SPF absent/], // a verdict SES named differently is absent, not a pass
  ] as [EmailVerdicts, RegExp][])('does not answer %o automatically', (verdicts, reason) => {
    expect(unauthenticatedSenderReason(withVerdicts(verdicts))).toMatch(reason);
  });

  it('judges only e-mail with SES verdicts: forms, chats and mail without a receipt are not judged here', () => {
    expect(unauthenticatedSenderReason(inboundEmail())).toBeUndefined();
    expect(
      unauthenticatedSenderReason(
        inboundEmail({ channel: 'form', emailVerdicts: { ...pass, dmarc: 'FAIL' } }),
      ),
    ).toBeUndefined();
  });

  it('reads the envelope sender from the SES event beside the verdicts, and leaves out a bounce’s empty one', () => {
    const receipt = { recipients: ['support@pharmacy.example'], spfVerdict: { status: 'PASS' } };
    expect(receiptOf(receipt, { source: 'bounces+123@mail.example.com' })?.envelopeSender).toBe(
      'bounces+123@mail.example.com',
    );
    expect(receiptOf(receipt, { source: '' })).not.toHaveProperty('envelopeSender');
    expect(receiptOf(receipt, { source: 42 })).not.toHaveProperty('envelopeSender');
    expect(receiptOf(receipt, null)).not.toHaveProperty('envelopeSender');
    expect(receiptOf(receipt)?.verdicts).toEqual({ spf: 'PASS' });
  });

  it.each([
    ['bounces@mail.example.com', true],
    ['0100018c-abc@us-east-1.amazonses.com', false],
    [undefined, undefined],
  ])(
    'records whether the envelope sender %s aligns with the From domain',
    async (envelopeSender, aligned) => {
      const blobStore = new MemoryBlobStore();
      const inboundQueue = new MemoryInboundQueue();
      await blobStore.put(
        'email/a1',
        'From: Maria <maria@example.com>\r\nTo: support@pharmacy.example\r\nSubject: Refill\r\nMessage-ID: <a1@example.com>\r\n\r\nPlease refill my prescription.\r\n',
      );

      await acceptEmail(
        'email/a1',
        '2026-03-02T15:00:00.000Z',
        { blobStore, inboundQueue, emailParser: new PostalMimeEmailParser() },
        {
          recipients: ['support@pharmacy.example'],
          verdicts: { ...pass, dmarc: 'GRAY' },
          ...(envelopeSender ? { envelopeSender } : {}),
        },
      );

      const verdicts = inboundQueue.messages[0]?.emailVerdicts;
      expect(verdicts?.dmarc).toBe('GRAY');
      if (aligned === undefined) expect(verdicts).not.toHaveProperty('spfAligned');
      else expect(verdicts?.spfAligned).toBe(aligned);
    },
  );
});
