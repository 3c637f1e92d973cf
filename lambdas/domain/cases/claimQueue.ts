import { languageFit } from '../policy/languageSkills.js';
import { type Policy, PRIORITY_RANK } from '../policy/policy.js';
import type { CaseStore, Clock, QueueEntry, QueueRules, QueueTally } from '../ports.js';
import { type Case, type CaseEvent, type QueueSummary, SUSPENDED_QUEUE } from './caseRecord.js';
import { withNextTimer } from './nextTimer.js';
import type { StaffMember } from './staffMember.js';

/**
 * The rules of a queue: the order in which it serves cases, what a case counts toward in the
 * queue's figures, and which case claim-next gives to whom. The store is told these rules; it
 * only reads and writes what they decide.
 */

export interface ClaimServices {
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

/** Where a case with no clock running sorts within its priority: after every case that has a deadline. */
const NO_DEADLINE = '9999-12-31T23:59:59.999Z';

/**
 * The deadline a case faces now, which the queue orders by: the earliest due time of a clock still
 * running (a next response included), read from the clocks themselves (the `sla` summary keeps a
 * stopped clock's last due time); none running (a chat answered and released) sorts last.
 */
export function earliestDue(kase: Pick<QueueEntry, 'clocks'>): string {
  const running = kase.clocks.clocks
    .filter((clock) => clock.state === 'running' && clock.dueAt !== undefined)
    .map((clock) => new Date(clock.dueAt ?? '').toISOString())
    .sort();
  return running[0] ?? NO_DEADLINE;
}

/**
 * Queue order: priority, then the deadline the case faces now ({@link earliestDue}: the next due time
 * of a running clock, as "next SLA breach" sorts in Zendesk; a first response met long ago no longer
 * puts a woken case ahead), then age (receipt), then the case id so the order is total. A released
 * case sorts back into the place it had.
 */
export function queueOrderKey(kase: QueueEntry): string {
  return `${PRIORITY_RANK[kase.priority]}#${earliestDue(kase)}#${new Date(kase.receivedAt).toISOString()}#${kase.caseId}`;
}

/**
 * What a case counts toward: a queued case toward its queue's depth and oldest; an open case
 * (not resolved, not merged) toward at-risk or breached by its SLA status.
 */
export function queueTally(kase: Case): QueueTally | undefined {
  const open = kase.state !== 'resolved' && kase.state !== 'merged';
  const tally: QueueTally = {
    queue: kase.queue,
    waiting: kase.state === 'queued',
    atRisk: open && kase.slaStatus === 'at_risk',
    breached: open && kase.slaStatus === 'breached',
  };
  return tally.waiting || tally.atRisk || tally.breached ? tally : undefined;
}

export const QUEUE_RULES: QueueRules = { orderKey: queueOrderKey, tally: queueTally };

export function listQueues(services: Pick<ClaimServices, 'caseStore' | 'policy'>): Promise<QueueSummary[]> {
  return services.caseStore.listQueues(knownQueues(services.policy));
}

/**
 * Whether a claimer may take a case now: they read its language, or anyone can (English or
 * undetermined), or it has waited past the policy's relaxation timeout for someone who reads it.
 * Returns the language fit (2 reads it, 1 anyone) or undefined when not yet.
 */
function claimFit(kase: QueueEntry, staff: StaffMember, now: Date, policy: Policy): 1 | 2 | undefined {
  const fit = languageFit(kase.language, staff.languages);
  if (fit > 0) return fit as 1 | 2;
  const waitingSince = Date.parse(kase.queuedAt ?? kase.receivedAt);
  const relaxAfterMs = policy.caseRules.languageRelaxMinutes * 60_000;
  return now.getTime() - waitingSince >= relaxAfterMs ? 1 : undefined;
}

/**
 * Claim-next's choice for one claimer among the head of a queue (in queue order), as tiers, best
 * first. Priority always comes first, so no case is passed over for one of lower priority; within a
 * priority, a case in a language the claimer reads comes before one anyone could take, so a
 * Spanish case goes to a Spanish speaker first. Due time and age order the rest, but a tier is
 * one priority and fit: concurrent claimers spread over it instead of racing for its first case.
 *
 * When the head does not reach past its last priority (`complete` false and only one priority
 * seen), the tiers still hold: every case of a higher priority was in the head.
 */
export function claimTiers(
  head: readonly QueueEntry[],
  staff: StaffMember,
  now: Date,
  policy: Policy,
): QueueEntry[][] {
  const tiers = new Map<string, QueueEntry[]>();
  for (const kase of head) {
    if (kase.state !== 'queued') continue;
    const fit = claimFit(kase, staff, now, policy);
    if (fit === undefined) continue;
    const tier = `${PRIORITY_RANK[kase.priority]}#${2 - fit}`;
    const members = tiers.get(tier) ?? [];
    members.push(kase);
    tiers.set(tier, members);
  }
  return [...tiers.entries()].sort(([left], [right]) => left.localeCompare(right)).map(([, cases]) => cases);
}

/** The head of the queue as claimed by `staff`: held under a lease whose expiry is a timer. */
export function claimRevision(
  head: Case,
  staff: StaffMember,
  now: Date,
  leaseMs: number,
): { after: Case; events: CaseEvent[] } {
  const at = now.toISOString();
  const leaseExpiresAt = new Date(now.getTime() + leaseMs).toISOString();
  const after = withNextTimer({
    ...head,
    state: 'claimed',
    assignee: staff.id,
    leaseExpiresAt,
    version: head.version + 1,
    updatedAt: at,
  });
  return {
    after,
    events: [
      {
        at,
        type: 'claimed',
        actor: staff.id,
        detail: {
          action: 'claim',
          queue: head.queue,
          leaseExpiresAt,
          why: 'claim-next: first of the queue for this staff member',
          language: head.language,
        },
      },
    ],
  };
}

export type ClaimOutcome =
  | { outcome: 'claimed'; case: Case }
  | { outcome: 'empty' }
  | { outcome: 'unknown_queue'; queue: string };

/** Claim-next: one case of the queue goes to exactly one caller, under a lease. */
export async function claimNextCase(
  queue: string,
  staff: StaffMember,
  services: ClaimServices,
): Promise<ClaimOutcome> {
  if (!knownQueues(services.policy).includes(queue)) return { outcome: 'unknown_queue', queue };
  const now = services.clock.now();
  const claimed = await services.caseStore.claimNext({
    queue,
    choose: (head) => claimTiers(head, staff, now, services.policy),
    take: (head) => claimRevision(head, staff, now, services.leaseMs),
  });
  return claimed ? { outcome: 'claimed', case: claimed } : { outcome: 'empty' };
}
