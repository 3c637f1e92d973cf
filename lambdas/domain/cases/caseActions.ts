import type { Policy } from '../policy/policy.js';
import { businessDurationMs, PRIORITY_RANK } from '../policy/policy.js';
import { businessTargetsFor, placeByPolicy } from '../policy/routeMessage.js';
import type { CaseRevision, CaseStore, Clock, SlaMetrics } from '../ports.js';
import {
  type CaseClocks,
  clocksOnPend,
  clocksOnReopen,
  clocksOnResolve,
  clocksStoppedBetween,
  type RegulatoryClock,
  resumeClock,
  retargetBusinessClocks,
  startRegulatoryClock,
  withEarlierReceipt,
} from '../sla/clocks.js';
import { chooseRegulatoryLimit, type RegulatoryKind } from '../sla/regulatoryClocks.js';
import type { Topic } from '../triage/taxonomy.js';
import { ontoPolicyCalendars } from './caseCalendars.js';
import { caseIdFromReference } from './caseIds.js';
import type { Case, CaseEvent, CaseLink } from './caseRecord.js';
import { knownQueues } from './claimQueue.js';
import { withNextTimer } from './nextTimer.js';
import { isSupervisor, type StaffMember } from './staffMember.js';

/**
 * Every staff action on a case, as one use case: who may do it, from which states, and what it
 * changes. Each is a conditional write on the case version; a refusal writes nothing.
 */

export interface CaseActionServices {
  caseStore: CaseStore;
  clock: Clock;
  policy: Policy;
  metrics: SlaMetrics;
  /** How long a claim (and a renewal, a reassignment) holds a case. */
  leaseMs: number;
}

export type CaseActionRequest =
  /** An internal note: staff only, never sent to the member. */
  | { action: 'note'; text: string }
  /** Waiting on the member: business clocks pause (the regulatory clock never does). */
  | { action: 'pend'; reason?: string }
  | { action: 'resolve'; resolution?: string }
  /** To another declared queue; clocks keep running. */
  | { action: 'transfer'; queue: string; reason: string }
  /** Back to the queue, in the place it had. */
  | { action: 'release'; reason?: string }
  /** A resolved case, within the policy's reopen window. */
  | { action: 'reopen'; reason: string }
  /** Supervisor: this case is a duplicate of `into` (a case id or `CR-…` reference). */
  | { action: 'merge'; into: string; reason?: string }
  /** Supervisor: hand the case to another staff member. */
  | { action: 'reassign'; to: string; reason?: string }
  /** Extend the holder's lease. */
  | { action: 'renew' }
  /**
   * Correct what triage read: the topic, and whether the request is expedited. The policy's rule for
   * that classification decides queue and priority, and starts its Part D clock from the request's
   * receipt (see {@link planReclassify}).
   */
  | { action: 'reclassify'; topic: Topic; expedited?: boolean; partD?: PartDFacts; reason: string };

/** What staff tell about a Part D request that triage missed. */
export interface PartDFacts {
  /** The member asks to be paid back for a drug already bought (the 14-day limit, 42 CFR 423.568(c)); unsaid: as the running clock of the request has it, else no (the shorter limit). */
  payment?: boolean;
  /**
   * When the plan received the request, if not with the case's first message (a later message of the
   * thread, a call noted elsewhere): only a supervisor names one, since a later start lengthens the
   * deadline and an earlier one can breach it at once.
   */
  receivedAt?: string;
}

export type CaseActionName = CaseActionRequest['action'];

export type CaseActionOutcome =
  | { outcome: 'done'; case: Case }
  /** `caseId`: the case that does not exist, when it is not the one acted on (a merge target). */
  | { outcome: 'not_found'; caseId?: string }
  | { outcome: 'unknown_queue'; queue: string }
  /** Not the holder, not a supervisor. */
  | { outcome: 'forbidden'; reason: string }
  /** Not possible in the case's current state. */
  | { outcome: 'invalid_state'; case: Case; reason: string }
  /** The case changed meanwhile (or is not at the version the caller read). */
  | { outcome: 'conflict'; case: Case };

type Plan =
  | { refuse: CaseActionOutcome }
  | { revisions: CaseRevision[]; result: Case; resolved?: { before: Case; after: Case } };

const refuse = (outcome: CaseActionOutcome): Plan => ({ refuse: outcome });
const invalid = (kase: Case, reason: string): Plan =>
  refuse({ outcome: 'invalid_state', case: kase, reason });
const forbidden = (reason: string): Plan => refuse({ outcome: 'forbidden', reason });

/** The staff member works this case: they hold its claim, or it is pending with them. */
function isAssignee(kase: Case, staff: StaffMember): boolean {
  return kase.assignee === staff.id && (kase.state === 'claimed' || kase.state === 'pending');
}

/** Someone other than `staff` works this case: they hold its claim, or it is pending with them. */
export function isAssigneeOtherThan(kase: Case, staff: StaffMember): boolean {
  return (
    kase.assignee !== undefined &&
    kase.assignee !== staff.id &&
    (kase.state === 'claimed' || kase.state === 'pending')
  );
}

