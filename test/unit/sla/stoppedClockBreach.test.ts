import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { loadPolicy } from '../../../lambdas/domain/policy/policy.js';
import {
  elapsedBusinessTime,
  pauseClock,
  resumeClock,
  startBusinessClock,
  stopClock,
} from '../../../lambdas/domain/sla/clocks.js';

const H = 3_600_000;
// The same policy with a closure (an outage day) added after the clock started: a calendar edit, same name.
const withClosure = loadPolicy({
  ...DEFAULT_POLICY,
  version: `${DEFAULT_POLICY.version}-closure`,
  calendars: {
    ...DEFAULT_POLICY.calendars,
    correspondence: {
      ...DEFAULT_POLICY.calendars.correspondence,
      closures: [{ date: '2026-12-04', reason: 'ice storm: desk closed' }],
    },
  },
});

describe('a stopped business clock has breached exactly when it counted its target', () => {
  it('reads met by the business time counted, whatever its stored due time (a closure added since it started)', () => {
    // Thu 3 Dec 09:00 Central, 24 h on correspondence: due Sat 5 Dec 09:00 under the policy it started on.
    const clock = startBusinessClock(
      { id: 'firstResponse', kind: 'firstResponse', calendar: 'correspondence', targetMs: 24 * H },
      new Date('2026-12-03T15:00:00.000Z'),
      DEFAULT_POLICY,
    );
    expect(clock.dueAt).toBe('2026-12-05T15:00:00.000Z');
    // Reply Sat 10:00 Central; the desk was closed all Friday (closure deployed): 11 h + 2 h counted.
    const at = new Date('2026-12-05T16:00:00.000Z');
    expect(elapsedBusinessTime(clock, at, withClosure)).toBe(13 * H);
    const stopped = stopClock(clock, at, withClosure);
    // The same history with a pause/resume in between (no time lost) reads met.
    const paused = pauseClock(clock, new Date('2026-12-03T16:00:00.000Z'), withClosure);
    const resumed = resumeClock(paused, new Date('2026-12-03T16:00:00.000Z'), withClosure);
    const stopped2 = stopClock(resumed, at, withClosure);
    expect({ a: stopped.breached, b: stopped2.breached }).toEqual({ a: false, b: false });
  });

  it('has breached when due at closing time and answered while closed, paused first or not', () => {
    // Thu 3 Dec 08:00 Central + 24 h: Thu 08-20, Fri 08-20: due Fri 20:00 (a closing time): the sweeper fires the breach.
    const clock = startBusinessClock(
      { id: 'resolution', kind: 'resolution', calendar: 'correspondence', targetMs: 24 * H },
      new Date('2026-12-03T14:00:00.000Z'),
      DEFAULT_POLICY,
    );
    expect(clock.dueAt).toBe('2026-12-05T02:00:00.000Z');
    const late = new Date('2026-12-05T03:00:00.000Z'); // Fri 21:00 Central
    expect(stopClock(clock, late, DEFAULT_POLICY).breached).toBe(true);
    const paused = pauseClock(clock, late, DEFAULT_POLICY); // pended at 21:00
    const resolved = stopClock(paused, new Date('2026-12-05T04:00:00.000Z'), DEFAULT_POLICY);
    expect(resolved.breached).toBe(true);
  });
});
