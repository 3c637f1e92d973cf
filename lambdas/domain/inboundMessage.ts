import { FaxDetailsSchema } from './fax/faxDetails.js';
import { DeliveryReportSchema, FeedbackReportSchema } from './ingest/deliveryReport.js';
import { TopicSchema } from './triage/taxonomy.js';
import * as z from './zodMini.js';

/** The channels the router ingests. */
export const ChannelSchema = z.enum(['email', 'fax', 'chat', 'form']);
export type Channel = z.infer<typeof ChannelSchema>;

export const AttachmentSchema = z.object({
  filename: z.string().check(z.maxLength(512)),
  contentType: z.string().check(z.maxLength(256)),
  size: z.int().check(z.nonnegative()),
  /** Where the attachment bytes live in the raw-content bucket, when stored separately. */
  blobKey: z.optional(z.string()),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

export const InboundHintsSchema = z.object({
  /** Content-Language header or the form's preferred language (ISO 639-1). Breaks ties only. */
  contentLanguage: z.optional(z.string().check(z.maxLength(35))),
  preferredLanguage: z.optional(z.string().check(z.maxLength(35))),
  /** ISO 3166-1 alpha-2 country of residence, from a form. */
  country: z.optional(z.string().check(z.length(2))),
  formFields: z.optional(z.record(z.string(), z.string().check(z.maxLength(10_000)))),
  /**
   * A request form's own answer to "expedited?": a checked box on a web form or a faxed form.
   * `true` makes the message expedited. `false` is set only by a reader that saw a recognised form's
   * expedited section unchecked and no request for speed in the sender's words: it overrides the
   * form's printed instructions ("you can ask for an expedited decision"), which are not a request.
   */
  expedited: z.optional(z.boolean()),
  /** A topic the sender chose (a form's topic field) or the document states (a faxed form's title). */
  topic: z.optional(TopicSchema),
  /** `document`: a recognised form's title (strong); `member`: the sender's own choice (a hint only). */
  topicSource: z.optional(z.enum(['document', 'member'])),
  /** The sender claims the desk's own domain (or a look-alike) and DMARC failed: the privacy team looks. */
  possibleSpoofing: z.optional(z.boolean()),
});
export type InboundHints = z.infer<typeof InboundHintsSchema>;

export const ChatDetailsSchema = z.object({
  /** `widget`: the desk's own chat widget; `connect`: Amazon Connect chat via message streaming. */
  source: z.enum(['widget', 'connect']),
  role: z.enum(['member', 'staff']),
  event: z.enum(['started', 'message', 'ended']),
  /** The message arrived while chat was closed: the conversation is a message case on the correspondence clock. */
  outsideChatHours: z.optional(z.boolean()),
});
export type ChatDetails = z.infer<typeof ChatDetailsSchema>;

const VerdictSchema = z.enum(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']);
export const EmailVerdictsSchema = z.object({
  spam: z.optional(VerdictSchema),
  virus: z.optional(VerdictSchema),
  spf: z.optional(VerdictSchema),
  dkim: z.optional(VerdictSchema),
  dmarc: z.optional(VerdictSchema),
  /** The sending domain's DMARC policy (`none`, `quarantine`, `reject`) when DMARC failed. */
  dmarcPolicy: z.optional(z.string().check(z.maxLength(20))),
  /**
   * The envelope sender's domain (the one SPF checked) is the From domain or a parent or subdomain
   * of it: an SPF pass then speaks for the From address too (RFC 7489 §3.1.2 identifier alignment,
   * without the public-suffix list, so siblings such as `bounce.x.com` and `mail.x.com` do not align).
   */
  spfAligned: z.optional(z.boolean()),
});
export type EmailVerdicts = z.infer<typeof EmailVerdictsSchema>;

/**
 * The canonical inbound message every channel is normalized into.
 * `receivedAt` is the provider's receipt time: regulatory clocks start there.
 */
export const InboundMessageSchema = z.object({
  channel: ChannelSchema,
  /** Provider id of the message (Message-ID, fax id, chat event id); the idempotency key. */
  externalId: z.string().check(z.minLength(1), z.maxLength(1024)),
  receivedAt: z.iso.datetime({ offset: true }),
  sender: z.object({
    address: z.optional(z.string().check(z.maxLength(512))),
    name: z.optional(z.string().check(z.maxLength(512))),
    phone: z.optional(z.string().check(z.maxLength(64))),
  }),
  /** Where replies go (Reply-To or From for email). */
  replyTo: z.optional(z.string().check(z.maxLength(512))),
  subject: z.string().check(z.maxLength(2_000)),
  bodyText: z.string().check(z.maxLength(1_000_000)),
  attachments: z.array(AttachmentSchema).check(z.maxLength(200)),
  /** Key of the raw original in the encrypted raw-content bucket. */
  rawBlobKey: z.optional(z.string()),
  threading: z.object({
    messageId: z.optional(z.string().check(z.maxLength(1024))),
    inReplyTo: z.optional(z.string().check(z.maxLength(1024))),
    references: z.array(z.string().check(z.maxLength(1024))).check(z.maxLength(100)),
    /** Chat session id: one chat session is one case. */
    conversationId: z.optional(z.string().check(z.maxLength(512))),
  }),
  hints: InboundHintsSchema,
  /** Auto-replies and bounces (RFC 3834 Auto-Submitted, multipart/report) never get an acknowledgement. */
  automated: z.boolean(),
  /** A fax: the provider's record, the OCR outcome and the fields read from the form. */
  fax: z.optional(FaxDetailsSchema),
  /** A chat event: where it came from and who wrote it (staff lines join the transcript, they start no clock). */
  chat: z.optional(ChatDetailsSchema),
  /** SES's verdicts on an e-mail (RFC 7208 SPF, RFC 6376 DKIM, RFC 7489 DMARC, spam and virus scans). */
  emailVerdicts: z.optional(EmailVerdictsSchema),
  /** A bounce: what an RFC 3464 delivery status notification says about a message we sent. */
  deliveryReport: z.optional(DeliveryReportSchema),
  /** A complaint: an RFC 5965 feedback report that someone marked a message we sent as spam. */
  feedbackReport: z.optional(FeedbackReportSchema),
});
export type InboundMessage = z.infer<typeof InboundMessageSchema>;
