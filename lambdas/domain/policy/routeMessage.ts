import type { Channel } from '../inboundMessage.js';
import { explainAddBusinessTime, formatDuration, formatExplanation } from '../sla/businessCalendar.js';
import { type CaseClocks, type Clock, startBusinessClock, startRegulatoryClock } from '../sla/clocks.js';
import { calendarOf } from '../sla/policyCalendars.js';
import {
  chooseRegulatoryLimit,
  type RegulatoryKind,
  type RegulatoryVariant,
} from '../sla/regulatoryClocks.js';
import { nextTimerAt } from '../sla/timers.js';
import type { TriageResult } from '../triage/types.js';
import { chatHoursAt } from './chatHours.js';
import {
  businessDurationMs,
  type Policy,
  type PolicyRule,
  type Priority,
  type SlaTargets,
} from './policy.js';

/** Where a message goes, how urgent it is, and its clocks, with the reasons. */
export interface RoutingDecision {
  queue: string;
  priority: Priority;
  policyVersion: string;
  /** Name of the rule that decided, or why none did. */
  reason: string;
  /** Due times, ISO-8601 UTC. */
  sla: { firstResponseDueAt: string; resolutionDueAt?: string; regulatoryDueAt?: string };
  /** The topic was not confident enough: a person must confirm it (the case sits in the triage queue). */
  needsTriage: boolean;
  /** The rule that matched (for low-confidence triage: the rule the guessed topic would have matched). */
  rule?: string;
  /** Claim-next prefers staff with this language skill; `covered` is false when the queue lists no such skill. */
  languageSkill?: { language: string; covered: boolean };
  /** A chat that arrived while chat was closed: a message case on `policy.chatOutsideHours` targets. */
  outsideChatHours?: boolean;
  /** The Part D clock started, with its legal basis. */
  regulatoryClock?: {
    kind: RegulatoryKind;
    variant: RegulatoryVariant;
    limit: string;
    dueAt: string;
    citation: string;
    /** Program not detected: Part D assumed because it is the strictest clock that could apply. */
    assumedProgram: boolean;
  };
  /** Every clock to store with the case (computed under `policyVersion`, never recomputed by a policy edit). */
  clocks: CaseClocks;
  /** Earliest pending warning/breach/escalation: the timer index key. */
  nextTimerAt?: string;
  /** The arithmetic, for `explain`: rule, targets, skipped hours and holidays, regulatory basis. */
  explanation: string[];
}

/** What routing knows besides the triage result. */
export interface RoutingContext {
  /** ISO 3166-1 alpha-2 country of residence (form field or hint). */
  country?: string;
  /** Earliest receipt of this request on any channel, when an earlier copy exists; regulatory clocks start there. */
  earliestReceivedAt?: Date;
}

const paymentPatternsByPolicy = new WeakMap<Policy, { payment: RegExp[]; notYetFurnished: RegExp[] }>();

function paymentPatterns(policy: Policy): { payment: RegExp[]; notYetFurnished: RegExp[] } {
  let patterns = paymentPatternsByPolicy.get(policy);
  if (!patterns) {
    const compile = (sources: readonly string[]) => sources.map((pattern) => new RegExp(pattern, 'iu'));
    patterns = {
      payment: compile(policy.regulatory.paymentRequestPatterns),
      notYetFurnished: compile(policy.regulatory.notYetFurnishedPatterns),
    };
    paymentPatternsByPolicy.set(policy, patterns);
  }
  return patterns;
}

/** A payment request (the longer clock) only when nothing says the drug is still to be bought. */
function isPaymentRequest(text: string, policy: Policy): boolean {
  const { payment, notYetFurnished } = paymentPatterns(policy);
  return (
    payment.some((pattern) => pattern.test(text)) && !notYetFurnished.some((pattern) => pattern.test(text))
  );
}

/** What the policy's rules read of a message: triage's result, or a classification staff confirmed. */
export type ClassificationFacts = Pick<
  TriageResult,
  | 'topic'
  | 'topicConfidence'
  | 'expedited'
  | 'programs'
  | 'language'
  | 'preferredLanguage'
  | 'possibleSpoofing'
>;

function ruleMatches(
  rule: PolicyRule,
  triage: ClassificationFacts,
  channel: Channel,
  context: RoutingContext,
): boolean {
  const { topics, channels, programs, expedited, languages, countries, countriesOutside, possibleSpoofing } =
    rule.when;
  const country = context.country?.toUpperCase();
  if (topics && !topics.includes(triage.topic)) return false;
  if (channels && !channels.includes(channel)) return false;
  if (programs && !programs.some((program) => triage.programs.includes(program))) return false;
  if (expedited !== undefined && expedited !== triage.expedited) return false;
  if (languages && !languages.includes(triage.language)) return false;
  if (countries && (country === undefined || !countries.includes(country))) return false;
  if (countriesOutside && (country === undefined || countriesOutside.includes(country))) return false;
  if (possibleSpoofing !== undefined && possibleSpoofing !== (triage.possibleSpoofing ?? false)) return false;
  return true;
}

