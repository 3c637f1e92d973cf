import * as z from '../zodMini.js';

const ConversationIdSchema = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9._:-]{1,128}$/,
      'expected 1-128 letters, digits, dots, colons, underscores or hyphens',
    ),
  );
const EventIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/, 'expected 1-128 letters, digits, . : _ -'));
const TextSchema = z
  .string()
  .check(
    z.trim(),
    z.minLength(1, 'a chat message cannot be empty'),
    z.maxLength(4_000, 'a chat message is at most 4,000 characters'),
  );

const base = {
  /** Unique per event: a redelivered event with the same id changes nothing. */
  eventId: EventIdSchema,
  /** The widget's conversation: one conversation is one case. */
  conversationId: ConversationIdSchema,
  /** When the widget says it happened (informational: the server's receipt time starts the clocks). */
  occurredAt: z.iso.datetime({ offset: true }),
};

/** Who the member says they are, from the widget's pre-chat form (all optional: anonymous chat is allowed). */
export const ChatMemberSchema = z.strictObject({
  name: z.optional(z.string().check(z.trim(), z.maxLength(200))),
  email: z.optional(z.email().check(z.maxLength(254))),
  memberId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9-]{4,20}$/))),
  /**
   * BCP 47 tag of the language the member chose in the widget (`es`, `es-MX`). At most 35
   * characters, the length RFC 5646 §4.4.1 asks every implementation to handle and the most the
   * route stage's message takes: a longer tag was answered 202 and then parked by routing.
   */
  preferredLanguage: z.optional(
    z
      .string()
      .check(
        z.maxLength(35, 'a language tag is at most 35 characters'),
        z.regex(/^[a-zA-Z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/),
      ),
  ),
});

/**
 * The desk's own chat widget posts these events to `POST /inbound/chat`, each signed (see
 * `verifyWidgetSignature`). The contract, version 1:
 * - `chat.started`: the member opened a conversation (pre-chat form answers in `member`);
 * - `chat.member_message`: the member wrote `text`;
 * - `chat.staff_message`: a staff member wrote `text` in the desk's chat console;
 * - `chat.ended`: the conversation closed (`endedBy`).
 */
export const WidgetEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('chat.started'), ...base, member: z._default(ChatMemberSchema, {}) }),
  z.strictObject({
    type: z.literal('chat.member_message'),
    ...base,
    text: TextSchema,
    member: z.optional(ChatMemberSchema),
  }),
  z.strictObject({
    type: z.literal('chat.staff_message'),
    ...base,
    staffId: z.string().check(z.regex(/^[A-Za-z0-9._@-]{1,128}$/)),
    text: TextSchema,
  }),
  z.strictObject({ type: z.literal('chat.ended'), ...base, endedBy: z.enum(['member', 'staff', 'timeout']) }),
]);
export type WidgetEvent = z.infer<typeof WidgetEventSchema>;
export type ChatMember = z.infer<typeof ChatMemberSchema>;

/** Widget signatures are accepted this far from the server's clock (replays older than that fail). */
export const WIDGET_TOLERANCE_SECONDS = 300;
