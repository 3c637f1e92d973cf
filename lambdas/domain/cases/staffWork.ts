import type { Policy } from '../policy/policy.js';
import type { CaseStore, Clock } from '../ports.js';
import type { Case, CaseView, QueueSummary } from './caseRecord.js';
import { SUSPENDED_QUEUE } from './recordInbound.js';

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

/** Claim-next: the head of the queue goes to exactly one caller, under a lease. */
export async function claimNextCase(
  queue: string,
  staffId: string,
  services: StaffWorkServices,
): Promise<ClaimOutcome> {
  if (!knownQueues(services.policy).includes(queue)) return { outcome: 'unknown_queue', queue };
  const claimed = await services.caseStore.claimNext({
    queue,
    staffId,
    now: services.clock.now(),
    leaseMs: services.leaseMs,
  });
  return claimed ? { outcome: 'claimed', case: claimed } : { outcome: 'empty' };
}

export function viewCase(caseId: string, services: StaffWorkServices): Promise<CaseView | undefined> {
  return services.caseStore.getCase(caseId);
}
