import { createHash } from 'node:crypto';
import PostalMime, { type Address, type Email } from 'postal-mime';
import type { InboundMessage } from '../../domain/inboundMessage.js';
import type { EmailParser, ParsedEmail } from '../../domain/ingest/acceptEmail.js';
import {
  type DeliveryReport,
  type FeedbackReport,
  MAX_REPORT_PART_CHARS,
  originalMessageIdOf,
  parseDeliveryStatus,
  parseFeedbackType,
} from '../../domain/ingest/deliveryReport.js';
import { htmlToPlainText } from '../../domain/text/htmlToPlainText.js';

/** The canonical message keeps at most this much body text (the raw original stays in S3). */
const MAX_BODY_CHARS = 1_000_000;

function firstMailbox(address: Address | Address[] | undefined): { address?: string; name?: string } {
  const first = Array.isArray(address) ? address[0] : address;
  if (!first) return {};
  const mailbox = first.group ? first.group[0] : first;
  if (!mailbox) return {};
  return {
    ...(mailbox.address ? { address: mailbox.address.trim().slice(0, 512) } : {}),
    ...(mailbox.name ? { name: mailbox.name.trim().slice(0, 512) } : {}),
  };
}

function header(email: Email, key: string): string | undefined {
  return email.headers.find((candidate) => candidate.key === key)?.value;
}

/**
 * The keyword of an Auto-Submitted value (RFC 3834 §5: `[CFWS] keyword *([CFWS] ";" parameter)`):
 * `No (sent by a person); x=y` is `no`. Comparing the whole value made such a person's mail
 * automated: suspended, unacknowledged, without clocks.
 */
