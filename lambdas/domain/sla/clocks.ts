import { type ClockKind, type EscalationStep, type Policy, PrioritySchema } from '../policy/policy.js';
import * as z from '../zodMini.js';
import { addBusinessTime, type BusinessCalendar, businessTimeBetween } from './businessCalendar.js';
import { calendarOf, declaresCalendar, UnknownCalendarError } from './policyCalendars.js';
import {
  IRE_FORWARD_MS,
  ireForwardCitation,
  type RegulatoryChoice,
  RegulatoryKindSchema,
  RegulatoryVariantSchema,
  regulatoryDueAt,
} from './regulatoryClocks.js';

const isoDate = z.iso.datetime({ offset: true });

/** What a timer event does to the case when it fires; a snapshot of the policy's ladder at clock start. */
export const TimerActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('raisePriority'), levels: z.int().check(z.gte(1), z.lte(3)) }),
  z.object({ type: z.literal('setPriority'), priority: PrioritySchema }),
  z.object({ type: z.literal('moveToQueue'), queue: z.string().check(z.minLength(1)) }),
  z.object({ type: z.literal('notifySupervisors') }),
]);
export type TimerAction = z.infer<typeof TimerActionSchema>;

/**
 * A point on a running clock at which the sweeper must act. `eventId` is stable
 * (`firstResponse:warning`, `nextResponse#2:breach`, `regulatory:escalation:overdue`), so a
 * conditional write on it makes each event fire exactly once, across pauses and sweepers.
 */
export const MilestoneSchema = z.object({
  eventId: z.string().check(z.minLength(1)),
  type: z.enum(['warning', 'breach', 'escalation']),
  step: z.optional(z.string()),
  percent: z.number().check(z.positive()),
  at: isoDate,
  actions: z.array(TimerActionSchema),
});
export type Milestone = z.infer<typeof MilestoneSchema>;

/** The business-time clocks: first response, next response (after each member message), resolution. */
export const BusinessClockKindSchema = z.enum(['firstResponse', 'nextResponse', 'resolution']);
export type BusinessClockKind = z.infer<typeof BusinessClockKindSchema>;

/**
 * A business-time clock. `elapsedMs` is the open time counted before `runningSince` (running),
 * up to `pausedAt` (paused) or up to `stoppedAt` (stopped), so pause and resume are exact.
 */
export const BusinessClockSchema = z.object({
  type: z.literal('business'),
  id: z.string().check(z.minLength(1)),
  kind: BusinessClockKindSchema,
  calendar: z.string().check(z.minLength(1)),
  targetMs: z.int().check(z.positive()),
  state: z.enum(['running', 'paused', 'stopped']),
  startedAt: isoDate,
  elapsedMs: z.int().check(z.nonnegative()),
  runningSince: z.optional(isoDate),
  pausedAt: z.optional(isoDate),
  stoppedAt: z.optional(isoDate),
  /** While running: when the target is reached. */
  dueAt: z.optional(isoDate),
  /** Once stopped: whether the target was exceeded. */
  breached: z.optional(z.boolean()),
  milestones: z.array(MilestoneSchema),
  /**
   * Staff replies written before the clock started (routed after a later member message opened the
   * case): should an earlier member message move the start back, the first of them at or after the
   * new start is the response.
   */
  answeredBeforeStart: z.optional(z.array(isoDate).check(z.maxLength(10))),
});
export type BusinessClock = z.infer<typeof BusinessClockSchema>;

/** A Part D clock: calendar time from the earliest receipt on any channel, never paused (42 CFR 423 subpart M). */
export const RegulatoryClockSchema = z.object({
  type: z.literal('regulatory'),
  id: z.literal('regulatory'),
  kind: z.literal('regulatory'),
  regulatoryKind: RegulatoryKindSchema,
  variant: RegulatoryVariantSchema,
  limit: z.string(),
  citation: z.string(),
  assumedProgram: z.boolean(),
  durationMs: z.int().check(z.positive()),
  calendarDays: z.optional(z.int().check(z.positive())),
  state: z.enum(['running', 'stopped']),
  startedAt: isoDate,
  dueAt: isoDate,
  stoppedAt: z.optional(isoDate),
  breached: z.optional(z.boolean()),
  milestones: z.array(MilestoneSchema),
  /**
   * A coverage determination or redetermination still undecided when due goes to the IRE by this time
   * (24 hours after `dueAt`, {@link IRE_FORWARD_MS}), under `ireForwardCitation`; absent for grievances.
   */
  ireForwardBy: z.optional(isoDate),
  ireForwardCitation: z.optional(z.string()),
});
export type RegulatoryClock = z.infer<typeof RegulatoryClockSchema>;

