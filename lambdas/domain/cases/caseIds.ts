import { createHash } from 'node:crypto';
import type { Channel } from '../inboundMessage.js';

// Crockford base32 without I, L, O, U: unambiguous when a member reads a reference aloud.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= length) break;
  }
  return out;
}

/**
 * The case id is derived from the first inbound message's identity (its idempotency key, see
 * `inboundKeyOf`), so a redelivered message maps to the same id even before any lookup (50 bits:
 * collisions are negligible at desk scale).
 */
export function caseIdFor(channel: Channel, inboundKey: string): string {
  return base32(createHash('sha256').update(`${channel}\n${inboundKey}`).digest(), 10);
}

export function caseReference(caseId: string): string {
  return `CR-${caseId}`;
}

const REFERENCE_IN_TEXT = /\bCR-([0-9A-HJKMNP-TV-Z]{10})\b/;

/** The case id named by a `CR-…` reference in a subject line, if any. */
export function caseIdFromReference(text: string): string | undefined {
  return REFERENCE_IN_TEXT.exec(text)?.[1];
}

/**
 * The case a member's message opens when it reaches a case closed past its reopen window: derived
 * from the closed case, so two such messages racing each other open one follow-up, not two.
 */
export function followUpCaseId(closed: { caseId: string; resolvedAt?: string; updatedAt: string }): string {
  return base32(
    createHash('sha256')
      .update(`follow-up\n${closed.caseId}\n${closed.resolvedAt ?? closed.updatedAt}`)
      .digest(),
    10,
  );
}
