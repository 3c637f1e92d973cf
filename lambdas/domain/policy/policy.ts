import { IANAZone } from 'luxon';
import * as z from 'zod';
import { ChannelSchema } from '../inboundMessage.js';
import { CalendarSchema } from '../sla/calendarSchema.js';
import { RegulatoryKindSchema } from '../sla/regulatoryClocks.js';
import { ProgramSchema, TOPICS, TopicSchema } from '../triage/taxonomy.js';

/** Case priority; queues serve `urgent` first (see {@link PRIORITY_RANK}). */
export const PrioritySchema = z.enum(['urgent', 'high', 'normal', 'low']);
export type Priority = z.infer<typeof PrioritySchema>;

/** Lower rank sorts first in a queue. */
export const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

/** The clocks a case can run; `regulatory` is the calendar-time Part D clock. */
export const ClockKindSchema = z.enum(['firstResponse', 'nextResponse', 'resolution', 'regulatory']);
export type ClockKind = z.infer<typeof ClockKindSchema>;

const NameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'expected a lower-case name (a-z, 0-9, _ and -)');

/** A business-time target: open hours and minutes on the clock's calendar. */
export const BusinessDurationSchema = z
  .object({ hours: z.number().nonnegative().optional(), minutes: z.number().nonnegative().optional() })
  .strict()
  .refine((duration) => (duration.hours ?? 0) + (duration.minutes ?? 0) > 0, {
    message: 'a target must be longer than zero',
  });
export type BusinessDuration = z.infer<typeof BusinessDurationSchema>;

/** Milliseconds of business time in a target. */
export function businessDurationMs(duration: BusinessDuration): number {
  return Math.round(((duration.hours ?? 0) * 60 + (duration.minutes ?? 0)) * 60_000);
}

const SlaTargetsSchema = z
  .object({
    calendar: z.string().min(1).optional(),
    firstResponse: BusinessDurationSchema.optional(),
    nextResponse: BusinessDurationSchema.optional(),
    resolution: BusinessDurationSchema.optional(),
  })
  .strict();
export type SlaTargets = z.infer<typeof SlaTargetsSchema>;

const ChannelTargetsSchema = SlaTargetsSchema.required({ calendar: true, firstResponse: true });

const CountrySchema = z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 country code');

const RuleSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Every condition given must hold; a list matches when any of its entries does. */
    when: z
      .object({
        topics: z.array(TopicSchema).min(1).optional(),
        channels: z.array(ChannelSchema).min(1).optional(),
        programs: z.array(ProgramSchema).min(1).optional(),
        expedited: z.boolean().optional(),
        /** ISO 639-1 codes of the detected language. */
        languages: z.array(z.string().min(2)).min(1).optional(),
        /** Country of residence from the form or hints. */
        countries: z.array(CountrySchema).min(1).optional(),
        /** Matches a known country of residence outside this list. */
        countriesOutside: z.array(CountrySchema).min(1).optional(),
        /** An e-mail claiming the desk's own domain (or a look-alike) that failed DMARC. */
        possibleSpoofing: z.boolean().optional(),
      })
      .strict(),
    queue: NameSchema,
    priority: PrioritySchema,
    /** Overrides the channel's SLA targets. */
    sla: SlaTargetsSchema.optional(),
    /** The Part D clock this kind of request starts (42 CFR 423 subpart M). */
    regulatory: RegulatoryKindSchema.optional(),
  })
  .strict();
export type PolicyRule = z.infer<typeof RuleSchema>;

const EmailSchema = z.email();

const QueueSchema = z
  .object({
    description: z.string().optional(),
    /** Languages (ISO 639-1) the queue's staff can work in; claim-next prefers a matching skill. */
    languageSkills: z.array(z.string().min(2)).min(1),
    /** Who hears about escalations of this queue's cases; the timers' supervisors otherwise. */
    supervisors: z.array(EmailSchema).min(1).optional(),
  })
  .strict();
export type QueueDefinition = z.infer<typeof QueueSchema>;

const EscalationStepSchema = z
  .object({
    name: NameSchema,
    /** Percent of the clock's target at which the step fires; 100 is the breach. */
    atPercent: z.number().positive().max(1_000),
    /** The clocks the step applies to; all when absent. */
    clocks: z.array(ClockKindSchema).min(1).optional(),
    /** Raise the case's priority by this many levels (never below `urgent`). */
    raisePriority: z.number().int().min(1).max(3).optional(),
    /** Raise the case's priority to at least this. */
    setPriority: PrioritySchema.optional(),
    moveToQueue: NameSchema.optional(),
    notifySupervisors: z.boolean().default(false),
  })
  .strict()
  .refine(
    (step) =>
      step.raisePriority !== undefined ||
      step.setPriority !== undefined ||
      step.moveToQueue !== undefined ||
      step.notifySupervisors,
    { message: 'an escalation step must raise the priority, move the case or notify supervisors' },
  );