/** Any clock of a case, as stored; discriminated by `type`. */
export const ClockSchema = z.discriminatedUnion('type', [BusinessClockSchema, RegulatoryClockSchema]);
export type Clock = z.infer<typeof ClockSchema>;

/**
 * Every clock of a case, as stored with it. Due times are computed once, under the policy
 * version the case was opened with; a later policy edit never rewrites them.
 */
export const CaseClocksSchema = z.object({
  policyVersion: z.string().check(z.minLength(1)),
  calendar: z.string().check(z.minLength(1)),
  /** Target of the next-response clock started after each member message, when the policy sets one. */
  nextResponseTargetMs: z.optional(z.int().check(z.positive())),
  /**
   * When the member's latest messages were written (the last 20): a staff reply routed after a later
   * member message still starts that message's next-response clock.
   */
  memberMessagesAt: z.optional(z.array(isoDate).check(z.maxLength(20))),
  clocks: z.array(ClockSchema),
});
export type CaseClocks = z.infer<typeof CaseClocksSchema>;

function stepApplies(step: EscalationStep, kind: ClockKind): boolean {
  return step.clocks === undefined || step.clocks.includes(kind);
}

function stepActions(step: EscalationStep): TimerAction[] {
  const actions: TimerAction[] = [];
  if (step.raisePriority !== undefined) actions.push({ type: 'raisePriority', levels: step.raisePriority });
  if (step.setPriority !== undefined) actions.push({ type: 'setPriority', priority: step.setPriority });
  if (step.moveToQueue !== undefined) actions.push({ type: 'moveToQueue', queue: step.moveToQueue });
  if (step.notifySupervisors) actions.push({ type: 'notifySupervisors' });
  return actions;
}

interface MilestonePoint {
  suffix: string;
  type: Milestone['type'];
  step?: string;
  percent: number;
  actions: TimerAction[];
}

function milestonePoints(policy: Policy, kind: ClockKind): MilestonePoint[] {
  const { timers } = policy;
  const warningPercent =
    kind === 'regulatory'
      ? (timers.regulatoryWarningPercent ?? timers.warningPercent)
      : timers.warningPercent;
  return [
    { suffix: 'warning', type: 'warning', percent: warningPercent, actions: [] },
    { suffix: 'breach', type: 'breach', percent: 100, actions: [] },
    ...timers.escalation
      .filter((step) => stepApplies(step, kind))
      .map(
        (step): MilestonePoint => ({
          suffix: `escalation:${step.name}`,
          type: 'escalation',
          step: step.name,
          percent: step.atPercent,
          actions: stepActions(step),
        }),
      ),
  ];
}

function toMilestone(clockId: string, point: MilestonePoint, at: number): Milestone {
  return {
    eventId: `${clockId}:${point.suffix}`,
    type: point.type,
    ...(point.step !== undefined ? { step: point.step } : {}),
    percent: point.percent,
    at: new Date(at).toISOString(),
    actions: point.actions,
  };
}

type ClockBase = Pick<BusinessClock, 'id' | 'kind' | 'calendar' | 'targetMs' | 'startedAt' | 'elapsedMs'>;

/** The calendar a business clock counts on; an error naming the clock and the calendar the policy lacks. */
function calendarOfClock(clock: Pick<BusinessClock, 'id' | 'calendar'>, policy: Policy): BusinessCalendar {
  if (!declaresCalendar(policy, clock.calendar)) {
    throw new UnknownCalendarError(
      `clock "${clock.id}" runs on calendar "${clock.calendar}", which policy ${policy.version} does not declare`,
    );
  }
  return calendarOf(policy, clock.calendar);
}

