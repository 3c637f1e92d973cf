import { nextTimerAt } from '../sla/timers.js';
import type { Case } from './caseRecord.js';
import { slaOfClocks } from './caseSla.js';

/**
 * The case after a change, with what derives from its clocks brought up to date: its due times
 * (`sla`, which the queue orders by and staff see: a clock moved by an earlier receipt, a merge, a
 * pause and resume) and its timer-index time, the earliest of its next SLA milestone and, while
 * claimed, its lease expiry. A case with nothing pending leaves the timer index.
 */
export function withNextTimer(changed: Case): Case {
  const kase = { ...changed, sla: slaOfClocks(changed.sla, changed.clocks) };
  const milestoneAt = nextTimerAt(kase.clocks, kase.firedTimerEvents);
  const leaseAt = kase.state === 'claimed' ? kase.leaseExpiresAt : undefined;
  const next = [milestoneAt, leaseAt]
    .filter((at): at is string => at !== undefined)
    .map((at) => new Date(at).toISOString())
    .sort()[0];
  const { nextTimerAt: _previous, ...rest } = kase;
  return next ? { ...rest, nextTimerAt: next } : rest;
}
