import * as z from 'zod';
import { FaxDetailsSchema } from './fax/faxDetails.js';
import { TopicSchema } from './triage/taxonomy.js';

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
  /**
   * A request form's own answer to "expedited?": a checked box on a web form or a faxed form.
   * `true` makes the message expedited. `false` is set only by a reader that saw a recognised form's
   * expedited section unchecked and no request for speed in the sender's words: it overrides the
   * form's printed instructions ("you can ask for an expedited decision"), which are not a request.
   */
  expedited: z.boolean().optional(),
  /** A topic the sender chose (a form's topic field) or the document states (a faxed form's title). */
  topic: TopicSchema.optional(),
  /** `document`: a recognised form's title (strong); `member`: the sender's own choice (a hint only). */
  topicSource: z.enum(['document', 'member']).optional(),
  /** The sender claims the desk's own domain (or a look-alike) and DMARC failed: the privacy team looks. */
  possibleSpoofing: z.boolean().optional(),
});
export type InboundHints = z.infer<typeof InboundHintsSchema>;

export const ChatDetailsSchema = z.object({
  /** `widget`: the desk's own chat widget; `connect`: Amazon Connect chat via message streaming. */
  source: z.enum(['widget', 'connect']),
  role: z.enum(['member', 'staff']),
  event: z.enum(['started', 'message', 'ended']),
  /** The message arrived while chat was closed: the conversation is a message case on the correspondence clock. */
  outsideChatHours: z.boolean().optional(),
});
export type ChatDetails = z.infer<typeof ChatDetailsSchema>;

const VerdictSchema = z.enum(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']);
export const EmailVerdictsSchema = z.object({
  spam: VerdictSchema.optional(),
  virus: VerdictSchema.optional(),
  spf: VerdictSchema.optional(),
  dkim: VerdictSchema.optional(),
  dmarc: VerdictSchema.optional(),
  /** The sending domain's DMARC policy (`none`, `quarantine`, `reject`) when DMARC failed. */
  dmarcPolicy: z.string().max(20).optional(),
});
export type EmailVerdicts = z.infer<typeof EmailVerdictsSchema>;

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
  /** A fax: the provider's record, the OCR outcome and the fields read from the form. */
  fax: FaxDetailsSchema.optional(),
  /** A chat event: where it came from and who wrote it (staff lines join the transcript, they start no clock). */
  chat: ChatDetailsSchema.optional(),
  /** SES's verdicts on an e-mail (RFC 7208 SPF, RFC 6376 DKIM, RFC 7489 DMARC, spam and virus scans). */
  emailVerdicts: EmailVerdictsSchema.optional(),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