function runBusinessClock(base: ClockBase, at: Date, policy: Policy): BusinessClock {
  const calendar = calendarOfClock(base, policy);
  const points = milestonePoints(policy, base.kind);
  // Walk the percentages in ascending order, each from the previous instant: one pass over the calendar.
  const percents = [...new Set([100, ...points.map((point) => point.percent)])].sort(
    (left, right) => left - right,
  );
  const instants = new Map<number, number>();
  let reachedMs = base.elapsedMs;
  let reachedAt = at;
  for (const percent of percents) {
    const thresholdMs = Math.round((base.targetMs * percent) / 100);
    // A milestone already passed before a pause is due at once; its stable id keeps it from firing twice.
    if (thresholdMs > reachedMs) {
      reachedAt = addBusinessTime(calendar, reachedAt, thresholdMs - reachedMs);
      reachedMs = thresholdMs;
    }
    instants.set(percent, reachedAt.getTime());
  }
  const dueFor = (percent: number) => instants.get(percent) ?? at.getTime();
  return {
    type: 'business',
    id: base.id,
    kind: base.kind,
    calendar: base.calendar,
    targetMs: base.targetMs,
    startedAt: base.startedAt,
    elapsedMs: base.elapsedMs,
    state: 'running',
    runningSince: at.toISOString(),
    dueAt: new Date(dueFor(100)).toISOString(),
    milestones: milestonePoints(policy, base.kind).map((point) =>
      toMilestone(base.id, point, dueFor(point.percent)),
    ),
  };
}

/** Starts a business clock at `at` (the message's receipt) on a calendar of `policy`. */
export function startBusinessClock(
  spec: { id: string; kind: BusinessClockKind; calendar: string; targetMs: number },
  at: Date,
  policy: Policy,
): BusinessClock {
  return runBusinessClock({ ...spec, startedAt: at.toISOString(), elapsedMs: 0 }, at, policy);
}

/** Starts the Part D clock at the earliest receipt; due in calendar time, never paused. */
export function startRegulatoryClock(
  choice: RegulatoryChoice,
  earliestReceipt: Date,
  policy: Policy,
): RegulatoryClock {
  const start = earliestReceipt.getTime();
  const due = regulatoryDueAt(choice, earliestReceipt, policy.regulatory.timeZone).getTime();
  return {
    type: 'regulatory',
    id: 'regulatory',
    kind: 'regulatory',
    regulatoryKind: choice.kind,
    variant: choice.variant,
    limit: choice.limit,
    citation: choice.citation,
    assumedProgram: choice.assumedProgram,
    durationMs: choice.durationMs,
    ...(choice.calendarDays !== undefined ? { calendarDays: choice.calendarDays } : {}),
    state: 'running',
    startedAt: earliestReceipt.toISOString(),
    dueAt: new Date(due).toISOString(),
    milestones: [
      ...milestonePoints(policy, 'regulatory').map((point) =>
        toMilestone('regulatory', point, start + Math.round(((due - start) * point.percent) / 100)),
      ),
      ...ireForwardMilestones(choice, start, due),
    ],
    ...ireForwardFields(choice.kind, due),
  };
}

function ireForwardFields(
  kind: RegulatoryChoice['kind'],
  due: number,
): Pick<RegulatoryClock, 'ireForwardBy' | 'ireForwardCitation'> {
  const citation = ireForwardCitation(kind);
  return citation
    ? { ireForwardBy: new Date(due + IRE_FORWARD_MS).toISOString(), ireForwardCitation: citation }
    : {};
}

/**
 * The IRE stage of a coverage determination or redetermination (regulation, not policy): when the
 * limit expires undecided, supervisors are told to forward the request to the IRE within 24 hours and
 * the case becomes urgent (`ire-forward`); if it is still open 24 hours later, they are told the
 * forwarding is overdue (`ire-forward-overdue`). Resolving the case (decided, or forwarded) stops the
 * clock and with it both.
 */