export type EscalationStep = z.infer<typeof EscalationStepSchema>;

const TimersSchema = z
  .object({
    /** At-risk warning, percent of each business clock's target. */
    warningPercent: z.number().gt(0).lt(100).default(75),
    /** At-risk warning for regulatory clocks; `warningPercent` when absent. */
    regulatoryWarningPercent: z.number().gt(0).lt(100).optional(),
    escalation: z.array(EscalationStepSchema),
    supervisors: z.array(EmailSchema).min(1),
  })
  .strict();
export type TimersPolicy = z.infer<typeof TimersSchema>;

/** Rules of staff work on cases. */
const CaseRulesSchema = z
  .object({
    /**
     * A resolved case can be reopened (by staff, or by the member writing again) for this many days
     * after its resolution; later, a member's message opens a new case linked to it.
     */
    reopenWindowDays: z.number().positive().max(365).default(14),
    /**
     * Claim-next keeps a case in a language only some staff read for those staff while it waits
     * less than this; then anyone may claim it, so no case waits for a skill nobody on shift has
     * (Twilio TaskRouter's skill relaxation by timeout).
     */
    languageRelaxMinutes: z
      .number()
      .nonnegative()
      .max(24 * 60)
      .default(15),
  })
  .strict();
export type CaseRules = z.infer<typeof CaseRulesSchema>;

