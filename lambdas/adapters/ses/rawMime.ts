import type { OutboundMail } from '../../domain/ports.js';

/** Headers the composer sets from its own fields; the rest go through as given. */
const STRUCTURED = new Set(['message-id', 'in-reply-to', 'references', 'from', 'to', 'subject', 'date']);

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * One outbound mail as raw RFC 5322 bytes (nodemailer's MailComposer: RFC 2047 encoded words for
 * non-ASCII subjects and names, quoted-printable or base64 UTF-8 text, folded headers). Sending
 * raw keeps Message-ID, In-Reply-To, References and Auto-Submitted exactly as the domain set them.
 */
export async function buildRawMime(
  mail: OutboundMail,
  defaults: { from: string; date: Date },
): Promise<Buffer> {
  const messageId = headerValue(mail.headers, 'message-id');
  const inReplyTo = headerValue(mail.headers, 'in-reply-to');
  const references = headerValue(mail.headers, 'references');
  const extra = Object.fromEntries(
    Object.entries(mail.headers).filter(([name]) => !STRUCTURED.has(name.toLowerCase())),
  );
  // Loaded on the first mail, not at cold start: most invocations of the functions that bundle it
  // (a threaded reply, a sweep with nothing due, a claim) send none.
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const composer = new MailComposer({
    from: mail.from ?? defaults.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    date: defaults.date,
    ...(messageId ? { messageId } : {}),
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(references ? { references: references.split(/\s+/).filter(Boolean) } : {}),
    headers: extra,
  });
  return composer.compile().build();
}
