import type { Policy } from '../policy/policy.js';
import type { CaseStore, Clock, SlaMetrics } from '../ports.js';
import { clocksOnPend, clocksOnResolve, clocksStoppedBetween } from '../sla/clocks.js';
import type { Case, CaseEvent } from './caseRecord.js';
import { withNextTimer } from './caseTimers.js';

export interface StaffActionServices {
  caseStore: CaseStore;
  clock: Clock;
  policy: Policy;
  metrics: SlaMetrics;
}

export type StaffActionOutcome =
  | { outcome: 'done'; case: Case }
  | { outcome: 'not_found' }
  /** Only the staff member holding the claim may act on the case. */
  | { outcome: 'not_assignee'; assignee?: string }
  | { outcome: 'invalid_state'; state: Case['state'] }
  /** The case changed while the action was being made (a sweep, a member reply): read it again. */
  | { outcome: 'conflict' };

/** Pend: the case waits on the member; business clocks pause (the regulatory clock never does). */
function pend(kase: Case, now: Date, policy: Policy): Case {
  const { leaseExpiresAt: _lease, ...rest } = kase;
  return { ...rest, state: 'pending', clocks: clocksOnPend(kase.clocks, now, policy) };
}

/** Resolve: every clock stops, the regulatory one included (the decision is issued). */
function resolve(kase: Case, now: Date, policy: Policy): Case {
  const { leaseExpiresAt: _lease, ...rest } = kase;
  return { ...rest, state: 'resolved', clocks: clocksOnResolve(kase.clocks, now, policy) };
}

const ACTIONS = { pend, resolve } as const;
export type StaffActionName = keyof typeof ACTIONS;

export function isStaffAction(name: string): name is StaffActionName {
  return Object.hasOwn(ACTIONS, name);
}

/**
 * A staff action on a claimed case, by the staff member who holds it. The revision is a
 * conditional write on the case version; clocks that stop here are SLA attainment data points.
 */
export async function actOnCase(
  action: StaffActionName,
  caseId: string,
  staffId: string,
  services: StaffActionServices,
  detail: Record<string, unknown> = {},
): Promise<StaffActionOutcome> {
  const before = await services.caseStore.getCaseRecord(caseId);
  if (!before) return { outcome: 'not_found' };
  if (before.state !== 'claimed') return { outcome: 'invalid_state', state: before.state };
  if (before.assignee !== staffId) {
    return { outcome: 'not_assignee', ...(before.assignee ? { assignee: before.assignee } : {}) };
  }
  const now = services.clock.now();
  const at = now.toISOString();
  const after = withNextTimer({
    ...ACTIONS[action](before, now, services.policy),
    version: before.version + 1,
    updatedAt: at,
  });
  const event: CaseEvent = { at, type: action === 'pend' ? 'pended' : 'resolved', actor: staffId, detail };
  if ((await services.caseStore.applyRevision({ before, after, events: [event] }, [])) === 'conflict') {
    return { outcome: 'conflict' };
  }
  for (const stopped of clocksStoppedBetween(before.clocks, after.clocks)) {
    services.metrics.count(stopped.breached ? 'SlaMissed' : 'SlaMet', {
      queue: before.queue,
      clock: stopped.kind,
    });
  }
  return { outcome: 'done', case: after };
}