function mayWork(kase: Case, staff: StaffMember): boolean {
  return isAssignee(kase, staff) || isSupervisor(staff);
}

function notYours(kase: Case): Plan {
  return forbidden(
    kase.assignee
      ? `the case is held by ${kase.assignee}; only they or a supervisor can do this`
      : 'only a supervisor can do this to an unclaimed case',
  );
}

/** Removes the claim's holder and lease. */
/** The case without its holder and lease. */
export function withoutClaim(kase: Case): Case {
  const { assignee: _assignee, leaseExpiresAt: _lease, ...rest } = kase;
  return rest;
}

function withoutLease(kase: Case): Case {
  const { leaseExpiresAt: _lease, ...rest } = kase;
  return rest;
}

/** The business clocks a pend paused, running again from `at`. */
export function resumeBusinessClocks(clocks: CaseClocks, at: Date, policy: Policy): CaseClocks {
  return { ...clocks, clocks: clocks.clocks.map((clock) => resumeClock(clock, at, policy)) };
}

/** One revision of one case: version and time stamped, timers recomputed, one history event. */
function revise(
  before: Case,
  changed: Case,
  now: Date,
  staff: StaffMember,
  type: string,
  detail: Record<string, unknown>,
): CaseRevision {
  const at = now.toISOString();
  const after = withNextTimer({ ...changed, version: before.version + 1, updatedAt: at });
  const event: CaseEvent = { at, type, actor: staff.id, detail };
  return { before, after, events: [event] };
}

function single(revision: CaseRevision, resolved = false): Plan {
  return {
    revisions: [revision],
    result: revision.after,
    ...(resolved ? { resolved: { before: revision.before, after: revision.after } } : {}),
  };
}

const optional = <K extends string>(key: K, value: string | undefined) =>
  (value !== undefined ? { [key]: value } : {}) as Partial<Record<K, string>>;

function planNote(kase: Case, staff: StaffMember, text: string, now: Date): Plan {
  if (kase.assignee !== undefined && !mayWork(kase, staff) && kase.state !== 'resolved')
    return notYours(kase);
  return single(revise(kase, kase, now, staff, 'note_added', { action: 'note', text }));
}

function planPend(
  kase: Case,
  staff: StaffMember,
  reason: string | undefined,
  now: Date,
  policy: Policy,
): Plan {
  if (kase.state !== 'claimed')
    return invalid(kase, `the case is ${kase.state}; only a claimed case can be pended`);
  if (!mayWork(kase, staff)) return notYours(kase);
  const changed: Case = {
    ...withoutLease(kase),
    state: 'pending',
    clocks: clocksOnPend(kase.clocks, now, policy),
  };
  return single(
    revise(kase, changed, now, staff, 'pended', {
      action: 'pend',
      why: reason ?? 'waiting on the member',
      ...optional('reason', reason),
    }),
  );
}

function planResolve(
  kase: Case,
  staff: StaffMember,
  resolution: string | undefined,
  now: Date,
  policy: Policy,
): Plan {
  if (kase.state !== 'claimed' && kase.state !== 'pending') {
    return invalid(kase, `the case is ${kase.state}; only a claimed or pending case can be resolved`);
  }
  if (!mayWork(kase, staff)) return notYours(kase);
  const changed: Case = {
    ...withoutClaim(kase),
    state: 'resolved',
    resolvedAt: now.toISOString(),
    clocks: clocksOnResolve(kase.clocks, now, policy),
  };
  return single(
    revise(kase, changed, now, staff, 'resolved', {
      action: 'resolve',
      ...optional('resolution', resolution),
      ...(kase.assignee ? { assignee: kase.assignee } : {}),
    }),
    true,
  );
}

function planTransfer(
  kase: Case,
  staff: StaffMember,
  queue: string,
  reason: string,
  now: Date,
  policy: Policy,
): Plan {
  if (!knownQueues(policy).includes(queue)) return refuse({ outcome: 'unknown_queue', queue });
  if (kase.state === 'resolved' || kase.state === 'merged') {
    return invalid(kase, `the case is ${kase.state}; reopen it before transferring it`);
  }
  if (kase.queue === queue) return invalid(kase, `the case is already in ${queue}`);
  if (kase.state === 'queued' ? !isSupervisor(staff) : !mayWork(kase, staff)) return notYours(kase);
  const changed: Case = {
    ...withoutClaim(kase),
    queue,
    state: 'queued',
    queuedAt: now.toISOString(),
    // A pended case the desk takes back owes the member work again: its business clocks resume.
    clocks: kase.state === 'pending' ? resumeBusinessClocks(kase.clocks, now, policy) : kase.clocks,
  };
  return single(
    revise(kase, changed, now, staff, 'transferred', {
      action: 'transfer',
      from: kase.queue,
      to: queue,
      reason,
      ...(kase.assignee ? { releasedFrom: kase.assignee } : {}),
    }),
  );
}

