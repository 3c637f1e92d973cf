import * as z from 'zod/mini';

/**
 * What the console reads from the staff API, checked as it arrives (zod at the boundary, the
 * small `zod/mini` build so the page stays light). Only the fields the console shows are named;
 * objects are loose so a field the API adds later never breaks a page that does not use it yet.
 * The API's own schemas (`lambdas/api/schemas.ts`) are the contract these follow.
 */

const text = z.string();
const optionalText = z.optional(z.string());

export const QueueSummarySchema = z.looseObject({
  queue: text,
  depth: z.number(),
  oldestReceivedAt: optionalText,
  atRisk: z.number(),
  breached: z.number(),
  /** The earliest due time among the queue's waiting cases (asked of the API; shown when present). */
  nextDueAt: optionalText,
});
export type QueueSummary = z.infer<typeof QueueSummarySchema>;
export const QueueListSchema = z.looseObject({ queues: z.array(QueueSummarySchema) });

export const ClockSchema = z.looseObject({
  type: text,
  id: text,
  kind: text,
  state: text,
  startedAt: text,
  dueAt: optionalText,
  pausedAt: optionalText,
  stoppedAt: optionalText,
  breached: z.optional(z.boolean()),
  regulatoryKind: optionalText,
  variant: optionalText,
  limit: optionalText,
  citation: optionalText,
  ireForwardBy: optionalText,
  ireForwardCitation: optionalText,
});
export type CaseClock = z.infer<typeof ClockSchema>;

const SenderSchema = z.looseObject({ address: optionalText, name: optionalText });

export const CaseSchema = z.looseObject({
  caseId: text,
  reference: text,
  state: text,
  queue: text,
  priority: text,
  channel: text,
  language: text,
  languageConfidence: z.number(),
  script: optionalText,
  topic: text,
  topicConfidence: z.number(),
  needsTriage: z.boolean(),
  expedited: z.boolean(),
  programs: z.array(text),
  piiTypes: z.array(text),
  subject: text,
  preview: text,
  sender: SenderSchema,
  automated: z.boolean(),
  receivedAt: text,
  updatedAt: text,
  version: z.number(),
  policyVersion: text,
  routingReason: text,
  sla: z.looseObject({
    firstResponseDueAt: text,
    resolutionDueAt: optionalText,
    regulatoryDueAt: optionalText,
  }),
  clocks: z.looseObject({ clocks: z.array(ClockSchema) }),
  slaStatus: text,
  assignee: optionalText,
  leaseExpiresAt: optionalText,
  unverifiedMessages: z.optional(z.number()),
  mergedInto: optionalText,
  links: z.optional(z.array(z.looseObject({ caseId: text, relation: text, at: text }))),
  /** The triage evidence that decided topic and queue (asked of the API; shown when present). */
  triageEvidence: z.optional(z.array(text)),
});
export type Case = z.infer<typeof CaseSchema>;

/** A fax's details on its message (`FaxDetails` in lambdas/domain/fax/faxDetails.ts). */
const FaxSchema = z.looseObject({
  provider: optionalText,
  from: optionalText,
  pageCount: z.optional(z.number()),
  partial: z.optional(z.boolean()),
  partialReason: optionalText,
  pages: z.optional(z.array(z.looseObject({ pageNumber: z.number(), confidence: z.optional(z.number()) }))),
  ocr: z.optional(
    z.looseObject({
      engine: optionalText,
      confidence: z.optional(z.number()),
      failure: optionalText,
      unreadablePages: z.optional(z.array(z.number())),
    }),
  ),
  fields: z.optional(
    z.looseObject({
      requestType: optionalText,
      expedited: z.optional(z.boolean()),
      expeditedEvidence: optionalText,
      memberName: optionalText,
      memberId: optionalText,
      dateOfBirth: optionalText,
      prescriberName: optionalText,
      npi: optionalText,
      npiValid: z.optional(z.boolean()),
      drug: optionalText,
    }),
  ),
  /** Pages with an image (`GET /cases/{id}/messages/{n}/fax-pages/{page}`). */
  pageImages: z.optional(z.array(z.number())),
});
export type Fax = z.infer<typeof FaxSchema>;