/**
 * The business-time targets of a case of `channel` under `rule`: the channel's (for a chat that
 * arrived outside chat hours, the chat-outside-hours ones), overridden field by field by the rule's
 * `sla`. Routing starts the clocks on them; reclassifying retargets them.
 */
export function businessTargetsFor(
  channel: Channel,
  rule: PolicyRule | undefined,
  outsideChatHours: boolean,
  policy: Policy,
): Required<Pick<SlaTargets, 'calendar' | 'firstResponse'>> &
  Pick<SlaTargets, 'nextResponse' | 'resolution'> {
  const base =
    outsideChatHours && policy.chatOutsideHours ? policy.chatOutsideHours : policy.channelTargets[channel];
  const override: SlaTargets = rule?.sla ?? {};
  return {
    calendar: override.calendar ?? base.calendar,
    firstResponse: override.firstResponse ?? base.firstResponse,
    ...optionalTarget('nextResponse', override.nextResponse ?? base.nextResponse),
    ...optionalTarget('resolution', override.resolution ?? base.resolution),
  };
}

const optionalTarget = <K extends 'nextResponse' | 'resolution'>(key: K, value: SlaTargets[K]) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Pick<SlaTargets, K>>;

/** The languages staff must read and write for this message: its own and the member's preferred one. */
function languagesToServe(triage: ClassificationFacts): string[] {
  const languages = new Set<string>();
  if (triage.language !== 'und') languages.add(triage.language);
  if (triage.preferredLanguage) languages.add(triage.preferredLanguage);
  return [...languages];
}

function dueOf(clocks: readonly Clock[], id: string): string | undefined {
  return clocks.find((clock) => clock.id === id)?.dueAt;
}

/** Queue, priority and the rule that decided, for a classification: the first rule of `policy` that matches. */
export interface Placement {
  queue: string;
  priority: Priority;
  reason: string;
  rule?: PolicyRule;
  explanation: string[];
}

/**
 * Where a classification goes under the policy: the first matching rule's queue and priority (the
 * triage queue when `needsTriage`, the default queue when no rule matches), then the language
 * fallback for channels that have one. `rule` is the rule the topic matched, also when a person must
 * still confirm the topic: its regulatory clock is the strictest that could apply.
 */
export function placeByPolicy(
  facts: ClassificationFacts,
  channel: Channel,
  policy: Policy,
  context: RoutingContext,
  needsTriage: boolean,
): Placement {
  const rule = policy.rules.find((candidate) => ruleMatches(candidate, facts, channel, context));
  const explanation: string[] = [];
  let queue: string;
  let priority: Priority;
  let reason: string;
  if (needsTriage) {
    queue = policy.triageQueue;
    priority = facts.expedited ? 'urgent' : 'normal';
    reason = 'low topic confidence';
    explanation.push(
      `topic "${facts.topic}" at confidence ${facts.topicConfidence} is below ${policy.minTopicConfidence}: queue ${queue} for a person to confirm`,
    );
  } else if (rule) {
    queue = rule.queue;
    priority = rule.priority;
    reason = `rule "${rule.name}"`;
    explanation.push(`rule "${rule.name}" matched: queue ${queue}, priority ${priority}`);
  } else {
    queue = policy.defaultQueue;
    priority = 'normal';
    reason = 'no rule matched';
    explanation.push(`no rule matched: queue ${queue}`);
  }

  const languageFallback = policy.languageFallback;
  if (!needsTriage && languageFallback?.channels.includes(channel) && queue !== languageFallback.queue) {
    const unread = languagesToServe(facts).filter(
      (language) => !(policy.queues[queue]?.languageSkills.includes(language) ?? false),
    );
    if (unread.length > 0) {
      explanation.push(
        `queue ${queue} lists no staff for ${unread.join(', ')}: queue ${languageFallback.queue} (language fallback)`,
      );
      queue = languageFallback.queue;
      reason = `${reason}; language fallback (${unread.join(', ')})`;
    }
  }

  return { queue, priority, reason, ...(rule ? { rule } : {}), explanation };
}

/**
 * Picks queue, priority and clocks for a triaged message. Rules are tried in order; the first
 * match decides. Low-confidence triage goes to the triage queue flagged `needsTriage`, never to a
 * team on a guess, but keeps the guessed topic's regulatory clock: the strictest that could apply.
 */