/**
 * Back to the queue: a claimed case, or one pending with someone (its holder gives up waiting, or a
 * supervisor takes it from a person who is away), its paused business clocks running again.
 */
function planRelease(
  kase: Case,
  staff: StaffMember,
  reason: string | undefined,
  now: Date,
  policy: Policy,
): Plan {
  if (kase.state !== 'claimed' && kase.state !== 'pending')
    return invalid(kase, `the case is ${kase.state}; only a claimed or pending case can be released`);
  if (!mayWork(kase, staff)) return notYours(kase);
  // queuedAt is kept: the case returns to the place it had, and its wait for a language skill goes on.
  const changed: Case = {
    ...withoutClaim(kase),
    state: 'queued',
    ...(kase.state === 'pending' ? { clocks: resumeBusinessClocks(kase.clocks, now, policy) } : {}),
  };
  return single(
    revise(kase, changed, now, staff, 'released', {
      action: 'release',
      from: kase.assignee,
      ...optional('reason', reason),
    }),
  );
}

/** Whether a resolved case is still within the policy's reopen window at `now`. */
export function withinReopenWindow(kase: Case, now: Date, policy: Policy): boolean {
  const resolvedAt = Date.parse(kase.resolvedAt ?? kase.updatedAt);
  return now.getTime() - resolvedAt <= policy.caseRules.reopenWindowDays * 86_400_000;
}

function planReopen(kase: Case, staff: StaffMember, reason: string, now: Date, policy: Policy): Plan {
  if (kase.state !== 'resolved')
    return invalid(kase, `the case is ${kase.state}; only a resolved case can be reopened`);
  if (!withinReopenWindow(kase, now, policy)) {
    return invalid(
      kase,
      `resolved more than ${policy.caseRules.reopenWindowDays} days ago; the member's next message opens a new case linked to this one`,
    );
  }
  const changed: Case = {
    ...withoutClaim(kase),
    state: 'queued',
    queuedAt: now.toISOString(),
    clocks: clocksOnReopen(kase.clocks, now, policy),
  };
  return single(revise(kase, changed, now, staff, 'reopened', { action: 'reopen', reason }));
}

function planReassign(
  kase: Case,
  staff: StaffMember,
  to: string,
  reason: string | undefined,
  now: Date,
  leaseMs: number,
): Plan {
  if (!isSupervisor(staff)) return forbidden('only a supervisor can reassign a case');
  if (kase.state === 'resolved' || kase.state === 'merged') {
    return invalid(kase, `the case is ${kase.state}; reopen it before assigning it`);
  }
  if (kase.assignee === to && kase.state !== 'queued') return invalid(kase, `the case is already with ${to}`);
  const changed: Case =
    kase.state === 'pending'
      ? { ...kase, assignee: to }
      : {
          ...kase,
          state: 'claimed',
          assignee: to,
          leaseExpiresAt: new Date(now.getTime() + leaseMs).toISOString(),
        };
  return single(
    revise(kase, changed, now, staff, 'reassigned', {
      action: 'reassign',
      to,
      ...(kase.assignee ? { from: kase.assignee } : {}),
      ...optional('reason', reason),
    }),
  );
}

function planRenew(kase: Case, staff: StaffMember, now: Date, leaseMs: number): Plan {
  if (kase.state !== 'claimed')
    return invalid(kase, `the case is ${kase.state}; only a claim can be renewed`);
  if (!mayWork(kase, staff)) return notYours(kase);
  const leaseExpiresAt = new Date(now.getTime() + leaseMs).toISOString();
  return single(
    revise(kase, { ...kase, leaseExpiresAt }, now, staff, 'lease_renewed', {
      action: 'renew',
      holder: kase.assignee,
      leaseExpiresAt,
    }),
  );
}

/** The Part D clock a reclassification leaves on a case, and what it did to it (for the history). */
type PartDOutcome = { refuse: Plan } | { clocks: CaseClocks; detail?: Record<string, unknown> };

/**
 * The Part D clock of a case that staff reclassify as a Part D request of `kind` (42 CFR 423 subpart
 * M: the clock runs from the plan's receipt of the request, whichever channel or message carried
 * it, and never pauses). No clock yet: it starts from the case's earliest receipt (or the receipt
 * staff name). A running clock of the same request: an expedited request takes the shorter limit
 * when that ends sooner (42 CFR 423.572(a), 423.590(d), 423.564(f): 24 or 72 hours from receiving
 * the expedited request); it is never lengthened. A case holds one Part D request: a running clock
 * of another kind (triage read the request wrong) takes the named kind when that ends sooner; one that
 * would end later, or a clock already stopped, is refused, since that request is decided on its own.
 */
