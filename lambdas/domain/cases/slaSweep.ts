import { errorForLog } from '../errorForLog.js';
import { deliverOutbox } from '../outbound/deliverOutbox.js';
import type { Policy } from '../policy/policy.js';
import type { CaseRevision, CaseStore, Clock, Mailer, OutboxEntry, SlaMetrics } from '../ports.js';
import { planSweep, type TimerEvent } from '../sla/timers.js';
import type { Case, CaseEvent, SlaStatus } from './caseRecord.js';
import { withNextTimer } from './nextTimer.js';

export interface SweepServices {
  caseStore: CaseStore;
  clock: Clock;
  policy: Policy;
  mailer: Mailer;
  metrics: SlaMetrics;
}

export interface SweepReport {
  /** Cases the timer index returned as due: the sweep's reads grow with this, not with open cases. */
  dueCases: number;
  applied: number;
  /** Revisions another writer won (a second sweeper, a claim): nothing fired twice. */
  conflicts: number;
  events: number;
  leasesReturned: number;
  noticesSent: number;
  /**
   * Cases whose sweep failed (a write the store refused other than a lost race, a record that
   * breaks a rule): each is left for the next run, and the rest of this one went on, so one bad
   * case cannot hold back every later escalation and notice.
   */
  failed: { caseId: string; error: { name: string; message: string } }[];
}

const STATUS_RANK: Record<SlaStatus, number> = { ok: 0, at_risk: 1, breached: 2 };

function statusAfter(current: SlaStatus, events: readonly TimerEvent[]): SlaStatus {
  let status = current;
  for (const event of events) {
    const reached: SlaStatus =
      event.type === 'breach' ? 'breached' : event.type === 'warning' ? 'at_risk' : 'ok';
    if (STATUS_RANK[reached] > STATUS_RANK[status]) status = reached;
  }
  return status;
}

/** Everything one sweep does to one case, as values: the revision and the notices to send. */
export interface CaseSweep {
  revision: CaseRevision;
  notices: OutboxEntry[];
  timerEvents: TimerEvent[];
  leaseExpired: boolean;
}

/**
 * Plans one case's sweep at `now`: due warnings, breaches and escalations (each by its stable id,
 * recorded in `firedTimerEvents` in the same conditional write, so it fires once), and the return
 * of an expired claim to its queue. Undefined when nothing is due.
 */
export function planCaseSweep(kase: Case, now: Date, policy: Policy): CaseSweep | undefined {
  const plan = planSweep({
    caseClocks: kase.clocks,
    firedEventIds: kase.firedTimerEvents,
    now,
    state: { priority: kase.priority, queue: kase.queue },
    policy,
    caseLabel: kase.reference,
  });
  const leaseExpired =
    kase.state === 'claimed' &&
    kase.leaseExpiresAt !== undefined &&
    Date.parse(kase.leaseExpiresAt) <= now.getTime();
  const at = now.toISOString();
  const revised: Case = {
    ...kase,
    priority: plan.priority,
    queue: plan.queue,
    firedTimerEvents: [...kase.firedTimerEvents, ...plan.events.map(({ event }) => event.eventId)],
    slaStatus: statusAfter(
      kase.slaStatus,
      plan.events.map(({ event }) => event),
    ),
    version: kase.version + 1,
    updatedAt: at,
  };
  if (leaseExpired) {
    revised.state = 'queued';
    delete revised.assignee;
    delete revised.leaseExpiresAt;
  }
  const after = withNextTimer(revised);
  if (plan.events.length === 0 && !leaseExpired && after.nextTimerAt === kase.nextTimerAt) return undefined;

  const events: CaseEvent[] = plan.events.map(({ event, outcome }) => ({
    at,
    type: `sla_${event.type}`,
    actor: 'sla-sweeper',
    detail: {
      eventId: event.eventId,
      clock: event.clockId,
      percent: event.percent,
      scheduledAt: event.scheduledAt,
      ...(event.clockDueAt ? { dueAt: event.clockDueAt } : {}),
      ...(event.citation ? { citation: event.citation } : {}),
      ...(outcome.changes.priority ? { priority: outcome.changes.priority } : {}),
      ...(outcome.changes.queue ? { queue: outcome.changes.queue } : {}),
      ...(outcome.notify ? { notified: outcome.notify.to } : {}),
    },
  }));
  if (leaseExpired) {
    events.push({
      at,
      type: 'lease_expired',
      actor: 'sla-sweeper',
      detail: { assignee: kase.assignee, queue: after.queue },
    });
  }
  const notices: OutboxEntry[] = plan.events.flatMap(({ event, outcome }) =>
    outcome.notify
      ? [
          {
            // Stable: the notice of one event has one outbox key, however often the plan is made.
            entryId: `notice#${kase.caseId}#${event.eventId}#${event.scheduledAt}`,
            caseId: kase.caseId,
            kind: 'supervisor_notice' as const,
            mail: {
              to: outcome.notify.to,
              subject: outcome.notify.subject,
              text: outcome.notify.text,
              headers: { 'Auto-Submitted': 'auto-generated' },
            },
            createdAt: at,
          },
        ]
      : [],
  );
  return {
    revision: { before: kase, after, events },
    notices,
    timerEvents: plan.events.map(({ event }) => event),
    leaseExpired,
  };
}

const METRIC_OF: Record<TimerEvent['type'], 'SlaWarning' | 'SlaBreach' | 'SlaEscalation'> = {
  warning: 'SlaWarning',
  breach: 'SlaBreach',
  escalation: 'SlaEscalation',
};

/**
 * One run of the SLA sweeper: reads only the cases whose next timer is due (the sparse timer
 * index), fires what is due exactly once (conditional writes on the case version; two
 * overlapping sweepers cannot both win), then sends the supervisor notices from the outbox.
 */
export async function sweepSla(
  services: SweepServices,
  options: { limit?: number } = {},
): Promise<SweepReport> {
  const now = services.clock.now();
  const due = await services.caseStore.listDueTimers(now, options.limit ?? 500);
  const report: SweepReport = {
    dueCases: due.length,
    applied: 0,
    conflicts: 0,
    events: 0,
    leasesReturned: 0,
    noticesSent: 0,
    failed: [],
  };
  for (const kase of due) {
    try {
      const sweep = planCaseSweep(kase, now, services.policy);
      if (!sweep) continue;
      if ((await services.caseStore.applyRevision(sweep.revision, sweep.notices)) === 'conflict') {
        report.conflicts += 1;
        continue;
      }
      report.applied += 1;
      report.events += sweep.timerEvents.length;
      for (const event of sweep.timerEvents) {
        services.metrics.count(METRIC_OF[event.type], { queue: kase.queue, clock: event.clockKind });
      }
      if (sweep.leaseExpired) {
        report.leasesReturned += 1;
        services.metrics.count('LeaseExpired', { queue: kase.queue });
      }
    } catch (error) {
      report.failed.push({ caseId: kase.caseId, error: errorForLog(error) });
    }
  }
  // Every unsent outbox entry, not only this sweep's notices: acknowledgements and replies their request could not send.
  report.noticesSent = (await deliverOutbox(services)).sent;
  return report;
}