function ireForwardMilestones(choice: RegulatoryChoice, start: number, due: number): Milestone[] {
  if (!ireForwardCitation(choice.kind)) return [];
  const percentAt = (at: number) => Math.round(((at - start) / Math.max(1, due - start)) * 10_000) / 100;
  return [
    {
      eventId: 'regulatory:ire-forward',
      type: 'escalation',
      step: 'ire-forward',
      percent: 100,
      at: new Date(due).toISOString(),
      actions: [{ type: 'setPriority', priority: 'urgent' }, { type: 'notifySupervisors' }],
    },
    {
      eventId: 'regulatory:ire-forward-overdue',
      type: 'escalation',
      step: 'ire-forward-overdue',
      percent: percentAt(due + IRE_FORWARD_MS),
      at: new Date(due + IRE_FORWARD_MS).toISOString(),
      actions: [{ type: 'notifySupervisors' }],
    },
  ];
}

function countedSince(clock: BusinessClock, at: Date, policy: Policy): number {
  if (clock.state !== 'running' || clock.runningSince === undefined) return clock.elapsedMs;
  const since = new Date(clock.runningSince);
  if (at.getTime() <= since.getTime()) return clock.elapsedMs;
  return clock.elapsedMs + businessTimeBetween(calendarOfClock(clock, policy), since, at);
}

/** Business time counted on a clock up to `at` (for reports and attainment metrics). */
export function elapsedBusinessTime(clock: BusinessClock, at: Date, policy: Policy): number {
  return countedSince(clock, at, policy);
}

/** Pauses a running business clock (the case waits on the member). Regulatory clocks never pause. */
export function pauseClock(clock: BusinessClock, at: Date, policy: Policy): BusinessClock;
export function pauseClock(clock: Clock, at: Date, policy: Policy): Clock;
export function pauseClock(clock: Clock, at: Date, policy: Policy): Clock {
  if (clock.type === 'regulatory' || clock.state !== 'running') return clock;
  const { runningSince: _since, dueAt: _due, ...rest } = clock;
  return {
    ...rest,
    state: 'paused',
    elapsedMs: countedSince(clock, at, policy),
    pausedAt: at.toISOString(),
    milestones: [],
  };
}

/** Resumes a paused business clock with the time already counted; due times move by the pause. */
export function resumeClock(clock: BusinessClock, at: Date, policy: Policy): BusinessClock;
export function resumeClock(clock: Clock, at: Date, policy: Policy): Clock;
export function resumeClock(clock: Clock, at: Date, policy: Policy): Clock {
  if (clock.type === 'regulatory' || clock.state !== 'paused') return clock;
  return runBusinessClock(clock, at, policy);
}

/** Stops a clock: the response was sent or the case resolved. Records whether the target was exceeded. */
export function stopClock(clock: BusinessClock, at: Date, policy: Policy): BusinessClock;
export function stopClock(clock: Clock, at: Date, policy: Policy): Clock;
export function stopClock(clock: Clock, at: Date, policy: Policy): Clock {
  if (clock.state === 'stopped') return clock;
  if (clock.type === 'regulatory') {
    return {
      ...clock,
      state: 'stopped',
      stoppedAt: at.toISOString(),
      breached: at.getTime() > Date.parse(clock.dueAt),
      milestones: [],
    };
  }
  const elapsedMs = countedSince(clock, at, policy);
  const { runningSince: _since, pausedAt: _paused, dueAt: _due, ...rest } = clock;
  return {
    ...rest,
    state: 'stopped',
    elapsedMs,
    stoppedAt: at.toISOString(),
    // Reaching the target is the breach the sweeper reports at the due time: a clock due at closing
    // time and answered while closed, or moved onto a calendar closed since its breach, has counted
    // exactly the target (paused or running) and has breached.
    breached: elapsedMs >= clock.targetMs,
    milestones: [],
  };
}

function mapClocks(caseClocks: CaseClocks, change: (clock: Clock) => Clock): CaseClocks {
  return { ...caseClocks, clocks: caseClocks.clocks.map(change) };
}

/** The business targets a case's clocks run on (routing derives them from the channel and the rule). */
export interface BusinessTargets {
  calendar: string;
  firstResponseMs: number;
  nextResponseMs?: number;
  resolutionMs?: number;
}