function partDClockOnReclassify(
  kase: Case,
  kind: RegulatoryKind,
  facts: { expedited: boolean; payment?: boolean; receivedAt?: Date },
  staff: StaffMember,
  now: Date,
  policy: Policy,
  earliest: Date,
): PartDOutcome {
  if (facts.receivedAt) {
    if (facts.receivedAt.getTime() > now.getTime())
      return { refuse: invalid(kase, 'the request cannot have been received in the future') };
    // A later start lengthens the deadline; an earlier one can breach it at once and mail the
    // supervisors: either way a judgement on the record, so a supervisor's.
    if (facts.receivedAt.getTime() !== earliest.getTime() && !isSupervisor(staff)) {
      return {
        refuse: forbidden(
          `the clock starts at the case's earliest receipt (${earliest.toISOString()}); only a supervisor can name another receipt time`,
        ),
      };
    }
  }
  const existing = kase.clocks.clocks.find((clock): clock is RegulatoryClock => clock.type === 'regulatory');
  const choice = chooseRegulatoryLimit({
    kind,
    expedited: facts.expedited,
    // Unsaid: a payment request triage found on this request stays one (42 CFR 423.568(c),
    // 423.590(b)); otherwise the shorter limit.
    paymentRequest: facts.payment ?? (existing?.regulatoryKind === kind && existing.variant === 'payment'),
    programs: kase.programs,
  });
  const described = (clock: RegulatoryClock, outcome: string) => ({
    outcome,
    kind: clock.regulatoryKind,
    variant: clock.variant,
    limit: clock.limit,
    citation: clock.citation,
    startedAt: clock.startedAt,
    dueAt: clock.dueAt,
  });
  if (!existing) {
    const started = startRegulatoryClock(choice, facts.receivedAt ?? earliest, policy);
    return {
      clocks: { ...kase.clocks, clocks: [...kase.clocks.clocks, started] },
      detail: described(started, 'started'),
    };
  }
  const replaceWith = (clock: RegulatoryClock, outcome: string): PartDOutcome => ({
    clocks: {
      ...kase.clocks,
      clocks: kase.clocks.clocks.map((other) => (other === existing ? clock : other)),
    },
    detail: { ...described(clock, outcome), replaced: described(existing, 'replaced') },
  });
  if (existing.state !== 'running') {
    return {
      refuse: invalid(
        kase,
        `the case's Part D ${existing.regulatoryKind} clock stopped at ${existing.stoppedAt ?? existing.dueAt}; a new Part D request is decided on a case of its own`,
      ),
    };
  }
  if (existing.regulatoryKind !== kind) {
    // Triage read the request as another kind (an appeal read as a complaint): the kind staff
    // name takes over when its deadline ends first, so neither reading can run late; one that ends
    // later would lengthen the case's deadline, and is a different request for a case of its own.
    const corrected = startRegulatoryClock(choice, facts.receivedAt ?? earliest, policy);
    if (Date.parse(corrected.dueAt) < Date.parse(existing.dueAt)) return replaceWith(corrected, 'rekinded');
    return {
      refuse: invalid(
        kase,
        `the case runs a Part D ${existing.regulatoryKind} clock due ${existing.dueAt}; a ${kind} is a different request with a later deadline, decided on a case of its own`,
      ),
    };
  }
  const candidate = startRegulatoryClock(choice, facts.receivedAt ?? new Date(existing.startedAt), policy);
  if (Date.parse(candidate.dueAt) < Date.parse(existing.dueAt)) return replaceWith(candidate, 'shortened');
  return { clocks: kase.clocks, detail: described(existing, 'kept') };
}

/**
 * The fired timer events after a reclassification: when the Part D clock was replaced, a milestone
 * of the new clock still ahead (a warning at 50 % of a deadline that now starts from a later receipt)
 * fires at its own time, though the old clock's milestone of the same id already fired; one the new
 * clock has already passed stays fired (its notice went out for the same request).
 */
function refiredForNewClock(kase: Case, clocks: CaseClocks, now: Date): string[] {
  const before = kase.clocks.clocks.find((clock) => clock.type === 'regulatory');
  const after = clocks.clocks.find((clock) => clock.type === 'regulatory');
  if (!after || after === before) return kase.firedTimerEvents;
  const ahead = new Set(
    after.milestones
      .filter((milestone) => Date.parse(milestone.at) > now.getTime())
      .map((milestone) => milestone.eventId),
  );
  return kase.firedTimerEvents.filter((eventId) => !ahead.has(eventId));
}

/** The business clocks whose target or calendar a retargeting changed (as written, resumed or not), for the history event. */
function businessTargetChanges(before: CaseClocks, after: CaseClocks) {
  return after.clocks.flatMap((clock, index) => {
    const was = before.clocks[index];
    if (clock.type !== 'business' || was?.type !== 'business') return [];
    if (clock.targetMs === was.targetMs && clock.calendar === was.calendar) return [];
    return [
      {
        clock: clock.id,
        fromTargetMs: was.targetMs,
        toTargetMs: clock.targetMs,
        ...(was.calendar === clock.calendar
          ? {}
          : { fromCalendar: was.calendar, toCalendar: clock.calendar }),
        ...(clock.dueAt ? { dueAt: clock.dueAt } : {}),
      },
    ];
  });
}

