import { z } from '@hono/zod-openapi';
import {
  CaseEventSchema,
  CaseMessageSchema,
  CaseSchema,
  CaseStateSchema,
} from '../domain/cases/caseRecord.js';
import { StaffRoleSchema } from '../domain/cases/staffMember.js';
import { TemplateCatalogSchema } from '../domain/outbound/templates.js';
import { TOPICS } from '../domain/triage/taxonomy.js';
import { STAFF_ID_PATTERN, STAFF_ID_RULE } from './auth.js';
import { classicSchema } from './classicSchema.js';

/**
 * The staff API's request and response bodies. The domain's own schemas (the case, its messages,
 * its history) are reused as they are, so the document describes exactly what the store returns.
 */

/** A case id as minted by `caseIdFor` (10 Crockford base32 characters); anything else is a 404 without a read. */
export const CaseIdSchema = z
  .string()
  .min(1)
  .max(64)
  .openapi({ param: { name: 'caseId', in: 'path' }, example: '7K3M9Q2XHD' });

export const CaseReferenceSchema = z
  .string()
  .regex(/^CR-[0-9A-HJKMNP-TV-Z]{10}$/i, 'a case reference looks like CR- and 10 letters or digits')
  .openapi({ param: { name: 'reference', in: 'path' }, example: 'CR-7K3M9Q2XHD' });

export const QueueNameSchema = z
  .string()
  .min(1)
  .max(40)
  .openapi({ param: { name: 'queue', in: 'path' }, example: 'fulfillment' });

// Domain schemas may be built before @hono/zod-openapi extends zod (module order), so they are
// wrapped in schemas built here rather than given `.openapi()` themselves; the zod/mini schemas
// they hold are rebuilt as classic ones, which is all the document generator reads.
export const CaseBodySchema = z.object(classicSchema(CaseSchema).shape).openapi('Case');

const CaseMessageBodySchema = z.object(classicSchema(CaseMessageSchema).shape).openapi('CaseMessage');

export const MessageEnvelopeSchema = z.object({ message: CaseMessageBodySchema }).openapi('MessageEnvelope');

export const CaseViewSchema = z
  .object({
    case: CaseBodySchema,
    /**
     * Inbound (from the member) and outbound (our replies and acknowledgements), oldest first;
     * redacted. A view fits one response (4.5 MB): the newest messages whole, older ones by the
     * start of their text (`textCut`), the oldest left out (`messagesOmitted`).
     */
    messages: z.array(
      CaseMessageBodySchema.extend({
        textCut: z
          .object({ length: z.number().int() })
          .optional()
          .openapi({ description: 'Only the start of the text is here; the message route gives it whole' }),
      }),
    ),
    /** The newest history events, oldest first; the oldest beyond a fifth of the view are left out. */
    history: z.array(z.object(classicSchema(CaseEventSchema).shape).openapi('CaseEvent')),
    messagesOmitted: z.number().int().optional().openapi({
      description: "The oldest messages left out: messages[0] is the case's message number messagesOmitted",
    }),
    historyOmitted: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'The oldest history events left out' }),
  })
  .loose()
  .openapi('CaseView');

export const CaseEnvelopeSchema = z.object({ case: CaseBodySchema }).openapi('CaseEnvelope');

export const ClaimResultSchema = z
  .object({ case: CaseBodySchema.nullable().openapi({ description: 'null when the queue is empty' }) })
  .openapi('ClaimResult');

export const QueueSummarySchema = z
  .object({
    queue: z.string(),
    depth: z.number().int().nonnegative(),
    oldestReceivedAt: z.string().optional(),
    atRisk: z.number().int().nonnegative(),
    breached: z.number().int().nonnegative(),
  })
  .loose()
  .openapi('QueueSummary');

export const QueueListSchema = z.object({ queues: z.array(QueueSummarySchema) }).openapi('QueueList');

export const CasePageSchema = z
  .object({
    cases: z.array(CaseBodySchema),
    /** Pass as `cursor` for the next page; absent on the last page. */
    nextCursor: z.string().optional(),
  })
  .openapi('CasePage');

export const CaseListQuerySchema = z
  .object({
    assignee: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .openapi({ description: '`me`, or (supervisors) another staff id: the cases that person holds' }),
    state: z.optional(classicSchema(CaseStateSchema)).openapi({
      description: 'With `queue`: the cases of a queue in a state',
    }),
    queue: z.string().min(1).max(40).optional(),
    limit: z
      .string()
      .regex(/^[1-9]\d{0,2}$/, 'a whole number from 1 to 100')
      .transform(Number)
      .refine((limit) => limit <= 100, 'at most 100')
      .optional()
      .transform((limit) => limit ?? 25),
    cursor: z.string().min(1).max(2_048).optional(),
  })
  .superRefine((query, context) => {
    const byAssignee = query.assignee !== undefined;
    const byQueue = query.state !== undefined || query.queue !== undefined;
    if (byAssignee && byQueue) {
      context.addIssue({
        code: 'custom',
        path: ['assignee'],
        message: 'list either by assignee or by state and queue, not both',
      });
    } else if (!byAssignee && !byQueue) {
      context.addIssue({
        code: 'custom',
        path: ['assignee'],
        message: 'give assignee=me, or state and queue',
      });
    } else if (byQueue && query.state === undefined) {
      context.addIssue({ code: 'custom', path: ['state'], message: 'state is required with queue' });
    } else if (byQueue && query.queue === undefined) {
      context.addIssue({ code: 'custom', path: ['queue'], message: 'queue is required with state' });
    }
  });

