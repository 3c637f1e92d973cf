import { IANAZone } from 'luxon';
import { ChannelSchema } from '../inboundMessage.js';
import { CalendarSchema } from '../sla/calendarSchema.js';
import { RegulatoryKindSchema } from '../sla/regulatoryClocks.js';
import { ProgramSchema, TOPICS, TopicSchema } from '../triage/taxonomy.js';
import * as z from '../zodMini.js';

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
  .check(z.regex(/^[a-z][a-z0-9_-]{0,39}$/, 'expected a lower-case name (a-z, 0-9, _ and -)'));

/** A business-time target: open hours and minutes on the clock's calendar. */
export const BusinessDurationSchema = z
  .strictObject({
    hours: z.optional(z.number().check(z.nonnegative())),
    minutes: z.optional(z.number().check(z.nonnegative())),
  })
  .check(
    z.refine((duration) => (duration.hours ?? 0) + (duration.minutes ?? 0) > 0, {
      message: 'a target must be longer than zero',
    }),
  );
export type BusinessDuration = z.infer<typeof BusinessDurationSchema>;

/** Milliseconds of business time in a target. */
export function businessDurationMs(duration: BusinessDuration): number {
  return Math.round(((duration.hours ?? 0) * 60 + (duration.minutes ?? 0)) * 60_000);
}

const SlaTargetsSchema = z.strictObject({
  calendar: z.optional(z.string().check(z.minLength(1))),
  firstResponse: z.optional(BusinessDurationSchema),
  nextResponse: z.optional(BusinessDurationSchema),
  resolution: z.optional(BusinessDurationSchema),
});
export type SlaTargets = z.infer<typeof SlaTargetsSchema>;

const ChannelTargetsSchema = z.required(SlaTargetsSchema, { calendar: true, firstResponse: true });

const CountrySchema = z.string().check(z.regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 country code'));

/** A non-empty list of `item`, or absent. */
const someOf = <T extends z.core.SomeType>(item: T) => z.optional(z.array(item).check(z.minLength(1)));

const RuleSchema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  description: z.optional(z.string()),
  /** Every condition given must hold; a list matches when any of its entries does. */
  when: z.strictObject({
    topics: someOf(TopicSchema),
    channels: someOf(ChannelSchema),
    programs: someOf(ProgramSchema),
    expedited: z.optional(z.boolean()),
    /** ISO 639-1 codes of the detected language. */
    languages: someOf(z.string().check(z.minLength(2))),
    /** Country of residence from the form or hints. */
    countries: someOf(CountrySchema),
    /** Matches a known country of residence outside this list. */
    countriesOutside: someOf(CountrySchema),
    /** An e-mail claiming the desk's own domain (or a look-alike) that failed DMARC. */
    possibleSpoofing: z.optional(z.boolean()),
  }),
  queue: NameSchema,
  priority: PrioritySchema,
  /** Overrides the channel's SLA targets. */
  sla: z.optional(SlaTargetsSchema),
  /** The Part D clock this kind of request starts (42 CFR 423 subpart M). */
  regulatory: z.optional(RegulatoryKindSchema),
});
export type PolicyRule = z.infer<typeof RuleSchema>;

const EmailSchema = z.email();

const QueueSchema = z.strictObject({
  description: z.optional(z.string()),
  /** Languages (ISO 639-1) the queue's staff can work in; claim-next prefers a matching skill. */
  languageSkills: z.array(z.string().check(z.minLength(2))).check(z.minLength(1)),
  /** Who hears about escalations of this queue's cases; the timers' supervisors otherwise. */
  supervisors: someOf(EmailSchema),
});
export type QueueDefinition = z.infer<typeof QueueSchema>;

const EscalationStepSchema = z
  .strictObject({
    name: NameSchema,
    /** Percent of the clock's target at which the step fires; 100 is the breach. */
    atPercent: z.number().check(z.positive(), z.lte(1_000)),
    /** The clocks the step applies to; all when absent. */
    clocks: someOf(ClockKindSchema),
    /** Raise the case's priority by this many levels (never below `urgent`). */
    raisePriority: z.optional(z.int().check(z.gte(1), z.lte(3))),
    /** Raise the case's priority to at least this. */
    setPriority: z.optional(PrioritySchema),
    moveToQueue: z.optional(NameSchema),
    notifySupervisors: z._default(z.boolean(), false),
  })
  .check(
    z.refine(
      (step) =>
        step.raisePriority !== undefined ||
        step.setPriority !== undefined ||
        step.moveToQueue !== undefined ||
        step.notifySupervisors,
      { message: 'an escalation step must raise the priority, move the case or notify supervisors' },
    ),
  );
export type EscalationStep = z.infer<typeof EscalationStepSchema>;

const PercentSchema = z.number().check(z.gt(0), z.lt(100));

const TimersSchema = z.strictObject({
  /** At-risk warning, percent of each business clock's target. */
  warningPercent: z._default(PercentSchema, 75),
  /** At-risk warning for regulatory clocks; `warningPercent` when absent. */
  regulatoryWarningPercent: z.optional(PercentSchema),
  escalation: z.array(EscalationStepSchema),
  supervisors: z.array(EmailSchema).check(z.minLength(1)),
});
export type TimersPolicy = z.infer<typeof TimersSchema>;