/**
 * Reclassify: staff set the topic (and whether it is expedited) that triage got wrong or was unsure
 * of. The policy's first matching rule decides queue and priority as it would have for a message
 * triaged so; a new queue puts the case back in line there, unclaimed, as a transfer does. When
 * that rule carries a Part D kind, its clock starts or tightens ({@link partDClockOnReclassify});
 * a running Part D clock is never stopped or lengthened by a reclassification (only resolving the
 * case stops it). Business clocks take the targets the rule sets (as a help desk re-applies its SLA
 * policy on a changed ticket: {@link retargetBusinessClocks}), counted from when they started.
 */
function planReclassify(
  kase: Case,
  staff: StaffMember,
  request: Extract<CaseActionRequest, { action: 'reclassify' }>,
  now: Date,
  policy: Policy,
  earliest: Date,
): Plan {
  if (kase.state === 'resolved' || kase.state === 'merged') {
    return invalid(kase, `the case is ${kase.state}; reopen it before reclassifying it`);
  }
  if (kase.state === 'queued' ? !isSupervisor(staff) : !mayWork(kase, staff)) return notYours(kase);
  const expedited = request.expedited ?? kase.expedited;
  const placement = placeByPolicy(
    {
      topic: request.topic,
      topicConfidence: 1,
      expedited,
      programs: kase.programs,
      language: kase.language as Parameters<typeof placeByPolicy>[0]['language'],
    },
    kase.channel,
    policy,
    // The member's country as routing saw it (members abroad). A spoofing suspicion is not carried:
    // a person reading the case and naming its topic is the review that rule asks for.
    kase.country ? { country: kase.country } : {},
    false,
  );
  const kind = placement.rule?.regulatory;
  if (request.partD?.receivedAt !== undefined && !kind) {
    return invalid(
      kase,
      `a ${request.topic} case under rule "${placement.rule?.name ?? 'none'}" is no Part D request; a receipt time applies to one only`,
    );
  }
  let clocks = kase.clocks;
  let partD: Record<string, unknown> | undefined;
  if (kind) {
    const receivedAt = request.partD?.receivedAt ? new Date(request.partD.receivedAt) : undefined;
    const outcome = partDClockOnReclassify(
      kase,
      kind,
      {
        expedited,
        ...(request.partD?.payment !== undefined ? { payment: request.partD.payment } : {}),
        ...(receivedAt ? { receivedAt } : {}),
      },
      staff,
      now,
      policy,
      earliest,
    );
    if ('refuse' in outcome) return outcome.refuse;
    clocks = outcome.clocks;
    partD = outcome.detail;
  }
  // The SLA policy is re-applied when the classification changes, not when staff confirm what triage
  // read: a case keeps the targets it was opened under until then, whatever the policy says today.
  if (request.topic !== kase.topic || expedited !== kase.expedited || kase.needsTriage) {
    const targets = businessTargetsFor(
      kase.channel,
      placement.rule,
      kase.openedOutsideChatHours === true,
      policy,
    );
    clocks = retargetBusinessClocks(
      clocks,
      {
        calendar: targets.calendar,
        firstResponseMs: businessDurationMs(targets.firstResponse),
        ...(targets.nextResponse ? { nextResponseMs: businessDurationMs(targets.nextResponse) } : {}),
        ...(targets.resolution ? { resolutionMs: businessDurationMs(targets.resolution) } : {}),
      },
      kase.firedTimerEvents,
      now,
      policy,
    );
  }
  // An SLA escalation raised the priority for the time the case has waited: priority only rises
  // (as on a merge), so the rule's priority never undoes it (the ladder's steps fire once).
  // The IRE stage's own step (`regulatory:ire-forward`, code not policy) sets urgent too.
  const escalated = kase.firedTimerEvents.some(
    (eventId) => eventId.includes(':escalation:') || eventId === 'regulatory:ire-forward',
  );
  const priority =
    escalated && PRIORITY_RANK[kase.priority] < PRIORITY_RANK[placement.priority]
      ? kase.priority
      : placement.priority;
  const moves = placement.queue !== kase.queue;
  const unchanged =
    !moves &&
    request.topic === kase.topic &&
    expedited === kase.expedited &&
    priority === kase.priority &&
    !kase.needsTriage &&
    clocks === kase.clocks;
  if (unchanged)
    return invalid(
      kase,
      `the case is already a${expedited ? 'n expedited' : ''} ${request.topic} case in ${kase.queue}`,
    );
  const reclassified: Case = {
    ...kase,
    topic: request.topic,
    expedited,
    needsTriage: false,
    priority,
    routingReason: `reclassified by staff: ${placement.reason}`,
    policyVersion: policy.version,
    clocks,
    firedTimerEvents: refiredForNewClock(kase, clocks, now),
  };
  const changed: Case = moves
    ? {
        ...withoutClaim(reclassified),
        queue: placement.queue,
        state: 'queued',
        queuedAt: now.toISOString(),
        // As on a transfer: a pended case the desk takes back owes the member work again.
        clocks: kase.state === 'pending' ? resumeBusinessClocks(clocks, now, policy) : clocks,
      }
    : reclassified;
  const slaChanges = businessTargetChanges(kase.clocks, changed.clocks);
  const as = (from: Case) => ({
    topic: from.topic,
    expedited: from.expedited,
    queue: from.queue,
    priority: from.priority,
  });
  return single(
    revise(kase, changed, now, staff, 'reclassified', {
      action: 'reclassify',
      reason: request.reason,
      from: as(kase),
      to: as(changed),
      rule: placement.reason,
      ...(partD ? { partD } : {}),
      ...(slaChanges.length > 0 ? { sla: slaChanges } : {}),
      ...(moves && kase.assignee ? { releasedFrom: kase.assignee } : {}),
    }),
  );
}