export function routeMessage(
  triage: TriageResult,
  channel: Channel,
  receivedAt: Date,
  policy: Policy,
  context: RoutingContext = {},
): RoutingDecision {
  const needsTriage = triage.topicConfidence < policy.minTopicConfidence;
  const { queue, priority, rule, explanation, ...placed } = placeByPolicy(
    triage,
    channel,
    policy,
    context,
    needsTriage,
  );
  let { reason } = placed;

  const outsideChatHours =
    channel === 'chat' && policy.chatOutsideHours !== undefined && !chatHoursAt(policy, receivedAt).open;
  const targets = businessTargetsFor(channel, rule, outsideChatHours, policy);
  if (outsideChatHours) {
    reason = `${reason}; outside chat hours`;
    explanation.push('chat is closed: the conversation is a message case on the chat-outside-hours targets');
  }
  const calendar = calendarOf(policy, targets.calendar);
  const firstResponseMs = businessDurationMs(targets.firstResponse);
  const clocks: Clock[] = [
    startBusinessClock(
      { id: 'firstResponse', kind: 'firstResponse', calendar: targets.calendar, targetMs: firstResponseMs },
      receivedAt,
      policy,
    ),
  ];
  const firstResponseTrace = explainAddBusinessTime(calendar, receivedAt, firstResponseMs);
  explanation.push('first response:', ...formatExplanation(firstResponseTrace).map((line) => `  ${line}`));
  if (targets.resolution) {
    const resolutionMs = businessDurationMs(targets.resolution);
    const resolution = startBusinessClock(
      { id: 'resolution', kind: 'resolution', calendar: targets.calendar, targetMs: resolutionMs },
      receivedAt,
      policy,
    );
    clocks.push(resolution);
    explanation.push(
      `resolution: ${formatDuration(resolutionMs)} of business time on calendar ${targets.calendar} → due ${resolution.dueAt}`,
    );
  }

  let regulatoryClock: RoutingDecision['regulatoryClock'];
  if (rule?.regulatory) {
    const text = `${triage.redactedSubject}\n${triage.redactedText}`;
    const choice = chooseRegulatoryLimit({
      kind: rule.regulatory,
      expedited: triage.expedited,
      paymentRequest: isPaymentRequest(text, policy),
      programs: triage.programs,
    });
    const earliest =
      context.earliestReceivedAt && context.earliestReceivedAt.getTime() < receivedAt.getTime()
        ? context.earliestReceivedAt
        : receivedAt;
    const clock = startRegulatoryClock(choice, earliest, policy);
    clocks.push(clock);
    regulatoryClock = {
      kind: choice.kind,
      variant: choice.variant,
      limit: choice.limit,
      dueAt: clock.dueAt,
      citation: choice.citation,
      assumedProgram: choice.assumedProgram,
    };
    explanation.push(
      `regulatory: ${choice.variant} ${choice.kind}, ${choice.limit} in calendar time from receipt ${clock.startedAt}, never paused (${choice.citation}) → due ${clock.dueAt}` +
        (choice.assumedProgram
          ? '; program not detected, Medicare Part D assumed (strictest clock that could apply)'
          : ''),
    );
  }

  const caseClocks: CaseClocks = {
    policyVersion: policy.version,
    calendar: targets.calendar,
    ...(targets.nextResponse ? { nextResponseTargetMs: businessDurationMs(targets.nextResponse) } : {}),
    memberMessagesAt: [receivedAt.toISOString()],
    clocks,
  };
  const firstResponseDueAt = dueOf(clocks, 'firstResponse') ?? firstResponseTrace.dueAt;
  const resolutionDueAt = dueOf(clocks, 'resolution');
  const sla: RoutingDecision['sla'] = {
    firstResponseDueAt,
    ...(resolutionDueAt ? { resolutionDueAt } : {}),
    ...(regulatoryClock ? { regulatoryDueAt: regulatoryClock.dueAt } : {}),
  };

  const decision: RoutingDecision = {
    queue,
    priority,
    policyVersion: policy.version,
    reason,
    sla,
    needsTriage,
    clocks: caseClocks,
    explanation,
  };
  if (rule) decision.rule = rule.name;
  if (outsideChatHours) decision.outsideChatHours = true;
  if (regulatoryClock) decision.regulatoryClock = regulatoryClock;
  const timerAt = nextTimerAt(caseClocks, []);
  if (timerAt) decision.nextTimerAt = timerAt;
  // The member is answered in the preferred language when they gave one: claim-next prefers that skill.
  const serveIn = triage.preferredLanguage ?? triage.language;
  if (serveIn !== 'und' && serveIn !== 'en') {
    decision.languageSkill = {
      language: serveIn,
      covered: policy.queues[queue]?.languageSkills.includes(serveIn) ?? false,
    };
  }
  return decision;
}