export const CaseMessageSchema = z.looseObject({
  direction: z.enum(['inbound', 'outbound']),
  channel: text,
  externalId: text,
  receivedAt: text,
  subject: text,
  text: text,
  attachments: z.array(z.looseObject({ filename: text, contentType: text, size: z.number() })),
  sender: z.optional(SenderSchema),
  author: optionalText,
  unverifiedSender: z.optional(z.looseObject({ matchedBy: text, reason: text })),
  /** The message's own language when it differs from the case's (asked of the API). */
  language: optionalText,
  fax: z.optional(FaxSchema),
  /** Only the start of the text is in the case view; `GET /cases/{id}/messages/{n}` gives it whole. */
  textCut: z.optional(z.looseObject({ length: z.number() })),
});
export type CaseMessage = z.infer<typeof CaseMessageSchema>;

export const MessageEnvelopeSchema = z.looseObject({ message: CaseMessageSchema });

export const CaseEventSchema = z.looseObject({
  at: text,
  type: text,
  actor: text,
  detail: z.record(z.string(), z.unknown()),
});
export type CaseEvent = z.infer<typeof CaseEventSchema>;

export const CaseViewSchema = z.looseObject({
  case: CaseSchema,
  messages: z.array(CaseMessageSchema),
  history: z.array(CaseEventSchema),
  /** The oldest messages the view left out: `messages[0]` is the case's message number `messagesOmitted`. */
  messagesOmitted: z.optional(z.number()),
  historyOmitted: z.optional(z.number()),
});
export type CaseView = z.infer<typeof CaseViewSchema>;

export const CaseEnvelopeSchema = z.looseObject({ case: CaseSchema });
export const ClaimResultSchema = z.looseObject({ case: z.nullable(CaseSchema) });
export const ReplyResultSchema = z.looseObject({
  case: CaseSchema,
  message: z.looseObject({ messageId: text, delivery: z.enum(['sent', 'queued']) }),
});
export const CasePageSchema = z.looseObject({ cases: z.array(CaseSchema), nextCursor: optionalText });

export const StaffRoleSchema = z.enum(['agent', 'supervisor']);
export type StaffRole = z.infer<typeof StaffRoleSchema>;
export const MeSchema = z.looseObject({ id: text, role: StaffRoleSchema, languages: z.array(text) });
export type Me = z.infer<typeof MeSchema>;

export const LanguageTemplatesSchema = z.looseObject({
  language: text,
  name: text,
  locale: text,
  direction: z.enum(['ltr', 'rtl']),
  acknowledgement: z.record(z.string(), z.string()),
  reply: z.looseObject({ greeting: text, closing: text, footer: text }),
});
export type LanguageTemplates = z.infer<typeof LanguageTemplatesSchema>;
export const TemplateCatalogSchema = z.looseObject({ languages: z.array(LanguageTemplatesSchema) });

export const ProblemSchema = z.looseObject({
  type: optionalText,
  title: optionalText,
  status: z.optional(z.number()),
  detail: optionalText,
  errors: z.optional(z.array(z.looseObject({ field: text, detail: text }))),
  case: z.optional(z.unknown()),
});
export type Problem = z.infer<typeof ProblemSchema>;

/** The console's own settings, served beside it (local mode: by the gateway; AWS: from S3). */
export const ConsoleConfigSchema = z.object({
  signIn: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('dev'), languages: z.array(text) }),
    z.object({
      kind: z.literal('cognito'),
      /** The hosted sign-in base URL (`https://<prefix>.auth.<region>.amazoncognito.com`); absent: not configured. */
      authority: optionalText,
      clientId: text,
      scopes: z.array(text),
    }),
  ]),
  /** Seconds between two `GET /queues` while the board is shown. */
  refreshSeconds: z.number(),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfigSchema>;