/**
 * The case's clocks under new business targets, as a help desk re-applies its SLA policy when staff
 * change a ticket's classification: the business time already counted stays counted and the rest runs
 * against the new target, on the new calendar, from `at`, so a tighter target can fall due at once
 * (its milestones' stable ids keep those that fired from firing again). A paused clock takes the new
 * target and resumes with it; a stopped clock keeps its outcome. A clock whose warning or breach has
 * fired is never lengthened (supervisors were told it was at risk or late, the queue figures count it
 * so, and a longer target would turn a miss into a met one); it can still be tightened. No clock is
 * started or dropped: a kind the new targets leave unset keeps its target, and next-response clocks
 * started later take the new one. Regulatory clocks are not business time and are never touched here.
 * Retargeted clocks carry the policy version whose targets they now run on.
 */
export function retargetBusinessClocks(
  caseClocks: CaseClocks,
  targets: BusinessTargets,
  firedTimerEvents: readonly string[],
  at: Date,
  policy: Policy,
): CaseClocks {
  const targetOf: Record<BusinessClockKind, number | undefined> = {
    firstResponse: targets.firstResponseMs,
    nextResponse: targets.nextResponseMs,
    resolution: targets.resolutionMs,
  };
  const clocks = caseClocks.clocks.map((clock): Clock => {
    if (clock.type !== 'business' || clock.state === 'stopped') return clock;
    const targetMs = targetOf[clock.kind] ?? clock.targetMs;
    if (targetMs === clock.targetMs && targets.calendar === clock.calendar) return clock;
    const warned = ['warning', 'breach'].some((type) => firedTimerEvents.includes(`${clock.id}:${type}`));
    if (warned && targetMs > clock.targetMs) return clock;
    if (clock.state === 'paused') return { ...clock, targetMs, calendar: targets.calendar };
    const running = runBusinessClock(
      { ...clock, targetMs, calendar: targets.calendar, elapsedMs: countedSince(clock, at, policy) },
      at,
      policy,
    );
    return clock.answeredBeforeStart
      ? { ...running, answeredBeforeStart: clock.answeredBeforeStart }
      : running;
  });
  const nextResponseTargetMs = targets.nextResponseMs ?? caseClocks.nextResponseTargetMs;
  const unchanged =
    clocks.every((clock, index) => clock === caseClocks.clocks[index]) &&
    targets.calendar === caseClocks.calendar &&
    nextResponseTargetMs === caseClocks.nextResponseTargetMs;
  if (unchanged) return caseClocks;
  return {
    ...caseClocks,
    policyVersion: policy.version,
    calendar: targets.calendar,
    ...(nextResponseTargetMs === undefined ? {} : { nextResponseTargetMs }),
    clocks,
  };
}

/** The calendars a case's business clocks (and its later next-response clocks) name that `policy` lacks. */
export function undeclaredCalendarsOf(caseClocks: CaseClocks, policy: Policy): string[] {
  const named = [
    caseClocks.calendar,
    ...caseClocks.clocks.flatMap((clock) => (clock.type === 'business' ? [clock.calendar] : [])),
  ];
  return [...new Set(named)].filter((name) => !declaresCalendar(policy, name));
}

/** One business clock moved off a calendar its policy no longer declares, as the case history shows it. */
export interface CalendarMove {
  clock: string;
  fromCalendar: string;
  toCalendar: string;
  state: BusinessClock['state'];
  /** Business time counted at the move; what the clock keeps. */
  countedMs: number;
  /**
   * A running clock: the count is exact up to this instant and the open time since then is counted
   * on the new calendar, the old one's hours being gone (see {@link lastKnownCount}); absent when
   * the whole count is exact.
   */
  countedOnNewCalendarSince?: string;
  /** A running clock: when it is now due, on the new calendar. */
  dueAt?: string;
}

export interface CalendarMoves {
  clocks: CaseClocks;
  moved: CalendarMove[];
  /** The calendar the case's later next-response clocks start on, when it moved too. */
  laterClocks?: { fromCalendar: string; toCalendar: string };
}

/**
 * The business time a running clock is known to have counted by `at` without its calendar, and
 * since when. Known exactly: `elapsedMs` when it last started running, and each milestone it has
 * passed, whose instant was computed on its own calendar as the moment that calendar's count reached
 * the milestone's share of the target (the warning at 75 % of 24 h: 18 h at `milestone.at`). The
 * latest of these by `at` is where counting on the new calendar begins.
 */
