/**
 * A bounce of the desk's mail as SES returns it to the desk's address: an RFC 6522
 * `multipart/report` with a text part, the RFC 3464 delivery status (one group per recipient) and
 * the returned headers carrying the bounced mail's Message-ID.
 */
export function sesBounceMail(options: {
  /** The Message-ID of the bounced mail (SES's, `<id@email.amazonses.com>`). */
  original: string;
  recipients: string[];
  status?: string;
  action?: string;
  messageId?: string;
}): string {
  const groups = options.recipients.map(
    (recipient) => `Final-Recipient: rfc822; ${recipient}
Action: ${options.action ?? 'failed'}
Status: ${options.status ?? '5.1.1'}
Diagnostic-Code: smtp; 550 5.1.1 <${recipient}>: Recipient address rejected:
 User unknown in virtual mailbox table
`,
  );
  return [
    'Return-Path: <>',
    'From: MAILER-DAEMON@email-bounces.amazonses.com',
    'To: support@pharmacy.example',
    'Subject: Delivery Status Notification (Failure)',
    `Message-ID: ${options.messageId ?? `<bounce-${Math.random().toString(36).slice(2)}@email.amazonses.com>`}`,
    'Date: Tue, 08 Dec 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
    '',
    '--dsn',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `An error occurred while trying to deliver the mail to the following recipients: ${options.recipients.join(', ')}`,
    '',
    '--dsn',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; a8-50.smtp-out.amazonses.com',
    '',
    groups.join('\n').replaceAll('\n', '\r\n'),
    '--dsn',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Member Support <support@pharmacy.example>',
    `To: ${options.recipients[0] ?? ''}`,
    `Message-ID: ${options.original}`,
    '',
    '--dsn--',
    '',
  ].join('\r\n');
}
