import * as z from '../zodMini.js';

/**
 * Who the desk is on outgoing mail: its address (the From of acknowledgements and replies), the
 * domain its Message-IDs are minted under, and the time zone due times are shown in when the
 * member's own is unknown.
 */
export const DeskSettingsSchema = z.object({
  address: z.email(),
  /** The display name on From (`Member Services <support@…>`). */
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  /** IANA time zone of the desk (the policy's correspondence calendar). */
  timeZone: z.string().check(z.minLength(1)),
});
export type DeskSettings = z.infer<typeof DeskSettingsSchema>;

/** The right-hand side of our Message-IDs: the desk address's domain (RFC 5322 §3.6.4 asks for a domain we own). */
export function messageIdDomain(desk: DeskSettings): string {
  return desk.address.slice(desk.address.lastIndexOf('@') + 1).toLowerCase();
}
