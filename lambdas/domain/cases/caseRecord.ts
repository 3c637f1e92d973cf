import { FaxDetailsSchema } from '../fax/faxDetails.js';
import { AttachmentSchema, ChannelSchema, EmailVerdictsSchema } from '../inboundMessage.js';
import { PrioritySchema } from '../policy/policy.js';
import { CaseClocksSchema } from '../sla/clocks.js';
import { PiiTypeSchema, ProgramSchema, TopicSchema } from '../triage/taxonomy.js';
import * as z from '../zodMini.js';

/** Automated mail (bounces, auto-replies) that matches no case is parked here for a person to review. */
export const SUSPENDED_QUEUE = 'suspended';

/** ok → at_risk (a warning fired) → breached (a breach fired); drives the queue's at-risk and breached counts. */
export const SlaStatusSchema = z.enum(['ok', 'at_risk', 'breached']);
export type SlaStatus = z.infer<typeof SlaStatusSchema>;

/**
 * queued: waiting in a queue · claimed: held by one staff member under a lease · pending: waiting on
 * the member · resolved · merged: a duplicate folded into another case (`mergedInto`); final.
 */
export const CaseStateSchema = z.enum(['queued', 'claimed', 'pending', 'resolved', 'merged']);
export type CaseState = z.infer<typeof CaseStateSchema>;

const isoDate = z.iso.datetime({ offset: true });

/**
 * How two cases relate. `follows`/`followed_by`: a member wrote again after the case was closed
 * past its reopen window, and a new case opened. `merged_into`/`merged_from`: a duplicate folded
 * into a survivor.
 */
export const CaseLinkSchema = z.object({
  caseId: z.string().check(z.minLength(1)),
  relation: z.enum(['follows', 'followed_by', 'merged_into', 'merged_from']),
  at: isoDate,
});
export type CaseLink = z.infer<typeof CaseLinkSchema>;

export const CaseSlaSchema = z.object({
  firstResponseDueAt: isoDate,
  resolutionDueAt: z.optional(isoDate),
  regulatoryDueAt: z.optional(isoDate),
});

/** A case as the store returns it. Everything here is already redacted: safe for previews and queues. */
export const CaseSchema = z.object({
  caseId: z.string().check(z.minLength(1)),
  /** The token members see in subjects (`[CR-…]`) so replies thread back. */
  reference: z.string().check(z.minLength(1)),
  state: CaseStateSchema,
  queue: z.string().check(z.minLength(1)),
  priority: PrioritySchema,
  channel: ChannelSchema,
  language: z.string(),
  languageConfidence: z.number(),
  script: z.optional(z.enum(['Hans', 'Hant'])),
  topic: TopicSchema,
  topicConfidence: z.number(),
  /** Triage was not confident: a person must confirm the topic. */
  needsTriage: z.boolean(),
  expedited: z.boolean(),
  programs: z.array(ProgramSchema),
  piiTypes: z.array(PiiTypeSchema),
  subject: z.string(),
  preview: z.string(),
  sender: z.object({ address: z.optional(z.string()), name: z.optional(z.string()) }),
  replyTo: z.optional(z.string()),
  /**
   * ISO 3166-1 alpha-2 country of residence the member gave (the international form): routing rules
   * on country (members abroad) apply again when staff reclassify the case.
   */
  country: z.optional(z.string().check(z.length(2))),
  /** A chat that arrived while chat was closed: its clocks run on the chat-outside-hours targets, also when reclassified. */
  openedOutsideChatHours: z.optional(z.literal(true)),
  automated: z.boolean(),
  receivedAt: isoDate,
  createdAt: isoDate,
  updatedAt: isoDate,
  version: z.int().check(z.positive()),
  policyVersion: z.string(),
  routingReason: z.string(),
  /**
   * What triage read that decided topic, expedited and programs (lexicon cues, the model's words, a
   * form's box), redacted and bounded: staff see why a case is where it is, as `explain` shows it.
   */
  triageEvidence: z.optional(z.array(z.string().check(z.maxLength(200))).check(z.maxLength(12))),
  sla: CaseSlaSchema,
  /** Every clock, computed under `policyVersion` when the case opened; policy edits never rewrite them. */
  clocks: CaseClocksSchema,
  /** Timer events already recorded: each warning, breach and escalation fires once. */
  firedTimerEvents: z.array(z.string()),
  slaStatus: SlaStatusSchema,
  /** The earliest pending timer (SLA milestone or lease expiry); absent when nothing is pending. */
  nextTimerAt: z.optional(isoDate),
  assignee: z.optional(z.string()),
  leaseExpiresAt: z.optional(isoDate),
  messageCount: z.int().check(z.nonnegative()),
  /** When the case last entered a queue (creation, wake, release, transfer, reopen): language preference relaxes from here. */
  queuedAt: z.optional(isoDate),
  /** When the case was last resolved: the reopen window counts from here. */
  resolvedAt: z.optional(isoDate),
  /**
   * Sender addresses (lower case) this case has seen from the member's side: a message from any
   * other address that finds the case is marked as from an unverified sender.
   */
  participants: z.optional(z.array(z.string())),
  /** Messages on this case from unverified senders: staff see the count before acting. */
  unverifiedMessages: z.optional(z.int().check(z.nonnegative())),
  /** The survivor this case was merged into (state `merged`). */
  mergedInto: z.optional(z.string()),
  links: z.optional(z.array(CaseLinkSchema)),
});
export type Case = z.infer<typeof CaseSchema>;