/**
 * When the case's request first reached the desk: its own receipt, a member message received
 * earlier that joined it later (a fax processed after the mail that opened the case), or earlier
 * when its Part D clock already runs from an earlier copy (a duplicate merged into it).
 */
function earliestReceiptOf(kase: Case): Date {
  const times = [
    kase.receivedAt,
    ...(kase.clocks.memberMessagesAt ?? []),
    ...kase.clocks.clocks.filter((clock) => clock.type === 'regulatory').map((clock) => clock.startedAt),
  ]
    .map((at) => Date.parse(at))
    .filter(Number.isFinite);
  return new Date(Math.min(...times));
}

/**
 * The survivor's running Part D clock after a merge (42 CFR 423 subpart M: from the earliest receipt
 * of the request on any channel): it moves back to the duplicate's earliest receipt, and when the
 * duplicate ran a stricter clock of its own (an expedited request folded into a standard one) the
 * survivor takes that limit from the same earliest start, so the merge never lengthens a deadline.
 */
function withDuplicateClocks(clocks: CaseClocks, duplicate: Case, policy: Policy): CaseClocks {
  const receipt = earliestReceiptOf(duplicate);
  const theirs = duplicate.clocks.clocks.find(
    (clock): clock is RegulatoryClock => clock.type === 'regulatory' && clock.state === 'running',
  );
  // A duplicate whose Part D request was decided (its clock stopped) is an answered request: its
  // receipt starts no other request's timeframe (42 CFR 423.568(b), 423.572(a) count from the receipt
  // of the request being decided), and moving the survivor's clock back to it would shorten or breach
  // that deadline and fire its notices early.
  const decided = !theirs && duplicate.clocks.clocks.some((clock) => clock.type === 'regulatory');
  return {
    ...clocks,
    clocks: clocks.clocks.map((clock) => {
      if (clock.type !== 'regulatory' || decided) return clock;
      const ours = withEarlierReceipt(clock, receipt, policy);
      if (!theirs || ours.state !== 'running') return ours;
      const stricter = withEarlierReceipt(theirs, new Date(ours.startedAt), policy);
      return Date.parse(stricter.dueAt) < Date.parse(ours.dueAt) ? stricter : ours;
    }),
  };
}

/** Bound on the duplicates read for one reclassification (as `MAX_MERGE_FORWARDS` bounds forwarding). */
const MAX_MERGED_DUPLICATES = 100;

/**
 * The case's earliest receipt, counting the duplicates merged into it (and into those): a merge
 * keeps the duplicate's messages on the duplicate, so a request first received there (a fax a day
 * before the mail) still starts a Part D clock that a reclassification gives the survivor.
 */
async function earliestReceiptWithMerged(kase: Case, services: CaseActionServices): Promise<Date> {
  let earliest = earliestReceiptOf(kase).getTime();
  const seen = new Set([kase.caseId]);
  const pending = (kase.links ?? []).filter((l) => l.relation === 'merged_from').map((l) => l.caseId);
  while (pending.length > 0 && seen.size <= MAX_MERGED_DUPLICATES) {
    const caseId = pending.shift() as string;
    if (seen.has(caseId)) continue;
    seen.add(caseId);
    const duplicate = await services.caseStore.getCaseRecord(caseId);
    if (!duplicate) continue;
    // A duplicate whose own Part D request was decided is an answered request: its receipt dates no
    // later request (42 CFR 423.568(b), 423.572(a) count from the receipt of the request decided), as
    // a merge already treats it (withDuplicateClocks). Its own duplicates are still followed.
    const decided =
      !runsRegulatoryClock(duplicate) && duplicate.clocks.clocks.some((clock) => clock.type === 'regulatory');
    if (!decided) earliest = Math.min(earliest, earliestReceiptOf(duplicate).getTime());
    for (const link of duplicate.links ?? []) if (link.relation === 'merged_from') pending.push(link.caseId);
  }
  return new Date(earliest);
}

const runningRegulatoryClock = (kase: Case) =>
  kase.clocks.clocks.find(
    (clock): clock is RegulatoryClock => clock.type === 'regulatory' && clock.state === 'running',
  );

