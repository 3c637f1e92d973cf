import { z } from 'zod';
import { FaxDetailsSchema } from '../fax/faxDetails.js';
import { AttachmentSchema, ChannelSchema, EmailVerdictsSchema } from '../inboundMessage.js';
import { PrioritySchema } from '../policy/policy.js';
import { CaseClocksSchema } from '../sla/clocks.js';
import { PiiTypeSchema, ProgramSchema, TopicSchema } from '../triage/taxonomy.js';

/** Automated mail (bounces, auto-replies) that matches no case is parked here for a person to review. */
export const SUSPENDED_QUEUE = 'suspended';

/** ok → at_risk (a warning fired) → breached (a breach fired); drives the queue's at-risk and breached counts. */
export const SlaStatusSchema = z.enum(['ok', 'at_risk', 'breached']);
export type SlaStatus = z.infer<typeof SlaStatusSchema>;

/** queued: waiting in a queue · claimed: held by one staff member under a lease · pending: waiting on the member · resolved */
export const CaseStateSchema = z.enum(['queued', 'claimed', 'pending', 'resolved']);
export type CaseState = z.infer<typeof CaseStateSchema>;

const isoDate = z.iso.datetime({ offset: true });

export const CaseSlaSchema = z.object({
  firstResponseDueAt: isoDate,
  resolutionDueAt: isoDate.optional(),
  regulatoryDueAt: isoDate.optional(),
});

/** A case as the store returns it. Everything here is already redacted: safe for previews and queues. */
export const CaseSchema = z.object({
  caseId: z.string().min(1),
  /** The token members see in subjects (`[CR-…]`) so replies thread back. */
  reference: z.string().min(1),
  state: CaseStateSchema,
  queue: z.string().min(1),
  priority: PrioritySchema,
  channel: ChannelSchema,
  language: z.string(),
  languageConfidence: z.number(),
  script: z.enum(['Hans', 'Hant']).optional(),
  topic: TopicSchema,
  topicConfidence: z.number(),
  /** Triage was not confident: a person must confirm the topic. */
  needsTriage: z.boolean(),
  expedited: z.boolean(),
  programs: z.array(ProgramSchema),
  piiTypes: z.array(PiiTypeSchema),
  subject: z.string(),
  preview: z.string(),
  sender: z.object({ address: z.string().optional(), name: z.string().optional() }),
  replyTo: z.string().optional(),
  automated: z.boolean(),
  receivedAt: isoDate,
  createdAt: isoDate,
  updatedAt: isoDate,
  version: z.number().int().positive(),
  policyVersion: z.string(),
  routingReason: z.string(),
  sla: CaseSlaSchema,
  /** Every clock, computed under `policyVersion` when the case opened; policy edits never rewrite them. */
  clocks: CaseClocksSchema,
  /** Timer events already recorded: each warning, breach and escalation fires once. */
  firedTimerEvents: z.array(z.string()),
  slaStatus: SlaStatusSchema,
  /** The earliest pending timer (SLA milestone or lease expiry); absent when nothing is pending. */
  nextTimerAt: isoDate.optional(),
  assignee: z.string().optional(),
  leaseExpiresAt: isoDate.optional(),
  messageCount: z.number().int().nonnegative(),
});
export type Case = z.infer<typeof CaseSchema>;

export const CaseMessageSchema = z.object({
  direction: z.enum(['inbound', 'outbound']),
  channel: ChannelSchema,
  externalId: z.string(),
  receivedAt: isoDate,
  subject: z.string(),
  /** Redacted text. The raw original stays encrypted in the raw-content bucket. */
  text: z.string(),
  rawBlobKey: z.string().optional(),
  attachments: z.array(AttachmentSchema),
  /** A fax: provider record, OCR outcome, fields read from the form and its pages (channels). */
  fax: FaxDetailsSchema.optional(),
  /** An e-mail's SES verdicts (spam, virus, SPF, DKIM, DMARC) (channels). */
  emailVerdicts: EmailVerdictsSchema.optional(),
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
