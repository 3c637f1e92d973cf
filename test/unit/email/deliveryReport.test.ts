import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostalMimeEmailParser } from '../../../lambdas/adapters/mime/PostalMimeEmailParser.js';
import {
  isDelay,
  isPermanentFailure,
  originalMessageIdOf,
  parseDeliveryStatus,
} from '../../../lambdas/domain/ingest/deliveryReport.js';
import { sesBounceMail } from '../../helpers/deliveryReports.js';
import { corporaDir, corporaSkipReason, hasCorpora } from '../../helpers/fixtures.js';

const context = { receivedAt: '2026-12-08T10:00:00.000Z', rawBlobKey: 'email/bounce' };

async function parsed(raw: string | Buffer) {
  const result = await new PostalMimeEmailParser().parse(
    typeof raw === 'string' ? new TextEncoder().encode(raw) : raw,
    context,
  );
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

function sesBounce(options: { status?: string; action?: string; original?: string; recipients?: number }) {
  return sesBounceMail({
    ...options,
    original: options.original ?? '<0100018c-aaaa-bbbb@email.amazonses.com>',
    recipients: Array.from({ length: options.recipients ?? 1 }, (_, index) => `member${index}@example.org`),
  });
}

describe('RFC 3464 delivery status fields', () => {
  it('reads each recipient group (folded lines joined) and skips the per-message group', () => {
    const recipients = parseDeliveryStatus(
      [
        'Reporting-MTA: dns; mx.example.net',
        'Arrival-Date: Thu, 01 Oct 2026 13:48:54 +0000',
        '',
        'Original-Recipient: rfc822;first@example.org',
        'Final-Recipient: RFC822; final@example.org',
        'Action: Failed',
        'Status: 5.2.2 (mailbox full)',
        'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full,',
        '  try again never',
        '',
        'Final-Recipient: rfc822; later@example.org',
        'Action: delayed',
        'Status: 4.4.7',
      ].join('\r\n'),
    );
    expect(recipients).toEqual([
      {
        recipient: 'final@example.org',
        action: 'failed',
        status: '5.2.2',
        diagnostic: '552 5.2.2 Mailbox full, try again never',
      },
      { recipient: 'later@example.org', action: 'delayed', status: '4.4.7' },
    ]);
    expect(recipients.map(isPermanentFailure)).toEqual([true, false]);
    expect(recipients.map(isDelay)).toEqual([false, true]);
  });

  it('takes no group without a known Action or a recipient, and no status that is not RFC 3463', () => {
    expect(
      parseDeliveryStatus(
        [
          'Final-Recipient: rfc822; a@example.org',
          'Action: exploded',
          '',
          'Action: failed',
          'Status: 5.1.1',
          '',
          'Final-Recipient: rfc822; b@example.org',
          'Action: failed',
          'Status: 9.9.9',
        ].join('\n'),
      ),
    ).toEqual([{ recipient: 'b@example.org', action: 'failed' }]);
  });

  it('counts a class-4 failure as a delay, not a permanent failure', () => {
    const [recipient] = parseDeliveryStatus(
      'Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 4.2.2',
    );
    expect(recipient && isPermanentFailure(recipient)).toBe(false);
    expect(recipient && isDelay(recipient)).toBe(true);
  });

  it('bounds what it reads: at most 20 recipients, 300 characters of diagnostic', () => {
    const many = Array.from(
      { length: 30 },
      (_, index) =>
        `Final-Recipient: rfc822; r${index}@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; ${'x'.repeat(1_000)}\n`,
    ).join('\n');
    const recipients = parseDeliveryStatus(many);
    expect(recipients).toHaveLength(20);
    expect(recipients[0]?.diagnostic).toHaveLength(300);
  });

  it('finds the Message-ID of the returned headers, never one in the returned body', () => {
    expect(
      originalMessageIdOf('From: a@example.org\r\nMessage-ID:\r\n <orig-1@example.org>\r\n\r\nbody'),
    ).toBe('<orig-1@example.org>');
    expect(
      originalMessageIdOf('From: a@example.org\r\n\r\nMessage-ID: <in-body@example.org>'),
    ).toBeUndefined();
  });
});

describe('a bounce parsed from raw mail', () => {
  it('carries its report, and the returned Message-ID among its references so it finds its case', async () => {
    const message = await parsed(sesBounce({ original: '<0100018c-ours@email.amazonses.com>' }));
    expect(message.automated).toBe(true);
    expect(message.deliveryReport).toEqual({
      originalMessageId: '<0100018c-ours@email.amazonses.com>',
      recipients: [
        {
          recipient: 'member0@example.org',
          action: 'failed',
          status: '5.1.1',
          diagnostic:
            '550 5.1.1 <member0@example.org>: Recipient address rejected: User unknown in virtual mailbox table',
        },
      ],
    });
    expect(message.threading.references).toEqual(['<0100018c-ours@email.amazonses.com>']);
  });

  it('gives plain mail, and a multipart/report of another kind, no delivery report', async () => {
    const plain = await parsed(
      'From: member@example.org\r\nTo: support@pharmacy.example\r\nSubject: hi\r\nMessage-ID: <m1@example.org>\r\n\r\nDelivery-status: fine\r\n',
    );
    expect(plain.deliveryReport).toBeUndefined();
    const feedback = await parsed(
      sesBounce({}).replace('message/delivery-status', 'message/feedback-report'),
    );
    expect(feedback.deliveryReport).toBeUndefined();
    expect(feedback.threading.references).toEqual([]);
  });
});

describe('an RFC 5965 complaint parsed from raw mail', () => {
  const complaint = (feedbackType: string) =>
    [
      'From: <staff@fbl.mail.example.net>',
      'To: support@pharmacy.example',
      'Subject: complaint about message from 54.240.8.1',
      'Message-ID: <fbl-1@fbl.mail.example.net>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"',
      '',
      '--arf',
      'Content-Type: text/plain; charset="US-ASCII"',
      '',
      'This is an email abuse report for an email message received from IP 54.240.8.1.',
      '',
      '--arf',
      'Content-Type: message/feedback-report',
      '',
      `Feedback-Type: ${feedbackType}`,
      'User-Agent: SomeGenerator/1.0',
      'Version: 1',
      'Original-Mail-From: <0100018c@amazonses.com>',
      'Original-Rcpt-To: <member@mail.example.net>',
      '',
      '--arf',
      'Content-Type: message/rfc822',
      'Content-Disposition: inline',
      '',
      'From: Member Support <support@pharmacy.example>',
      'To: member@mail.example.net',
      'Subject: We received your message [CR-AB12CD34EF]',
      'Message-ID: <0100018c-ours@email.amazonses.com>',
      '',
      'Thank you for writing to us.',
      '',
      '--arf--',
      '',
    ].join('\r\n');

  it('carries the feedback type and the returned Message-ID, among its references', async () => {
    const message = await parsed(complaint('Abuse'));
    expect(message.automated).toBe(true);
    expect(message.deliveryReport).toBeUndefined();
    expect(message.feedbackReport).toEqual({
      feedbackType: 'abuse',
      originalMessageId: '<0100018c-ours@email.amazonses.com>',
    });
    expect(message.threading.references).toEqual(['<0100018c-ours@email.amazonses.com>']);
  });

  it('takes no feedback type that is not a token', async () => {
    expect((await parsed(complaint('abuse; <script>'))).feedbackReport).toBeUndefined();
  });
});

describe.skipIf(!hasCorpora)(`bounces of the shared corpus ${hasCorpora ? '' : corporaSkipReason}`, () => {
  const sisimai = (name: string) => readFileSync(path.join(corporaDir, 'email', 'sisimai', name));

  it.each([
    {
      file: 'lhost-amazonses-01.eml',
      recipient: 'shironeko@example.co.jp',
      status: '5.0.0',
      original: '<000001321defbd2a-788e31c8-2be1-422f-a8d4-cf7765cc9ed7-000000@email.amazonses.com>',
    },
    {
      file: 'lhost-receivingses-01.eml',
      recipient: 'userunknown@neko.example.jp',
      status: '5.1.1',
      original: '<DCB08CC1-D236-48E2-9A8D-2492DACE50E2@example.co.jp>',
    },
    {
      file: 'rfc3464-01.eml',
      recipient: 'userunknown@bouncehammer.jp',
      status: '5.1.1',
      original: '<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>',
    },
  ])(
    '$file: the failed recipient, its status and the returned message',
    async ({ file, recipient, status, original }) => {
      const message = await parsed(sisimai(file));
      expect(message.automated).toBe(true);
      expect(message.deliveryReport?.originalMessageId).toBe(original);
      expect(message.deliveryReport?.recipients.map((r) => [r.recipient, r.action, r.status])).toEqual([
        [recipient, 'failed', status],
      ]);
      expect(message.threading.references).toContain(original);
    },
  );

  it('a mail that only looks like a bounce (is-not-bounce-01) has no delivery report', async () => {
    expect((await parsed(sisimai('is-not-bounce-01.eml'))).deliveryReport).toBeUndefined();
  });
});
