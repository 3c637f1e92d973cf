import { nextTimerAt } from '../sla/timers.js';
import type { Case } from './caseRecord.js';

/**
 * Sets the case's timer-index time: the earliest of its next SLA milestone and, while claimed,
 * its lease expiry. A case with nothing pending leaves the timer index.
 */
export function withNextTimer(kase: Case): Case {
  const milestoneAt = nextTimerAt(kase.clocks, kase.firedTimerEvents);
  const leaseAt = kase.state === 'claimed' ? kase.leaseExpiresAt : undefined;
  const next = [milestoneAt, leaseAt]
    .filter((at): at is string => at !== undefined)
    .map((at) => new Date(at).toISOString())
    .sort()[0];
  const { nextTimerAt: _previous, ...rest } = kase;
  return next ? { ...rest, nextTimerAt: next } : rest;
}
