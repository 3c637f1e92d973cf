import { type Policy, PRIORITY_RANK, type Priority, PrioritySchema } from '../policy/policy.js';
import type { CaseClocks, Clock, Milestone, TimerAction } from './clocks.js';
import { IRE_FORWARD_MS } from './regulatoryClocks.js';

/** A warning, breach or escalation that is due: the sweeper records it once, by `eventId`. */
export interface TimerEvent {
  /** Stable id (`firstResponse:warning`, `regulatory:escalation:overdue`): the exactly-once key. */
  eventId: string;
  clockId: string;
  clockKind: Clock['kind'];
  type: Milestone['type'];
  step?: string;
  percent: number;
  /** When it was scheduled to fire (a late sweeper still reports the scheduled time). */
  scheduledAt: string;
  /** The clock's due time (breach), for messages and history. */
  clockDueAt?: string;
  citation?: string;
  actions: TimerAction[];
}

/**
 * The IRE stage's events (code, not policy: `ireForwardMilestones` in clocks.ts). Known by id, never by
 * step name, so a policy step that happens to be called `ire-forward` is an ordinary escalation.
 */
const IRE_EVENT_IDS: ReadonlySet<string> = new Set([
  'regulatory:ire-forward',
  'regulatory:ire-forward-overdue',
]);

function firedSet(firedEventIds: Iterable<string>): ReadonlySet<string> {
  return firedEventIds instanceof Set ? firedEventIds : new Set(firedEventIds);
}

function pendingMilestones(
  caseClocks: CaseClocks,
  fired: ReadonlySet<string>,
): { clock: Clock; milestone: Milestone }[] {
  const pending: { clock: Clock; milestone: Milestone }[] = [];
  for (const clock of caseClocks.clocks) {
    if (clock.state !== 'running') continue;
    for (const milestone of clock.milestones) {
      if (!fired.has(milestone.eventId)) pending.push({ clock, milestone });
    }
  }
  return pending.sort(
    (left, right) =>
      Date.parse(left.milestone.at) - Date.parse(right.milestone.at) ||
      left.milestone.percent - right.milestone.percent ||
      left.milestone.eventId.localeCompare(right.milestone.eventId),
  );
}

/**
 * The earliest pending warning, breach or escalation over every running clock, or `undefined`
 * when nothing is pending (all clocks paused or stopped): the case then leaves the timer index.
 */
export function nextTimerAt(caseClocks: CaseClocks, firedEventIds: Iterable<string>): string | undefined {
  return pendingMilestones(caseClocks, firedSet(firedEventIds))[0]?.milestone.at;
}

/**
 * The events due at `now` that have not fired yet, oldest first. Paused and stopped clocks have
 * no pending events, so a pause silences its warnings and a resume brings back only the ones
 * not yet fired.
 */
export function dueTimerEvents(
  caseClocks: CaseClocks,
  firedEventIds: Iterable<string>,
  now: Date,
): TimerEvent[] {
  const nowMs = now.getTime();
  return pendingMilestones(caseClocks, firedSet(firedEventIds))
    .filter(({ milestone }) => Date.parse(milestone.at) <= nowMs)
    .map(({ clock, milestone }) => ({
      eventId: milestone.eventId,
      clockId: clock.id,
      clockKind: clock.kind,
      type: milestone.type,
      ...(milestone.step !== undefined ? { step: milestone.step } : {}),
      percent: milestone.percent,
      scheduledAt: milestone.at,
      ...(clock.dueAt !== undefined ? { clockDueAt: clock.dueAt } : {}),
      ...(clock.type === 'regulatory'
        ? {
            // The IRE stage has its own basis; the other events cite the limit itself.
            citation:
              IRE_EVENT_IDS.has(milestone.eventId) && clock.ireForwardCitation
                ? clock.ireForwardCitation
                : clock.citation,
          }
        : {}),
      actions: milestone.actions,
    }));
}

/** The parts of a case an escalation can change. */
export interface EscalationState {
  priority: Priority;
  queue: string;
}

/** A supervisor notification to send (by SES) for an event. */
export interface SupervisorNotice {
  to: string[];
  subject: string;
  text: string;
}

/** What one event does: the case state after it, and the notice to send, if any. */
export interface EscalationOutcome extends EscalationState {
  changes: { priority?: { from: Priority; to: Priority }; queue?: { from: string; to: string } };
  notify?: SupervisorNotice;
}

function priorityAtRank(rank: number): Priority {
  return PrioritySchema.options.find((priority) => PRIORITY_RANK[priority] === Math.max(0, rank)) ?? 'urgent';
}