/** Rules of staff work on cases. */
const CaseRulesSchema = z.strictObject({
  /**
   * A resolved case can be reopened (by staff, or by the member writing again) for this many days
   * after its resolution; later, a member's message opens a new case linked to it.
   */
  reopenWindowDays: z._default(z.number().check(z.positive(), z.lte(365)), 14),
  /**
   * Claim-next keeps a case in a language only some staff read for those staff while it waits
   * less than this; then anyone may claim it, so no case waits for a skill nobody on shift has
   * (Twilio TaskRouter's skill relaxation by timeout).
   */
  languageRelaxMinutes: z._default(z.number().check(z.nonnegative(), z.lte(24 * 60)), 15),
});
export type CaseRules = z.infer<typeof CaseRulesSchema>;

const PatternSchema = z.string().check(
  z.refine(
    (pattern) => {
      try {
        new RegExp(pattern, 'iu');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid regular expression' },
  ),
);

/**
 * A routing policy: ordered rules over triage, channel and country → queue, priority and SLA
 * targets, plus the queues, calendars, regulatory settings and escalation ladder they refer to.
 * Validate with {@link loadPolicy}, which also checks the cross-references.
 */
export const PolicySchema = z.strictObject({
  version: z.string().check(z.minLength(1)),
  description: z.optional(z.string()),
  /** Below this topic confidence, a case goes to the triage queue instead of a team. */
  minTopicConfidence: z.number().check(z.gte(0), z.lte(1)),
  triageQueue: NameSchema,
  /** Where a confident message goes when no rule matches (the semantic checks make that rare). */
  defaultQueue: NameSchema,
  queues: z.record(NameSchema, QueueSchema),
  calendars: z.record(NameSchema, CalendarSchema),
  /** SLA targets per channel; a rule's `sla` overrides them field by field. */
  channelTargets: z.strictObject({
    email: ChannelTargetsSchema,
    fax: ChannelTargetsSchema,
    chat: ChannelTargetsSchema,
    form: ChannelTargetsSchema,
  }),
  /**
   * Chat outside its calendar's open hours: nobody is there to answer in minutes, so the
   * conversation becomes a message case on these targets (and the member is told so).
   */
  chatOutsideHours: z.optional(ChannelTargetsSchema),
  /**
   * On these channels, a message whose queue reads neither its language nor the member's preferred
   * language goes to `queue` instead (a multilingual team), never to staff who cannot read it.
   */
  languageFallback: z.optional(
    z.strictObject({ queue: NameSchema, channels: z.array(ChannelSchema).check(z.minLength(1)) }),
  ),
  regulatory: z.strictObject({
    /** Where a limit in calendar days ends: the same wall-clock time N days later, if earlier than N × 24 h. */
    timeZone: z
      .string()
      .check(z.refine((zone) => IANAZone.isValidZone(zone), { message: 'unknown IANA time zone' })),
    /** Case-insensitive patterns that mark an appeal or coverage request as a payment request. */
    paymentRequestPatterns: z.array(PatternSchema),
    /**
     * Patterns saying the drug has not been bought yet ("I have not bought it", "so I can pick it
     * up"): a request that matches one is a benefit request on the shorter clock even when it also
     * mentions being reimbursed (42 CFR 423.568(b): 72 hours for a drug not yet furnished; the
     * 14 days of 423.568(c) are for payment of a drug already bought). When in doubt, the strictest.
     */
    notYetFurnishedPatterns: z._default(z.array(PatternSchema), []),
  }),
  timers: TimersSchema,
  caseRules: z._default(CaseRulesSchema, { reopenWindowDays: 14, languageRelaxMinutes: 15 }),
  rules: z.array(RuleSchema).check(z.minLength(1)),
});
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
/** `schema`, or absent when the value is absent or anything else. */
const lenient = <T extends z.core.SomeType>(schema: T) => z.catch(z.optional(schema), undefined);
const lenientString = lenient(z.string());
// An object that is not one reads as `{}`; one keeps its other keys (`looseObject`).
const LenientRuleSchema = z.catch(
  z.looseObject({
    name: lenientString,
    queue: lenientString,
    when: lenient(z.looseObject({ topics: lenient(z.array(z.string())) })),
    sla: lenient(z.looseObject({ calendar: lenientString })),
  }),
  {},
);
const LenientPolicySchema = z.catch(
  z.looseObject({
    triageQueue: lenientString,
    defaultQueue: lenientString,
    queues: lenient(z.record(z.string(), z.unknown())),
    calendars: lenient(z.record(z.string(), z.unknown())),
    channelTargets: lenient(z.record(z.string(), z.catch(z.looseObject({ calendar: lenientString }), {}))),
    chatOutsideHours: lenient(z.looseObject({ calendar: lenientString })),
    languageFallback: lenient(z.looseObject({ queue: lenientString })),
    timers: lenient(
      z.looseObject({
        escalation: lenient(
          z.array(z.catch(z.looseObject({ name: lenientString, moveToQueue: lenientString }), {})),
        ),
      }),
    ),
    rules: lenient(z.array(LenientRuleSchema)),
  }),
  {},
);

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