/** Why a message is marked as from an unverified sender: staff confirm who wrote before acting on it. */
export const UnverifiedSenderSchema = z.object({
  /** How the message found the case (`case_reference` in the subject, or `thread_references`). */
  matchedBy: z.enum(['case_reference', 'thread_references']),
  reason: z.string(),
  /** The From claims the desk's domain (DMARC failed) or a look-alike of it: the privacy team's concern. */
  possibleSpoofing: z.optional(z.literal(true)),
});
export type UnverifiedSender = z.infer<typeof UnverifiedSenderSchema>;

export const CaseMessageSchema = z.object({
  direction: z.enum(['inbound', 'outbound']),
  channel: ChannelSchema,
  externalId: z.string(),
  receivedAt: isoDate,
  subject: z.string(),
  /** Redacted text. The raw original stays encrypted in the raw-content bucket. */
  text: z.string(),
  rawBlobKey: z.optional(z.string()),
  /** File names are redacted like the text; the raw original keeps them. */
  attachments: z.array(AttachmentSchema),
  /** Who wrote it: the address, and the display name redacted like the text. */
  sender: z.optional(z.object({ address: z.optional(z.string()), name: z.optional(z.string()) })),
  /** RFC 5322 Message-ID and References, so a staff reply can set In-Reply-To and References. */
  messageId: z.optional(z.string()),
  references: z.optional(z.array(z.string())),
  /** The staff member who wrote an outbound message. */
  author: z.optional(z.string()),
  /** Present when the sender could not be verified as the case's member (see {@link UnverifiedSenderSchema}). */
  unverifiedSender: z.optional(UnverifiedSenderSchema),
  /** A fax: provider record, OCR outcome, fields read from the form and its pages (channels). */
  fax: z.optional(FaxDetailsSchema),
  /** An e-mail's SES verdicts (spam, virus, SPF, DKIM, DMARC) (channels). */
  emailVerdicts: z.optional(EmailVerdictsSchema),
});
export type CaseMessage = z.infer<typeof CaseMessageSchema>;

export const CaseEventSchema = z.object({
  at: isoDate,
  type: z.string(),
  /** `system` or a staff id. */
  actor: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type CaseEvent = z.infer<typeof CaseEventSchema>;

/**
 * A case as staff see it: the record, its messages (oldest first, each with its unverified-sender
 * mark) and its history (oldest first).
 */
export interface CaseView {
  case: Case;
  messages: CaseMessage[];
  history: CaseEvent[];
}

export interface QueueSummary {
  queue: string;
  depth: number;
  oldestReceivedAt?: string;
  atRisk: number;
  breached: number;
}