function lastKnownCount(clock: BusinessClock, at: Date): { at: Date; countedMs: number } {
  let knownAt = Date.parse(clock.runningSince ?? clock.startedAt);
  let countedMs = clock.elapsedMs;
  for (const milestone of clock.milestones) {
    const reachedAt = Date.parse(milestone.at);
    const share = Math.round((clock.targetMs * milestone.percent) / 100);
    if (reachedAt <= at.getTime() && share > countedMs) {
      knownAt = reachedAt;
      countedMs = share;
    }
  }
  return { at: new Date(knownAt), countedMs };
}

/**
 * Moves every business clock of a case that names a calendar `policy` no longer declares (renamed or
 * dropped since the clock started) onto `calendar`, which it does declare; the case's later
 * next-response clocks start on it too. Targets, outcomes and the time already counted stay: a
 * paused or stopped clock's count is exact and only its calendar changes (a reopened resolution
 * clock runs on from it). A running clock runs on from the last count known without its old
 * calendar ({@link lastKnownCount}); what it counted after that instant is approximated by the new
 * calendar's open time, because the old calendar's hours are no longer in the policy (for a rename,
 * the same hours: nothing is lost). Its due time and milestones are computed again on the new
 * calendar; their stable ids keep those that fired from firing twice. Clocks on declared calendars
 * are left as they are (a policy edit never rewrites them), and regulatory clocks run in calendar
 * time and have no business calendar to lose (42 CFR 423 subpart M): they are never touched here.
 */
export function moveOffUndeclaredCalendars(
  caseClocks: CaseClocks,
  calendar: string,
  at: Date,
  policy: Policy,
): CalendarMoves {
  const moved: CalendarMove[] = [];
  const clocks = caseClocks.clocks.map((clock): Clock => {
    if (clock.type !== 'business' || declaresCalendar(policy, clock.calendar)) return clock;
    const move = { clock: clock.id, fromCalendar: clock.calendar, toCalendar: calendar, state: clock.state };
    if (clock.state !== 'running') {
      moved.push({ ...move, countedMs: clock.elapsedMs });
      return { ...clock, calendar };
    }
    const known = lastKnownCount(clock, at);
    const running = runBusinessClock({ ...clock, calendar, elapsedMs: known.countedMs }, known.at, policy);
    moved.push({
      ...move,
      countedMs: countedSince(running, at, policy),
      ...(known.at.getTime() < at.getTime() ? { countedOnNewCalendarSince: known.at.toISOString() } : {}),
      ...(running.dueAt ? { dueAt: running.dueAt } : {}),
    });
    return clock.answeredBeforeStart
      ? { ...running, answeredBeforeStart: clock.answeredBeforeStart }
      : running;
  });
  const laterMove = !declaresCalendar(policy, caseClocks.calendar);
  return {
    clocks: { ...caseClocks, ...(laterMove ? { calendar } : {}), clocks },
    moved,
    ...(laterMove ? { laterClocks: { fromCalendar: caseClocks.calendar, toCalendar: calendar } } : {}),
  };
}

/** The member is waiting on the desk no more: pause every business clock (pend). */
export function clocksOnPend(caseClocks: CaseClocks, at: Date, policy: Policy): CaseClocks {
  return mapClocks(caseClocks, (clock) => pauseClock(clock, at, policy));
}