function autoSubmittedKeyword(value: string): string {
  return (withoutComments(value).split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * A header value without its comments (RFC 5322 §3.2.2): they nest, and a quoted-pair (`\)`) is a
 * character, not a delimiter. An unclosed comment runs to the end of the value.
 */
function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  for (let index = 0; index < value.length; index++) {
    const character = value[index];
    if (depth > 0 && character === '\\') index++;
    else if (character === '(') depth++;
    else if (character === ')' && depth > 0) {
      depth--;
      if (depth === 0) out += ' ';
    } else if (depth === 0) out += character;
  }
  return out;
}

/** RFC 3834 Auto-Submitted, RFC 6522 multipart/report and the de-facto auto-reply headers. */
function isAutomated(email: Email, sender: string | undefined): boolean {
  const autoSubmitted = header(email, 'auto-submitted');
  if (autoSubmitted && autoSubmittedKeyword(autoSubmitted) !== 'no') return true;
  if (/^multipart\/report/i.test(header(email, 'content-type') ?? '')) return true;
  // A null reverse-path (`Return-Path: <>`, as SES records it) is how bounces, DSNs, MDNs and RFC 3834
  // auto-responses are sent (RFC 5321 §4.5.5, RFC 3834 §3.3): nobody there reads an answer.
  if (/^\s*<\s*>\s*$/.test(header(email, 'return-path') ?? '')) return true;
  if (/^(bulk|junk|auto_reply|list)$/i.test((header(email, 'precedence') ?? '').trim())) return true;
  if (
    header(email, 'x-autoreply') ||
    header(email, 'x-autorespond') ||
    header(email, 'x-auto-response-suppress')?.match(/all|oof/i)
  )
    return true;
  return /^(mailer-daemon|postmaster)@/i.test(sender ?? '');
}

/**
 * The longest msg-id kept for threading. Our replies echo the member's ids in In-Reply-To and
 * References, and a header line may not exceed 998 characters (RFC 5322 §2.1.1): an id longer than
 * any mail system writes (they run well under 100) is dropped rather than sent back in a line SES
 * or the member's server would refuse.
 */
const MAX_MESSAGE_ID_LENGTH = 250;

function messageIdList(value: string | undefined): string[] {
  const ids = (value?.match(/<[^<>\s]+>/g) ?? []).filter((id) => id.length <= MAX_MESSAGE_ID_LENGTH);
  // References lists the thread's root first and the parents last (RFC 5322 §3.6.4): keep both ends.
  return ids.length > 100 ? [ids[0] ?? '', ...ids.slice(-99)] : ids;
}

function partText(content: ArrayBuffer | Uint8Array | string): string {
  if (typeof content === 'string') return content.slice(0, MAX_REPORT_PART_CHARS);
  const bytes = content instanceof Uint8Array ? content : new Uint8Array(content);
  return new TextDecoder('utf-8').decode(bytes.subarray(0, MAX_REPORT_PART_CHARS));
}

/**
 * The delivery report of an RFC 6522 `multipart/report` bounce: its `message/delivery-status` part
 * (RFC 3464; `message/global-delivery-status`, RFC 6533) and the Message-ID of the returned message
 * or headers. Undefined for any other mail, and for a report without a recipient it can read.
 */
function deliveryReportOf(email: Email): DeliveryReport | undefined {
  if (!/^multipart\/report\b/i.test(header(email, 'content-type') ?? '')) return undefined;
  const status = email.attachments.find((part) =>
    /^message\/(global-)?delivery-status$/i.test(part.mimeType),
  );
  if (!status) return undefined;
  const recipients = parseDeliveryStatus(partText(status.content));
  if (recipients.length === 0) return undefined;
  const originalMessageId = returnedMessageIdOf(email);
  return { ...(originalMessageId ? { originalMessageId } : {}), recipients };
}

/** The Message-ID of the message a report returns (`message/rfc822` or its headers). */
function returnedMessageIdOf(email: Email): string | undefined {
  const returned = email.attachments.find((part) =>
    /^(message\/(rfc822|global|global-headers)|text\/rfc822-headers)$/i.test(part.mimeType),
  );
  return returned ? originalMessageIdOf(partText(returned.content)) : undefined;
}

/**
 * The complaint of an RFC 5965 feedback report (a `multipart/report` with a `message/feedback-report`
 * part) and the Message-ID of the message it is about; undefined for any other mail.
 */
function feedbackReportOf(email: Email): FeedbackReport | undefined {
  if (!/^multipart\/report\b/i.test(header(email, 'content-type') ?? '')) return undefined;
  const part = email.attachments.find((attachment) =>
    /^message\/feedback-report$/i.test(attachment.mimeType),
  );
  const feedbackType = part ? parseFeedbackType(partText(part.content)) : undefined;
  if (!feedbackType) return undefined;
  const originalMessageId = returnedMessageIdOf(email);
  return { feedbackType, ...(originalMessageId ? { originalMessageId } : {}) };
}

/** Parses raw RFC 822 mail with postal-mime into the canonical inbound message. */
export class PostalMimeEmailParser implements EmailParser {
  async parse(raw: Uint8Array, context: { receivedAt: string; rawBlobKey: string }): Promise<ParsedEmail> {
    let email: Email;
    try {
      email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
    } catch (error) {
      return { ok: false, reason: `MIME structure could not be parsed: ${(error as Error).message}` };
    }
    if (email.headers.length === 0) return { ok: false, reason: 'not an RFC 822 message: no header section' };
    const from = firstMailbox(email.from);
    if (!from.address) return { ok: false, reason: 'no sender address: the From header is missing or empty' };
    const replyTo = firstMailbox(email.replyTo).address;
    const messageId = messageIdList(email.messageId)[0];
    const contentLanguage = header(email, 'content-language')?.split(',')[0]?.trim();
    // postal-mime leaves `text` undefined for an HTML-only message; the shared linear converter reads it.
    const bodyText =
      email.text ?? (email.html ? htmlToPlainText(email.html, { maxChars: MAX_BODY_CHARS }).trim() : '');
    const deliveryReport = deliveryReportOf(email);
    const feedbackReport = deliveryReport ? undefined : feedbackReportOf(email);
    // A bounce or a complaint names the message it returns: that id finds the case our mail was sent from.
    const references = messageIdList(email.references);
    const original = deliveryReport?.originalMessageId ?? feedbackReport?.originalMessageId;
    if (original && original !== messageId && !references.includes(original)) references.push(original);
    const message: InboundMessage = {
      channel: 'email',
      externalId: messageId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`,
      receivedAt: context.receivedAt,
      sender: from,
      ...(replyTo ? { replyTo } : {}),
      subject: (email.subject ?? '').slice(0, 2_000),
      bodyText: bodyText.slice(0, MAX_BODY_CHARS),
      attachments: email.attachments.slice(0, 200).map((attachment) => ({
        filename: (attachment.filename ?? 'unnamed').slice(0, 512),
        contentType: attachment.mimeType.slice(0, 256),
        size:
          typeof attachment.content === 'string' ? attachment.content.length : attachment.content.byteLength,
      })),
      rawBlobKey: context.rawBlobKey,
      threading: {
        ...(messageId ? { messageId } : {}),
        ...(messageIdList(email.inReplyTo)[0] ? { inReplyTo: messageIdList(email.inReplyTo)[0] } : {}),
        // At most 100 ids, the root kept (as messageIdList keeps them).
        references: references.length > 100 ? [references[0] ?? '', ...references.slice(-99)] : references,
      },
      hints: contentLanguage ? { contentLanguage: contentLanguage.slice(0, 35) } : {},
      automated: isAutomated(email, from.address),
      ...(deliveryReport ? { deliveryReport } : {}),
      ...(feedbackReport ? { feedbackReport } : {}),
    };
    // The bytes of each listed attachment: ingest stores them in the raw bucket and lists their keys.
    const attachmentBodies = email.attachments
      .slice(0, 200)
      .flatMap((attachment, index) =>
        typeof attachment.content === 'string'
          ? [{ index, bytes: new TextEncoder().encode(attachment.content) }]
          : [{ index, bytes: new Uint8Array(attachment.content) }],
      );
    return { ok: true, message, attachmentBodies };
  }
}