const runsRegulatoryClock = (kase: Case) =>
  kase.clocks.clocks.some((clock) => clock.type === 'regulatory' && clock.state === 'running');

function link(kase: Case, caseId: string, relation: CaseLink['relation'], at: string): CaseLink[] {
  return [...(kase.links ?? []), { caseId, relation, at }];
}

function planMerge(
  duplicate: Case,
  survivor: Case,
  staff: StaffMember,
  reason: string | undefined,
  now: Date,
  policy: Policy,
): Plan {
  if (duplicate.state === 'merged')
    return invalid(duplicate, `the case was already merged into ${duplicate.mergedInto}`);
  if (survivor.state === 'merged') {
    return invalid(
      duplicate,
      `${survivor.reference} was itself merged into ${survivor.mergedInto}; merge into that case`,
    );
  }
  if (survivor.state === 'resolved')
    return invalid(duplicate, `${survivor.reference} is resolved; reopen it first`);
  if (runsRegulatoryClock(duplicate) && !runsRegulatoryClock(survivor)) {
    // Folding it away would lose a running Part D clock: the case with the clock must survive.
    return invalid(
      duplicate,
      `this case runs a Part D regulatory clock and ${survivor.reference} does not; merge the other way`,
    );
  }
  const theirs = runningRegulatoryClock(duplicate);
  const ours = runningRegulatoryClock(survivor);
  // A case holds one Part D request, decided (its clock stopped) or not: a decided grievance is as
  // much another request as a running one, and folding it in would move the survivor's clock back
  // to the grievance's receipt (withDuplicateClocks), shortening or breaching a deadline it never had.
  const theirRequest =
    theirs ?? duplicate.clocks.clocks.find((clock): clock is RegulatoryClock => clock.type === 'regulatory');
  if (theirRequest && ours && theirRequest.regulatoryKind !== ours.regulatoryKind) {
    // Different Part D requests (a grievance and a coverage determination): each has its own
    // deadline and decision, so folding one into the other would drop an obligation.
    return invalid(
      duplicate,
      `this case ${theirs ? 'runs' : 'ran'} a Part D ${theirRequest.regulatoryKind} clock and ${survivor.reference} a ${ours.regulatoryKind} clock: different requests, each decided on its own case`,
    );
  }
  const at = now.toISOString();
  const duplicateChanged: Case = {
    ...withoutClaim(duplicate),
    state: 'merged',
    mergedInto: survivor.caseId,
    links: link(duplicate, survivor.caseId, 'merged_into', at),
    clocks: clocksOnResolve(duplicate.clocks, now, policy),
  };
  const participants = [...new Set([...(survivor.participants ?? []), ...(duplicate.participants ?? [])])];
  const survivorChanged: Case = {
    ...survivor,
    links: link(survivor, duplicate.caseId, 'merged_from', at),
    priority:
      PRIORITY_RANK[duplicate.priority] < PRIORITY_RANK[survivor.priority]
        ? duplicate.priority
        : survivor.priority,
    expedited: survivor.expedited || duplicate.expedited,
    ...(participants.length > 0 ? { participants } : {}),
    unverifiedMessages: (survivor.unverifiedMessages ?? 0) + (duplicate.unverifiedMessages ?? 0) || undefined,
    clocks: withDuplicateClocks(survivor.clocks, duplicate, policy),
    // One request, one deadline: what the duplicate's Part D clock already fired (its warning, breach,
    // IRE notice) is not fired again on the survivor's, which now runs to the same or an earlier due
    // time — a second supervisor mail and a second SlaBreach for the same request.
    firedTimerEvents: theirs
      ? [
          ...new Set([
            ...survivor.firedTimerEvents,
            ...duplicate.firedTimerEvents.filter((eventId) => eventId.startsWith('regulatory:')),
          ]),
        ]
      : survivor.firedTimerEvents,
  };
  if (survivorChanged.unverifiedMessages === undefined) delete survivorChanged.unverifiedMessages;
  const why = { action: 'merge', ...optional('reason', reason) };
  const duplicateRevision = revise(duplicate, duplicateChanged, now, staff, 'merged', {
    ...why,
    into: survivor.caseId,
    ...(duplicate.assignee ? { releasedFrom: duplicate.assignee } : {}),
  });
  const survivorRevision = revise(survivor, survivorChanged, now, staff, 'merged_from', {
    ...why,
    from: duplicate.caseId,
    messages: duplicate.messageCount,
  });
  return { revisions: [duplicateRevision, survivorRevision], result: duplicateRevision.after };
}

