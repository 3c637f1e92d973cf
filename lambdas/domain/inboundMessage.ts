import { z } from 'zod';

/** The channels the router ingests. */
export const ChannelSchema = z.enum(['email', 'fax', 'chat', 'form']);
export type Channel = z.infer<typeof ChannelSchema>;

export const AttachmentSchema = z.object({
  filename: z.string().max(512),
  contentType: z.string().max(256),
  size: z.number().int().nonnegative(),
  /** Where the attachment bytes live in the raw-content bucket, when stored separately. */
  blobKey: z.string().optional(),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

export const InboundHintsSchema = z.object({
  /** Content-Language header or the form's preferred language (ISO 639-1). Breaks ties only. */
  contentLanguage: z.string().max(35).optional(),
  preferredLanguage: z.string().max(35).optional(),
  /** ISO 3166-1 alpha-2 country of residence, from a form. */
  country: z.string().length(2).optional(),
  formFields: z.record(z.string(), z.string().max(10_000)).optional(),
});
export type InboundHints = z.infer<typeof InboundHintsSchema>;

/**
 * The canonical inbound message every channel is normalized into.
 * `receivedAt` is the provider's receipt time: regulatory clocks start there.
 */
export const InboundMessageSchema = z.object({
  channel: ChannelSchema,
  /** Provider id of the message (Message-ID, fax id, chat event id); the idempotency key. */
  externalId: z.string().min(1).max(1024),
  receivedAt: z.iso.datetime({ offset: true }),
  sender: z.object({
    address: z.string().max(512).optional(),
    name: z.string().max(512).optional(),
    phone: z.string().max(64).optional(),
  }),
  /** Where replies go (Reply-To or From for email). */
  replyTo: z.string().max(512).optional(),
  subject: z.string().max(2_000),
  bodyText: z.string().max(1_000_000),
  attachments: z.array(AttachmentSchema).max(200),
  /** Key of the raw original in the encrypted raw-content bucket. */
  rawBlobKey: z.string().optional(),
  threading: z.object({
    messageId: z.string().max(1024).optional(),
    inReplyTo: z.string().max(1024).optional(),
    references: z.array(z.string().max(1024)).max(100),
    /** Chat session id: one chat session is one case. */
    conversationId: z.string().max(512).optional(),
  }),
  hints: InboundHintsSchema,
  /** Auto-replies and bounces (RFC 3834 Auto-Submitted, multipart/report) never get an acknowledgement. */
  automated: z.boolean(),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