/** A staff reply to the member: stops the first-response and any next-response clock. */
export function clocksOnStaffReply(caseClocks: CaseClocks, at: Date, policy: Policy): CaseClocks {
  const answered = mapClocks(caseClocks, (clock) => {
    if (clock.type !== 'business' || (clock.kind !== 'firstResponse' && clock.kind !== 'nextResponse')) {
      return clock;
    }
    if (at.getTime() >= Date.parse(clock.startedAt)) return stopClock(clock, at, policy);
    // Written before the member message that started the clock (a chat greeting routed after the
    // member's first line): it answers nothing this clock measures yet, but is kept in case an
    // earlier member message moves the start back before it.
    if (clock.state !== 'running') return clock;
    const answers = [...new Set([...(clock.answeredBeforeStart ?? []), at.toISOString()])]
      .sort()
      .slice(0, 10);
    return { ...clock, answeredBeforeStart: answers };
  });
  // A member message written after this reply but routed before it is still owed an answer: only
  // when this reply is what answered the open clock (never on a case whose clocks were all stopped
  // already, a resolved one included), and only when no next-response clock covers that message.
  const laterMessage = (caseClocks.memberMessagesAt ?? []).find(
    (written) => Date.parse(written) > at.getTime(),
  );
  const isResponse = (clock: Clock) => clock.kind === 'firstResponse' || clock.kind === 'nextResponse';
  const stoppedNow = answered.clocks.some((clock, index) => {
    const before = caseClocks.clocks[index];
    return (
      isResponse(clock) && clock.state === 'stopped' && before !== undefined && before.state !== 'stopped'
    );
  });
  const open = answered.clocks.some((clock) => isResponse(clock) && clock.state !== 'stopped');
  if (!laterMessage || !stoppedNow || open) return answered;
  const covered = answered.clocks.some(
    (clock) => clock.kind === 'nextResponse' && Date.parse(clock.startedAt) >= Date.parse(laterMessage),
  );
  return covered ? answered : withNextResponse(answered, new Date(laterMessage), policy);
}

/** Starts the case's next next-response clock (`nextResponse#n`) at `from`, when the policy sets one. */
function withNextResponse(caseClocks: CaseClocks, from: Date, policy: Policy): CaseClocks {
  if (caseClocks.nextResponseTargetMs === undefined) return caseClocks;
  const sequence = caseClocks.clocks.filter((clock) => clock.kind === 'nextResponse').length + 1;
  const next = startBusinessClock(
    {
      id: `nextResponse#${sequence}`,
      kind: 'nextResponse',
      calendar: caseClocks.calendar,
      targetMs: caseClocks.nextResponseTargetMs,
    },
    from,
    policy,
  );
  return { ...caseClocks, clocks: [...caseClocks.clocks, next] };
}

/** The case is resolved (the decision is issued): every clock stops, the regulatory one included. */
export function clocksOnResolve(caseClocks: CaseClocks, at: Date, policy: Policy): CaseClocks {
  return mapClocks(caseClocks, (clock) => stopClock(clock, at, policy));
}

/**
 * A running Part D clock runs from the earliest receipt of the request on any channel (42 CFR
 * 423.568(b), 423.590): a receipt earlier than its start (a fax that arrived first but was
 * processed later, a duplicate merged into the case) starts it again from there.
 */
export function withEarlierReceipt(
  clock: RegulatoryClock,
  receivedAt: Date,
  policy: Policy,
): RegulatoryClock {
  if (clock.state !== 'running' || receivedAt.getTime() >= Date.parse(clock.startedAt)) return clock;
  return startRegulatoryClock(
    {
      kind: clock.regulatoryKind,
      variant: clock.variant,
      limit: clock.limit,
      citation: clock.citation,
      durationMs: clock.durationMs,
      ...(clock.calendarDays !== undefined ? { calendarDays: clock.calendarDays } : {}),
      assumedProgram: clock.assumedProgram,
    },
    receivedAt,
    policy,
  );
}

/**
 * A member message written before the one that opened the case (chat lines overtaken in the queue,
 * or routed by two batches at once) starts the case's first-response and resolution clocks from its
 * own receipt, as if it had arrived first; only while they have run uninterrupted since the case
 * opened (never paused or stopped: then the case's own history decides). Next-response clocks
 * answer later messages and keep their start.
 */
function withEarlierStart(clock: BusinessClock, receivedAt: Date, policy: Policy): BusinessClock {
  const uninterrupted =
    clock.state === 'running' && clock.elapsedMs === 0 && clock.runningSince === clock.startedAt;
  if (
    clock.kind === 'nextResponse' ||
    !uninterrupted ||
    receivedAt.getTime() >= Date.parse(clock.startedAt)
  ) {
    return clock;
  }
  const { id, kind, calendar, targetMs } = clock;
  const restarted = startBusinessClock({ id, kind, calendar, targetMs }, receivedAt, policy);
  const answer = (clock.answeredBeforeStart ?? []).find((at) => Date.parse(at) >= receivedAt.getTime());
  if (answer) return stopClock(restarted, new Date(answer), policy);
  return clock.answeredBeforeStart
    ? { ...restarted, answeredBeforeStart: clock.answeredBeforeStart }
    : restarted;
}

