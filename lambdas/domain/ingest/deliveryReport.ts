import * as z from '../zodMini.js';

/**
 * A delivery status notification (a bounce) read from its machine-readable part: RFC 3464 (the
 * `message/delivery-status` part of an RFC 6522 `multipart/report`) and its internationalized form,
 * RFC 6533 (`message/global-delivery-status`). SES returns every bounce of the desk's own mail this
 * way, to the address it was sent from, which is the desk's receiving address; so is most other
 * mail systems' (Postfix, Exchange Online, SES receiving). Free-text bounces (qmail, older Exim) are
 * not read: they stay automated mail.
 */

/** A report about more recipients than this lists the first ones: our own mail has one. */
const MAX_RECIPIENTS = 20;

/** RFC 3464 §2.3.3: what the reporting system did with the message for this recipient. */
export const DeliveryActionSchema = z.enum(['failed', 'delayed', 'delivered', 'relayed', 'expanded']);

export const DeliveryRecipientSchema = z.object({
  /** Final-Recipient (else Original-Recipient), without its address type. */
  recipient: z.string().check(z.minLength(1), z.maxLength(512)),
  action: DeliveryActionSchema,
  /** RFC 3463 enhanced status code (`5.1.1`); absent when the report gave none that parses. */
  status: z.optional(z.string().check(z.maxLength(16))),
  /** Diagnostic-Code without its type: the remote server's own words, cut short. */
  diagnostic: z.optional(z.string().check(z.maxLength(300))),
});
export type DeliveryRecipient = z.infer<typeof DeliveryRecipientSchema>;

export const DeliveryReportSchema = z.object({
  /** The Message-ID of the message the report is about, from its returned content or headers. */
  originalMessageId: z.optional(z.string().check(z.maxLength(1024))),
  recipients: z.array(DeliveryRecipientSchema).check(z.maxLength(MAX_RECIPIENTS)),
});
export type DeliveryReport = z.infer<typeof DeliveryReportSchema>;

/** How much of a report part is read: the fields are a few hundred bytes; a bigger part is not a report. */
export const MAX_REPORT_PART_CHARS = 64 * 1024;

/**
 * Header-style fields (RFC 3464 §2.1 uses RFC 822 syntax): folded lines joined, grouped by blank
 * lines. Each group maps lower-case field names to their first value.
 */
function fieldGroups(text: string): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  let group = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.slice(0, MAX_REPORT_PART_CHARS).split(/\r?\n/)) {
    if (line.trim() === '') {
      if (group.size > 0) groups.push(group);
      group = new Map();
      last = undefined;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (last !== undefined) group.set(last, `${group.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      last = undefined;
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    last = name;
    if (!group.has(name)) group.set(name, line.slice(colon + 1).trim());
    else last = undefined;
  }
  if (group.size > 0) groups.push(group);
  return groups;
}

/** `rfc822; someone@example.org` → `someone@example.org` (RFC 3464 §2.3.2: address-type ";" address). */
function withoutType(value: string): string {
  const semicolon = value.indexOf(';');
  return (semicolon >= 0 ? value.slice(semicolon + 1) : value).trim();
}

/** RFC 3463 §2: class "." subject "." detail, the class 2, 4 or 5. */
const STATUS = /^([245])\.(\d{1,3})\.(\d{1,3})\b/;

/**
 * The recipients of a `message/delivery-status` part. Groups without an Action or a recipient
 * (the per-message group, which comes first) are not recipients; an Action the RFC does not name
 * is not read as one.
 */
export function parseDeliveryStatus(text: string): DeliveryRecipient[] {
  const recipients: DeliveryRecipient[] = [];
  for (const group of fieldGroups(text)) {
    if (recipients.length >= MAX_RECIPIENTS) break;
    const action = DeliveryActionSchema.safeParse(
      (group.get('action') ?? '').split(/[\s(]/)[0]?.toLowerCase(),
    );
    const recipientField = group.get('final-recipient') ?? group.get('original-recipient');
    const recipient = recipientField ? withoutType(recipientField).slice(0, 512) : '';
    if (!action.success || recipient === '') continue;
    const status = STATUS.exec(group.get('status') ?? '')?.[0];
    const diagnosticField = group.get('diagnostic-code');
    const diagnostic = diagnosticField ? withoutType(diagnosticField).slice(0, 300) : '';
    recipients.push({
      recipient,
      action: action.data,
      ...(status ? { status } : {}),
      ...(diagnostic ? { diagnostic } : {}),
    });
  }
  return recipients;
}

/**
 * The Message-ID in the header section of the returned message (`message/rfc822`) or of the
 * returned headers (`text/rfc822-headers`): what the report is about.
 */
export function originalMessageIdOf(returned: string): string | undefined {
  const headerSection = returned.slice(0, MAX_REPORT_PART_CHARS).split(/\r?\n\r?\n/)[0] ?? '';
  const messageId = fieldGroups(headerSection)[0]?.get('message-id');
  return messageId?.match(/<[^<>\s]{1,250}>/)?.[0];
}

/**
 * A complaint about a message (RFC 5965 Abuse Reporting Format): a mailbox provider's feedback loop
 * reports that its user marked the message as spam, and SES forwards it to the address the mail came
 * from, as it forwards bounces.
 */
export const FeedbackReportSchema = z.object({
  /** RFC 5965 §7.3 Feedback-Type: `abuse`, `fraud`, `virus`, `other`, `not-spam`… (lower-cased). */
  feedbackType: z.string().check(z.minLength(1), z.maxLength(32)),
  originalMessageId: z.optional(z.string().check(z.maxLength(1024))),
});
export type FeedbackReport = z.infer<typeof FeedbackReportSchema>;

/** The Feedback-Type of a `message/feedback-report` part (RFC 5965 §3.1), or undefined when it has none. */
export function parseFeedbackType(text: string): string | undefined {
  const type = fieldGroups(text)[0]?.get('feedback-type')?.trim().toLowerCase();
  return type && /^[a-z0-9-]{1,32}$/.test(type) ? type : undefined;
}

/**
 * Feedback types that are no complaint by the recipient: `not-spam` (RFC 6430 §2) says the reporter
 * believes the message is NOT spam (a user moving it out of a spam folder), and `auth-failure` (RFC
 * 6591 §3) reports a failed SPF/DKIM/DMARC check. Read as complaints, they would tell staff the
 * member reported the desk's mail as spam and cannot be e-mailed.
 */
const NOT_A_COMPLAINT = new Set(['not-spam', 'auth-failure']);

/** The report says the recipient objected to the message (`abuse`, `fraud`, `virus`, `other`…). */
export function isComplaint(report: FeedbackReport): boolean {
  return !NOT_A_COMPLAINT.has(report.feedbackType);
}

/** A recipient the report says will never get the message (RFC 3464 `failed`, RFC 3463 class 5). */
export function isPermanentFailure(recipient: DeliveryRecipient): boolean {
  return (
    recipient.action === 'failed' && (recipient.status === undefined || recipient.status.startsWith('5'))
  );
}

/** A recipient whose delivery is still being tried (RFC 3464 `delayed`, or a class-4 failure). */
export function isDelay(recipient: DeliveryRecipient): boolean {
  return recipient.action === 'delayed' || (recipient.action === 'failed' && !isPermanentFailure(recipient));
}