const PatternSchema = z.string().refine(
  (pattern) => {
    try {
      new RegExp(pattern, 'iu');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

/**
 * A routing policy: ordered rules over triage, channel and country → queue, priority and SLA
 * targets, plus the queues, calendars, regulatory settings and escalation ladder they refer to.
 * Validate with {@link loadPolicy}, which also checks the cross-references.
 */
export const PolicySchema = z
  .object({
    version: z.string().min(1),
    description: z.string().optional(),
    /** Below this topic confidence, a case goes to the triage queue instead of a team. */
    minTopicConfidence: z.number().min(0).max(1),
    triageQueue: NameSchema,
    /** Where a confident message goes when no rule matches (the semantic checks make that rare). */
    defaultQueue: NameSchema,
    queues: z.record(NameSchema, QueueSchema),
    calendars: z.record(NameSchema, CalendarSchema),
    /** SLA targets per channel; a rule's `sla` overrides them field by field. */
    channelTargets: z
      .object({
        email: ChannelTargetsSchema,
        fax: ChannelTargetsSchema,
        chat: ChannelTargetsSchema,
        form: ChannelTargetsSchema,
      })
      .strict(),
    /**
     * Chat outside its calendar's open hours: nobody is there to answer in minutes, so the
     * conversation becomes a message case on these targets (and the member is told so).
     */
    chatOutsideHours: ChannelTargetsSchema.optional(),
    /**
     * On these channels, a message whose queue reads neither its language nor the member's preferred
     * language goes to `queue` instead (a multilingual team), never to staff who cannot read it.
     */
    languageFallback: z
      .object({ queue: NameSchema, channels: z.array(ChannelSchema).min(1) })
      .strict()
      .optional(),
    regulatory: z
      .object({
        /** Where a limit in calendar days ends: the same wall-clock time N days later, if earlier than N × 24 h. */
        timeZone: z
          .string()
          .refine((zone) => IANAZone.isValidZone(zone), { message: 'unknown IANA time zone' }),
        /** Case-insensitive patterns that mark an appeal or coverage request as a payment request. */
        paymentRequestPatterns: z.array(PatternSchema),
      })
      .strict(),
    timers: TimersSchema,
    caseRules: CaseRulesSchema.default({ reopenWindowDays: 14, languageRelaxMinutes: 15 }),
    rules: z.array(RuleSchema).min(1),
  })
  .strict();
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

/** One reason a policy was rejected, at a path such as `rules[3].queue`. */
export interface PolicyProblem {
  path: string;
  message: string;
}

/** A policy that does not validate; `problems` lists every problem found, not only the first. */
export class PolicyValidationError extends Error {
  override readonly name = 'PolicyValidationError';
  readonly problems: readonly PolicyProblem[];

  constructor(problems: readonly PolicyProblem[]) {
    super(
      `policy is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((problem) => `  - ${problem.path || '(root)'}: ${problem.message}`)
        .join('\n')}`,
    );
    this.problems = problems;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

// A lenient view of the same document, so cross-reference checks still run when the
// structure has errors elsewhere: the operator gets every problem in one round.
const lenientString = z.string().optional().catch(undefined);
const LenientRuleSchema = z
  .object({
    name: lenientString,
    queue: lenientString,
    when: z
      .object({ topics: z.array(z.string()).optional().catch(undefined) })
      .loose()
      .optional()
      .catch(undefined),
    sla: z.object({ calendar: lenientString }).loose().optional().catch(undefined),
  })
  .loose()
  .catch({});
const LenientPolicySchema = z
  .object({
    triageQueue: lenientString,
    defaultQueue: lenientString,
    queues: z.record(z.string(), z.unknown()).optional().catch(undefined),
    calendars: z.record(z.string(), z.unknown()).optional().catch(undefined),
    channelTargets: z
      .record(z.string(), z.object({ calendar: lenientString }).loose().catch({}))
      .optional()
      .catch(undefined),
    chatOutsideHours: z.object({ calendar: lenientString }).loose().optional().catch(undefined),
    languageFallback: z.object({ queue: lenientString }).loose().optional().catch(undefined),
    timers: z
      .object({
        escalation: z
          .array(z.object({ name: lenientString, moveToQueue: lenientString }).loose().catch({}))
          .optional()
          .catch(undefined),
      })
      .loose()
      .optional()
      .catch(undefined),
    rules: z.array(LenientRuleSchema).optional().catch(undefined),
  })
  .loose()
  .catch({});

const RULE_CONDITIONS_OTHER_THAN_TOPICS = [
  'channels',
  'programs',
  'expedited',
  'languages',
  'countries',
  'countriesOutside',
  'possibleSpoofing',
] as const;

function crossReferenceProblems(json: unknown): PolicyProblem[] {
  const view = LenientPolicySchema.parse(json);
  const problems: PolicyProblem[] = [];
  const queues = view.queues ? new Set(Object.keys(view.queues)) : undefined;
  const calendars = view.calendars ? new Set(Object.keys(view.calendars)) : undefined;
  const checkQueue = (queue: string | undefined, path: string) => {
    if (queue !== undefined && queues && !queues.has(queue)) {
      problems.push({ path, message: `queue "${queue}" is used but not declared in queues` });
    }
  };
  const checkCalendar = (calendar: string | undefined, path: string) => {
    if (calendar !== undefined && calendars && !calendars.has(calendar)) {
      problems.push({ path, message: `unknown calendar "${calendar}"` });
    }
  };
  checkQueue(view.triageQueue, 'triageQueue');
  checkQueue(view.defaultQueue, 'defaultQueue');
  for (const [channel, targets] of Object.entries(view.channelTargets ?? {})) {
    checkCalendar(targets.calendar, `channelTargets.${channel}.calendar`);
  }
  checkCalendar(view.chatOutsideHours?.calendar, 'chatOutsideHours.calendar');
  checkQueue(view.languageFallback?.queue, 'languageFallback.queue');
  const rules = view.rules ?? [];
  const seenRules = new Map<string, number>();
  rules.forEach((rule, index) => {
    if (rule.name !== undefined) {
      const first = seenRules.get(rule.name);
      if (first !== undefined) {
        problems.push({
          path: `rules[${index}].name`,
          message: `duplicate rule name "${rule.name}" (also rules[${first}])`,
        });
      } else {
        seenRules.set(rule.name, index);
      }
    }
    checkQueue(rule.queue, `rules[${index}].queue`);
    checkCalendar(rule.sla?.calendar, `rules[${index}].sla.calendar`);
  });
  const steps = view.timers?.escalation ?? [];
  const seenSteps = new Set<string>();
  steps.forEach((step, index) => {
    if (step.name !== undefined) {
      if (seenSteps.has(step.name)) {
        problems.push({
          path: `timers.escalation[${index}].name`,
          message: `duplicate escalation step "${step.name}"`,
        });
      }
      seenSteps.add(step.name);
    }
    checkQueue(step.moveToQueue, `timers.escalation[${index}].moveToQueue`);
  });
  if (view.rules) {
    for (const topic of TOPICS) {
      const routed = rules.some((rule) => {
        const when = rule.when ?? {};
        const topics = when.topics;
        if (topics !== undefined && !topics.includes(topic)) return false;
        return RULE_CONDITIONS_OTHER_THAN_TOPICS.every((condition) => when[condition] === undefined);
      });
      if (!routed) {
        problems.push({
          path: 'rules',
          message: `no rule routes topic "${topic}" unconditionally (some "${topic}" messages would reach no team)`,
        });
      }
    }
  }
  return problems;
}

/**
 * Validates a policy document. Throws {@link PolicyValidationError} listing every schema
 * problem and every cross-reference problem (undeclared queues, unknown calendars, duplicate
 * rule names, topics no rule routes) at once.
 */
export function loadPolicy(json: unknown): Policy {
  const parsed = PolicySchema.safeParse(json);
  const problems: PolicyProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  problems.push(...crossReferenceProblems(json));
  if (problems.length > 0 || !parsed.success) throw new PolicyValidationError(problems);
  return parsed.data;
}
