import type { DeskSettings } from './deskSettings.js';

/**
 * Who never gets an automatic answer from the desk. RFC 3834 §2: an automatic responder must not
 * answer automated mail (the inbound parser already flags Auto-Submitted, multipart/report and
 * Precedence mail) and should not answer mailboxes that exist only to send; the per-sender guard
 * in the store caps what remains at one acknowledgement per ten minutes.
 */

const SIMPLE_MAILBOX = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** The lower-case address when it is one plain mailbox (no display name, no list), else undefined. */
export function mailboxOf(address: string | undefined): string | undefined {
  const trimmed = address?.trim().toLowerCase();
  if (!trimmed || trimmed.length > 254 || !SIMPLE_MAILBOX.test(trimmed)) return undefined;
  return trimmed;
}

/**
 * The mailbox a subaddress belongs to (RFC 5233: `user+detail@domain` is delivered to `user`):
 * `maria+pharmacy@example.com` → `maria@example.com`. Helpdesks and list software answer from a
 * fresh `+tag` per ticket or per message, so a guard keyed on the whole address would let each
 * variant through, and a `no-reply+1234@` would pass for a person.
 */
export function mailboxWithoutSubaddress(mailbox: string): string {
  const at = mailbox.lastIndexOf('@');
  const plus = mailbox.indexOf('+');
  // A local part that is nothing but a tag (`+x@…`) is left whole: there is no user to fold it onto.
  return plus > 0 && plus < at ? `${mailbox.slice(0, plus)}${mailbox.slice(at)}` : mailbox;
}

/** Providers that deliver every dotted spelling of a local part to one inbox, under each of their domains. */
const DOTS_IGNORED: Record<string, string> = { 'gmail.com': 'gmail.com', 'googlemail.com': 'gmail.com' };

/**
 * The inbox an address delivers to, for limits and guards that count per person: case-folded,
 * without its `+tag` (RFC 5233), and for Gmail without the dots it ignores (`a.n.a@googlemail.com`
 * is `ana@gmail.com`). Otherwise each spelling of one inbox would get a limit of its own: the form's
 * per-address limit and the acknowledgement guard would let one inbox be mailed once per spelling.
 */
export function inboxOf(address: string): string {
  const lowered = mailboxWithoutSubaddress(address.trim().toLowerCase());
  const at = lowered.lastIndexOf('@');
  if (at <= 0) return lowered;
  const domain = DOTS_IGNORED[lowered.slice(at + 1)];
  return domain ? `${lowered.slice(0, at).replaceAll('.', '')}@${domain}` : lowered;
}

const AUTOMATED_LOCAL_PART =
  /^(no-?reply|do-?not-?reply|noreply-.*|bounces?(\+.*)?|mailer-daemon|postmaster|listserv|majordomo|owner-.*|.*-request|notifications?)$/i;

/** Mailboxes that only send (no-reply, bounce handlers, list software): nobody reads an answer there. */
export function isAutomatedAddress(address: string): boolean {
  const mailbox = mailboxWithoutSubaddress(address);
  const localPart = mailbox.slice(0, mailbox.lastIndexOf('@'));
  return AUTOMATED_LOCAL_PART.test(localPart);
}

/** Our own address: answering ourselves is the shortest mail loop. */
export function isDeskAddress(address: string, desk: DeskSettings): boolean {
  return address.toLowerCase() === desk.address.toLowerCase();
}
