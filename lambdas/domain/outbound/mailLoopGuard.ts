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

const AUTOMATED_LOCAL_PART =
  /^(no-?reply|do-?not-?reply|noreply-.*|bounces?(\+.*)?|mailer-daemon|postmaster|listserv|majordomo|owner-.*|.*-request|notifications?)$/i;

/** Mailboxes that only send (no-reply, bounce handlers, list software): nobody reads an answer there. */
export function isAutomatedAddress(address: string): boolean {
  const localPart = address.slice(0, address.lastIndexOf('@'));
  return AUTOMATED_LOCAL_PART.test(localPart);
}

/** Our own address: answering ourselves is the shortest mail loop. */
export function isDeskAddress(address: string, desk: DeskSettings): boolean {
  return address.toLowerCase() === desk.address.toLowerCase();
}