export const MeSchema = z
  .object({
    id: z.string(),
    role: classicSchema(StaffRoleSchema),
    languages: z.array(z.string()),
  })
  .openapi('StaffMember');

/**
 * Control characters other than tab and line breaks: C0 (NUL, escape…), DEL and C1 (U+0080–U+009F,
 * whose CSI opens a terminal escape as ESC [ does): no person types them, a mail carrying them is
 * refused or mangled on its way, and they hide text from whoever reads it. Half a UTF-16 surrogate
 * pair is refused with them: it is no character, and the mail would carry U+FFFD in its place.
 */
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;
function hasControlCharacter(text: string): boolean {
  return CONTROL_OR_LONE_SURROGATE.test(text.replace(/[\t\n\r]/g, ''));
}
/**
 * Something a person can read: a character that is not a space, a control, a format character
 * (zero-width space, bidi marks), a combining mark (it draws on a letter before it, and alone on
 * nothing) or a default-ignorable one (Unicode's own list of what renders as nothing: Hangul
 * fillers, variation selectors).
 */
const VISIBLE = /[^\s\p{Cc}\p{Cf}\p{M}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;

/** Staff text: trimmed, something visible in it, no control characters, at most `max` characters. */
const staffText = (max: number, emptyMessage: string) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((text) => !hasControlCharacter(text), 'control characters (NUL, escape…) are not allowed')
    .refine((text) => VISIBLE.test(text), emptyMessage);

const Reason = staffText(2_000, 'the reason is empty');
const OptionalReason = z
  .string()
  .trim()
  .max(2_000)
  .refine((text) => !hasControlCharacter(text), 'control characters (NUL, escape…) are not allowed')
  .optional();

/** Staff write to members and to each other in one or two screens; 20,000 characters is a long letter. */
const MessageText = staffText(20_000, 'the text is empty');

export const ReplyBodySchema = z
  .object({
    text: MessageText.openapi({ description: "The reply, in the member's language; sent as written" }),
  })
  .strict()
  .openapi('ReplyRequest');

export const NoteBodySchema = z
  .object({ text: MessageText.openapi({ description: 'Internal: never sent to the member' }) })
  .strict()
  .openapi('NoteRequest');

export const PendBodySchema = z.object({ reason: OptionalReason }).strict().openapi('PendRequest');
export const ResolveBodySchema = z.object({ resolution: OptionalReason }).strict().openapi('ResolveRequest');
export const ReleaseBodySchema = z.object({ reason: OptionalReason }).strict().openapi('ReleaseRequest');
export const TransferBodySchema = z
  .object({ queue: z.string().min(1).max(40), reason: Reason })
  .strict()
  .openapi('TransferRequest');
export const ReclassifyBodySchema = z
  .object({
    topic: z.enum(TOPICS).openapi({ description: 'The topic the request is about, from the taxonomy' }),
    expedited: z.boolean().optional().openapi({
      description: "Whether the request asks for an expedited decision; the case's current flag when absent",
    }),
    partD: z
      .object({
        payment: z.boolean().optional().openapi({
          description:
            'The member asks to be paid back for a drug already bought (the 14-day limit); when absent, as the running clock of the request has it, else the shorter limit',
        }),
        receivedAt: z.iso.datetime({ offset: true }).optional().openapi({
          description:
            "When the plan received the request, if not with the case's first message; the case's earliest receipt when absent; naming one is for supervisors",
        }),
      })
      .strict()
      .optional(),
    reason: Reason,
  })
  .strict()
  .openapi('ReclassifyRequest');
export const ReopenBodySchema = z.object({ reason: Reason }).strict().openapi('ReopenRequest');
export const MergeBodySchema = z
  .object({
    into: z.string().min(1).max(64).openapi({ description: 'The surviving case id' }),
    reason: OptionalReason,
  })
  .strict()
  .openapi('MergeRequest');
export const ReassignBodySchema = z
  .object({
    // Only an id a token can name may hold a case: anything else (a typo with a space, `me`, which
    // the case list reads as "myself") would leave the claim with nobody able to work or list it.
    to: z
      .string()
      .regex(STAFF_ID_PATTERN, STAFF_ID_RULE)
      .refine((to) => to !== 'me', 'name the staff member by their id ("me" is not one)')
      .openapi({ description: 'The staff id to hand the claim to' }),
    reason: OptionalReason,
  })
  .strict()
  .openapi('ReassignRequest');
export const RenewBodySchema = z.object({}).strict().openapi('RenewRequest');

export const IfMatchHeaderSchema = z.object({
  'if-match': z.string().max(200).optional().openapi({
    description:
      'The ETag of the case as last read (`"v7"`). The action applies only if the case is still at that version; otherwise 412 with the current case.',
    example: '"v7"',
  }),
});

export const TemplateQuerySchema = z.object({
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z]{4})?$/, 'an ISO 639-1 code, optionally with a script (zh-Hant)')
    .optional(),
});

export const TemplateListSchema = z
  .object(classicSchema(TemplateCatalogSchema).shape)
  .openapi('TemplateCatalog');