/**
 * A member message joined the case at `receivedAt`: paused clocks resume, and once the first
 * response has been given a new next-response clock starts (`nextResponse#n`) unless one is
 * already running. A message received earlier than the regulatory clock's start (a fax that
 * arrived first but was processed later) moves the regulatory start back: the clock runs from
 * the earliest receipt on any channel.
 */
export function clocksOnMemberMessage(caseClocks: CaseClocks, receivedAt: Date, policy: Policy): CaseClocks {
  // When this earlier message was answered by a staff reply routed before it, the message that
  // opened the case came after that answer: the next-response clock runs from that one.
  let answeredThenWroteAt: Date | undefined;
  const clocks = caseClocks.clocks.map((clock): Clock => {
    if (clock.type === 'regulatory') return withEarlierReceipt(clock, receivedAt, policy);
    // A message written before the clock was paused resumes it from the pause, never earlier:
    // the open time before the pause is already counted.
    const pausedAt = clock.state === 'paused' && clock.pausedAt ? Date.parse(clock.pausedAt) : Number.NaN;
    const resumeAt = pausedAt > receivedAt.getTime() ? new Date(pausedAt) : receivedAt;
    const resumed = resumeClock(clock, resumeAt, policy);
    const moved = withEarlierStart(resumed, receivedAt, policy);
    if (moved.kind === 'firstResponse' && moved.state === 'stopped' && resumed.state === 'running') {
      answeredThenWroteAt = new Date(resumed.startedAt);
    }
    return moved;
  });
  const firstResponseOpen = clocks.some(
    (clock) => clock.kind === 'firstResponse' && clock.state !== 'stopped',
  );
  const nextResponseOpen = clocks.some((clock) => clock.kind === 'nextResponse' && clock.state !== 'stopped');
  const written = [...new Set([...(caseClocks.memberMessagesAt ?? []), receivedAt.toISOString()])]
    .sort()
    .slice(-20);
  const revised: CaseClocks = { ...caseClocks, memberMessagesAt: written, clocks };
  if (firstResponseOpen || nextResponseOpen) return revised;
  return withNextResponse(revised, answeredThenWroteAt ?? receivedAt, policy);
}

/**
 * A resolved case is reopened: the resolution clock runs on from the time it had counted (the
 * member's problem was not solved, so the clock that measured it is not reset). Warnings that
 * already fired keep their ids and do not fire again. The regulatory clock stays stopped: a
 * decision was issued, and a new request about it is a new appeal level with its own clock.
 */
export function clocksOnReopen(caseClocks: CaseClocks, at: Date, policy: Policy): CaseClocks {
  return mapClocks(caseClocks, (clock) =>
    clock.type === 'business' && clock.kind === 'resolution' && clock.state === 'stopped'
      ? runBusinessClock(clock, at, policy)
      : clock,
  );
}

/** A clock that stopped in a transition: one SLA attainment data point (met or breached). */
export interface ClockOutcome {
  clockId: string;
  kind: Clock['kind'];
  breached: boolean;
  /** Business time counted (business clocks) or calendar time from receipt (regulatory). */
  elapsedMs: number;
  targetMs: number;
}

/**
 * The clocks that were not stopped in `before` and are stopped in `after`: what a use case
 * reports as SLA attainment (e.g. CloudWatch metrics) after a reply or a resolution.
 */
export function clocksStoppedBetween(before: CaseClocks, after: CaseClocks): ClockOutcome[] {
  const wasOpen = new Set(
    before.clocks.filter((clock) => clock.state !== 'stopped').map((clock) => clock.id),
  );
  return after.clocks
    .filter((clock) => clock.state === 'stopped' && wasOpen.has(clock.id))
    .map((clock) => ({
      clockId: clock.id,
      kind: clock.kind,
      breached: clock.breached ?? false,
      elapsedMs:
        clock.type === 'business'
          ? clock.elapsedMs
          : Date.parse(clock.stoppedAt ?? clock.dueAt) - Date.parse(clock.startedAt),
      targetMs:
        clock.type === 'business' ? clock.targetMs : Date.parse(clock.dueAt) - Date.parse(clock.startedAt),
    }));
}
