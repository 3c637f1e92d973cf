import type { Policy } from '../policy/policy.js';
import type { CaseStore, Clock } from '../ports.js';
import {
  type Case,
  type CaseEvent,
  type CaseView,
  type QueueSummary,
  SUSPENDED_QUEUE,
} from './caseRecord.js';
import { withNextTimer } from './caseTimers.js';

export interface StaffWorkServices {
  caseStore: CaseStore;
  clock: Clock;
  policy: Policy;
  /** How long a claim holds a case before it returns to its queue. */
  leaseMs: number;
}

/** Every queue the policy declares, plus the suspended queue for automated mail. */
export function knownQueues(policy: Policy): string[] {
  return [...new Set([...Object.keys(policy.queues), SUSPENDED_QUEUE])];
}

export function listQueues(services: StaffWorkServices): Promise<QueueSummary[]> {
  return services.caseStore.listQueues(knownQueues(services.policy));
}

export type ClaimOutcome =
  | { outcome: 'claimed'; case: Case }
  | { outcome: 'empty' }
  | { outcome: 'unknown_queue'; queue: string };

/** The head of a queue as claimed by `staffId`: held under a lease whose expiry is a timer. */
export function claimRevision(
  head: Case,
  staffId: string,
  now: Date,
  leaseMs: number,
): { after: Case; events: CaseEvent[] } {
  const at = now.toISOString();
  const leaseExpiresAt = new Date(now.getTime() + leaseMs).toISOString();
  const after = withNextTimer({
    ...head,
    state: 'claimed',
    assignee: staffId,
    leaseExpiresAt,
    version: head.version + 1,
    updatedAt: at,
  });
  return {
    after,
    events: [{ at, type: 'claimed', actor: staffId, detail: { queue: head.queue, leaseExpiresAt } }],
  };
}

/** Claim-next: the head of the queue goes to exactly one caller, under a lease. */
export async function claimNextCase(
  queue: string,
  staffId: string,
  services: StaffWorkServices,
): Promise<ClaimOutcome> {
  if (!knownQueues(services.policy).includes(queue)) return { outcome: 'unknown_queue', queue };
  const now = services.clock.now();
  const claimed = await services.caseStore.claimNext({
    queue,
    take: (head) => claimRevision(head, staffId, now, services.leaseMs),
  });
  return claimed ? { outcome: 'claimed', case: claimed } : { outcome: 'empty' };
}

export function viewCase(caseId: string, services: StaffWorkServices): Promise<CaseView | undefined> {
  return services.caseStore.getCase(caseId);
}