function eventLine(event: TimerEvent): string {
  if (IRE_EVENT_IDS.has(event.eventId)) {
    const due = event.clockDueAt ?? event.scheduledAt;
    const by = new Date(Date.parse(due) + IRE_FORWARD_MS).toISOString();
    const citation = event.citation ? ` (${event.citation})` : '';
    return event.eventId === 'regulatory:ire-forward'
      ? `${event.clockId} clock${citation} expired undecided at ${due}: by regulation an adverse decision; forward the request to the IRE by ${by}`
      : `${event.clockId} clock${citation} expired undecided at ${due} and the case is still open: forwarding to the IRE was due by ${by}`;
  }
  const what =
    event.type === 'warning'
      ? `is at ${event.percent}% of its target`
      : event.type === 'breach'
        ? 'has breached its target'
        : `reached escalation step "${event.step}" (${event.percent}% of its target)`;
  const citation = event.citation ? ` (${event.citation})` : '';
  return `${event.clockId} clock${citation} ${what}; due ${event.clockDueAt ?? event.scheduledAt}`;
}

/**
 * Applies one event's escalation actions to the case state: priority only ever rises, the queue
 * moves to the step's escalation queue (if the current policy still declares it), and supervisors of the case's queue (or the policy's
 * default supervisors) are to be notified. Pure: the sweeper performs the writes and sends.
 */
export function applyEscalation(
  state: EscalationState,
  event: TimerEvent,
  policy: Policy,
  caseLabel = 'case',
): EscalationOutcome {
  let { priority, queue } = state;
  let notify = false;
  let undeclaredQueue: string | undefined;
  for (const action of event.actions) {
    if (action.type === 'raisePriority') priority = priorityAtRank(PRIORITY_RANK[priority] - action.levels);
    if (action.type === 'setPriority' && PRIORITY_RANK[action.priority] < PRIORITY_RANK[priority]) {
      priority = action.priority;
    }
    if (action.type === 'moveToQueue') {
      // The ladder is a snapshot of the policy the clock started under; a queue the current policy
      // no longer declares has no view and nobody can claim from it, so the case would vanish there.
      // It stays where it is (priority still rises) and the notice, if any, says so.
      if (policy.queues[action.queue] !== undefined) queue = action.queue;
      else undeclaredQueue = action.queue;
    }
    if (action.type === 'notifySupervisors') notify = true;
  }
  const changes: EscalationOutcome['changes'] = {};
  if (priority !== state.priority) changes.priority = { from: state.priority, to: priority };
  if (queue !== state.queue) changes.queue = { from: state.queue, to: queue };
  const outcome: EscalationOutcome = { priority, queue, changes };
  if (notify) {
    const to = policy.queues[state.queue]?.supervisors ?? policy.timers.supervisors;
    outcome.notify = {
      to: [...to],
      subject: `[SLA ${event.type}${event.step ? `: ${event.step}` : ''}] ${caseLabel}: ${event.clockId}`,
      text: [
        `${caseLabel} in queue ${state.queue}: ${eventLine(event)}.`,
        changes.priority ? `Priority raised from ${changes.priority.from} to ${changes.priority.to}.` : '',
        changes.queue ? `Moved from ${changes.queue.from} to ${changes.queue.to}.` : '',
        undeclaredQueue
          ? `Kept in ${queue}: not moved to ${undeclaredQueue}, a queue the current policy (${policy.version}) does not declare.`
          : '',
      ]
        .filter(Boolean)
        .join('\n'),
    };
  }
  return outcome;
}

/** One sweep of one case: every due event in order with its outcome, the final state and the next timer. */
export interface SweepPlan extends EscalationState {
  events: { event: TimerEvent; outcome: EscalationOutcome }[];
  /** The timer index key after these events are recorded as fired; `undefined` removes the case from it. */
  nextTimerAt: string | undefined;
}

/**
 * Everything a sweeper must do for one case at `now`, as values: the due events (apply them in
 * order, each in a conditional write on its `eventId`), the resulting priority and queue, and
 * the next timer time once they are fired.
 */
export function planSweep(input: {
  caseClocks: CaseClocks;
  firedEventIds: Iterable<string>;
  now: Date;
  state: EscalationState;
  policy: Policy;
  caseLabel?: string;
}): SweepPlan {
  const fired = new Set(input.firedEventIds);
  const events: SweepPlan['events'] = [];
  let state = input.state;
  for (const event of dueTimerEvents(input.caseClocks, fired, input.now)) {
    const outcome = applyEscalation(state, event, input.policy, input.caseLabel);
    events.push({ event, outcome });
    state = { priority: outcome.priority, queue: outcome.queue };
    fired.add(event.eventId);
  }
  return { ...state, events, nextTimerAt: nextTimerAt(input.caseClocks, fired) };
}