async function plan(
  request: CaseActionRequest,
  kase: Case,
  staff: StaffMember,
  now: Date,
  services: CaseActionServices,
): Promise<Plan> {
  const { policy, leaseMs } = services;
  if (kase.state === 'merged' && request.action !== 'note') {
    return invalid(kase, `the case was merged into ${kase.mergedInto}; work on that case`);
  }
  // Agents work only their own claims: a case someone else holds is refused before the request is
  // weighed, or a non-holder would be told 404 or 409 (with the case) depending on what they sent.
  if (isAssigneeOtherThan(kase, staff) && !isSupervisor(staff)) return notYours(kase);
  switch (request.action) {
    case 'note':
      return planNote(kase, staff, request.text, now);
    case 'pend':
      return planPend(kase, staff, request.reason, now, policy);
    case 'resolve':
      return planResolve(kase, staff, request.resolution, now, policy);
    case 'transfer':
      return planTransfer(kase, staff, request.queue, request.reason, now, policy);
    case 'release':
      return planRelease(kase, staff, request.reason, now, policy);
    case 'reopen':
      return planReopen(kase, staff, request.reason, now, policy);
    case 'reassign':
      return planReassign(kase, staff, request.to, request.reason, now, leaseMs);
    case 'renew':
      return planRenew(kase, staff, now, leaseMs);
    case 'reclassify':
      return planReclassify(
        kase,
        staff,
        request,
        now,
        policy,
        await earliestReceiptWithMerged(kase, services),
      );
    case 'merge': {
      if (!isSupervisor(staff)) return forbidden('only a supervisor can merge cases');
      // Case ids and references are upper case; a supervisor may type either in lower case.
      const named = request.into.toUpperCase();
      const intoId = caseIdFromReference(named) ?? named;
      if (intoId === kase.caseId) return invalid(kase, 'a case cannot be merged into itself');
      const survivor = await services.caseStore.getCaseRecord(intoId);
      if (!survivor) return refuse({ outcome: 'not_found', caseId: intoId });
      return planMerge(kase, survivor, staff, request.reason, now, policy);
    }
  }
}

/**
 * A plan made on the case with its clocks moved onto the running policy's calendars, as written
 * against the case as stored: its revision is conditional on the stored record and records the move
 * before the action; a refusal writes nothing, so it shows the case as stored.
 */
function againstStored(
  stored: Case,
  onCalendars: ReturnType<typeof ontoPolicyCalendars>,
  decided: Plan,
): Plan {
  const moved = onCalendars.kase;
  if (moved === stored) return decided;
  if ('refuse' in decided) {
    const { refuse } = decided;
    return 'case' in refuse && refuse.case === moved ? { refuse: { ...refuse, case: stored } } : decided;
  }
  return {
    ...decided,
    revisions: decided.revisions.map((revision) =>
      revision.before === moved
        ? { ...revision, before: stored, events: [...onCalendars.events, ...revision.events] }
        : revision,
    ),
  };
}

/** Retries after a concurrent change (a sweep, a member's reply) when the caller did not pin a version. */
const ATTEMPTS = 3;

/**
 * A staff action on a case. Each attempt reads the case, decides, and writes the revision only if
 * the case is still at the version read (several cases at once for a merge); a refusal leaves
 * every case unchanged. With `ifVersion` (the version the caller last saw, If-Match style) a
 * changed case is a conflict instead of a retry.
 */
export async function actOnCase(
  request: CaseActionRequest,
  caseId: string,
  staff: StaffMember,
  services: CaseActionServices,
  options: { ifVersion?: number } = {},
): Promise<CaseActionOutcome> {
  const attempts = options.ifVersion === undefined ? ATTEMPTS : 1;
  let current = await services.caseStore.getCaseRecord(caseId);
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (!current) return { outcome: 'not_found' };
    if (options.ifVersion !== undefined && current.version !== options.ifVersion) {
      return { outcome: 'conflict', case: current };
    }
    const now = services.clock.now();
    const onCalendars = ontoPolicyCalendars(current, services.policy, { at: now, now, actor: staff.id });
    const decided = againstStored(
      current,
      onCalendars,
      await plan(request, onCalendars.kase, staff, now, services),
    );
    if ('refuse' in decided) return decided.refuse;
    const written =
      decided.revisions.length === 1 && decided.revisions[0]
        ? await services.caseStore.applyRevision(decided.revisions[0], [])
        : await services.caseStore.applyRevisions(decided.revisions, []);
    if (written === 'applied') {
      if (decided.resolved)
        reportStoppedClocks(decided.resolved.before, decided.resolved.after, services.metrics);
      return { outcome: 'done', case: decided.result };
    }
    current = await services.caseStore.getCaseRecord(caseId);
  }
  return current ? { outcome: 'conflict', case: current } : { outcome: 'not_found' };
}

/**
 * Clocks a transition stopped are SLA attainment data points, one per clock: a case resolved
 * before (reopened since) counted its resolution clock then, so resolving it again does not count
 * that clock a second time (its history keeps both resolutions).
 */
function reportStoppedClocks(before: Case, after: Case, metrics: SlaMetrics): void {
  const resolvedBefore = before.resolvedAt !== undefined;
  for (const stopped of clocksStoppedBetween(before.clocks, after.clocks)) {
    if (resolvedBefore && stopped.kind === 'resolution') continue;
    metrics.count(stopped.breached ? 'SlaMissed' : 'SlaMet', { queue: before.queue, clock: stopped.kind });
  }
}
