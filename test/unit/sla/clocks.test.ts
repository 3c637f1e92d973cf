import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { routeMessage } from '../../../lambdas/domain/policy/routeMessage.js';
import { addBusinessTime, businessTimeBetween } from '../../../lambdas/domain/sla/businessCalendar.js';
import {
  type CaseClocks,
  CaseClocksSchema,
  clocksOnMemberMessage,
  clocksOnPend,
  clocksOnReopen,
  clocksOnResolve,
  clocksOnStaffReply,
  clocksStoppedBetween,
  elapsedBusinessTime,
  moveOffUndeclaredCalendars,
  pauseClock,
  resumeClock,
  startBusinessClock,
  stopClock,
} from '../../../lambdas/domain/sla/clocks.js';
import { calendarOf } from '../../../lambdas/domain/sla/policyCalendars.js';
import { dueTimerEvents } from '../../../lambdas/domain/sla/timers.js';
import { memberServicesPolicy } from '../../helpers/renamedCalendar.js';
import { triageResult } from '../policy/triageResult.js';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const clock = (clocks: CaseClocks, id: string) => clocks.clocks.find((candidate) => candidate.id === id);

function openAppeal(): CaseClocks {
  // An email appeal on Wednesday 14:00 CST: first response 12 business hours, resolution 120.
  return routeMessage(
    triageResult({ topic: 'appeal' }),
    'email',
    at('2026-11-25T14:00:00-06:00'),
    DEFAULT_POLICY,
  ).clocks;
}

describe('business clocks', () => {
  it('pauses while pending on the member and resumes with the time already counted', () => {
    const opened = openAppeal();

    const pended = clocksOnPend(opened, at('2026-11-25T18:00:00-06:00'), DEFAULT_POLICY);
    const resumed = clocksOnMemberMessage(pended, at('2026-11-30T10:00:00-06:00'), DEFAULT_POLICY);

    expect(clock(pended, 'firstResponse')).toMatchObject({
      state: 'paused',
      elapsedMs: 4 * HOUR,
      milestones: [],
    });
    // 8 hours left from Monday 10:00: due Monday 18:00 CST.
    expect(clock(resumed, 'firstResponse')).toMatchObject({
      state: 'running',
      elapsedMs: 4 * HOUR,
      runningSince: '2026-11-30T16:00:00.000Z',
      dueAt: '2026-12-01T00:00:00.000Z',
    });
  });

  it('resumes from the pause, not from before it, when a message written before the pause arrives after it', () => {
    const opened = openAppeal();
    const pended = clocksOnPend(opened, at('2026-11-25T16:00:00-06:00'), DEFAULT_POLICY);
    // Written at 15:00, delivered after the 16:00 pend: the open time up to 16:00 is already counted.
    const woken = clocksOnMemberMessage(pended, at('2026-11-25T15:00:00-06:00'), DEFAULT_POLICY);
    const resolution = clock(woken, 'resolution');
    expect(resolution).toMatchObject({ state: 'running', runningSince: '2026-11-25T22:00:00.000Z' });
    if (resolution?.type !== 'business') throw new Error('expected the business resolution clock');
    expect(elapsedBusinessTime(resolution, at('2026-11-25T17:00:00-06:00'), DEFAULT_POLICY)).toBe(3 * HOUR);
  });

  it('never pauses the regulatory clock', () => {
    const opened = openAppeal();

    const pended = clocksOnPend(opened, at('2026-11-25T18:00:00-06:00'), DEFAULT_POLICY);

    expect(clock(pended, 'regulatory')).toEqual(clock(opened, 'regulatory'));
    expect(clock(pended, 'regulatory')?.state).toBe('running');
  });

  it('stops the first response on a staff reply and records whether it breached', () => {
    const replied = clocksOnStaffReply(openAppeal(), at('2026-11-27T09:00:00-06:00'), DEFAULT_POLICY);

    expect(clock(replied, 'firstResponse')).toMatchObject({
      state: 'stopped',
      elapsedMs: 7 * HOUR,
      breached: false,
    });
    expect(clock(replied, 'resolution')?.state).toBe('running');
  });

  it('starts no clock for a staff reply routed late once every response clock had stopped (a resolved case)', () => {
    // Member at 09:00, answered at 09:30, member again at 10:00, answered at 10:30, resolved at 11:00.
    let clocks = clocksOnStaffReply(openAppeal(), at('2026-11-27T09:30:00-06:00'), DEFAULT_POLICY);
    clocks = clocksOnMemberMessage(clocks, at('2026-11-27T10:00:00-06:00'), DEFAULT_POLICY);
    clocks = clocksOnStaffReply(clocks, at('2026-11-27T10:30:00-06:00'), DEFAULT_POLICY);
    const resolved = clocksOnResolve(clocks, at('2026-11-27T11:00:00-06:00'), DEFAULT_POLICY);
    // A reply written at 09:45 is routed now: the 10:00 message was answered already.
    const late = clocksOnStaffReply(resolved, at('2026-11-27T09:45:00-06:00'), DEFAULT_POLICY);

    expect(late.clocks.map((entry) => [entry.id, entry.state])).toEqual(
      resolved.clocks.map((entry) => [entry.id, entry.state]),
    );
    expect(late.clocks.every((entry) => entry.state === 'stopped')).toBe(true);
  });

  it('starts a numbered next-response clock for each member message after a reply', () => {
    const replied = clocksOnStaffReply(openAppeal(), at('2026-11-27T09:00:00-06:00'), DEFAULT_POLICY);

    const second = clocksOnMemberMessage(replied, at('2026-11-27T10:00:00-06:00'), DEFAULT_POLICY);
    const sameCycle = clocksOnMemberMessage(second, at('2026-11-27T10:05:00-06:00'), DEFAULT_POLICY);
    const thirdCycle = clocksOnMemberMessage(
      clocksOnStaffReply(sameCycle, at('2026-11-27T11:00:00-06:00'), DEFAULT_POLICY),
      at('2026-11-27T12:00:00-06:00'),
      DEFAULT_POLICY,
    );

    expect(clock(second, 'nextResponse#1')).toMatchObject({
      state: 'running',
      dueAt: '2026-11-30T16:00:00.000Z',
    });
    expect(sameCycle.clocks.filter((candidate) => candidate.kind === 'nextResponse')).toHaveLength(1);
    expect(clock(thirdCycle, 'nextResponse#1')?.state).toBe('stopped');
    expect(clock(thirdCycle, 'nextResponse#2')?.state).toBe('running');
  });

  it('moves the regulatory start back when an earlier copy arrives on another channel', () => {
    const opened = openAppeal();

    const withFax = clocksOnMemberMessage(opened, at('2026-11-24T09:00:00-06:00'), DEFAULT_POLICY);

    expect(clock(withFax, 'regulatory')).toMatchObject({
      startedAt: '2026-11-24T15:00:00.000Z',
      dueAt: '2026-12-01T15:00:00.000Z',
    });
  });

  it('stops every clock, the regulatory one included, on resolution', () => {
    const resolved = clocksOnResolve(openAppeal(), at('2026-12-03T09:00:00-06:00'), DEFAULT_POLICY);

    expect(resolved.clocks.map((candidate) => [candidate.id, candidate.state, candidate.breached])).toEqual([
      ['firstResponse', 'stopped', true],
      ['resolution', 'stopped', false],
      ['regulatory', 'stopped', true],
    ]);
    expect(dueTimerEvents(resolved, [], at('2027-01-01T00:00:00Z'))).toEqual([]);
  });

  it('measures elapsed business time without stopping the clock', () => {
    const firstResponse = clock(openAppeal(), 'firstResponse');
    if (firstResponse?.type !== 'business') throw new Error('expected a business clock');

    expect(elapsedBusinessTime(firstResponse, at('2026-11-27T10:00:00-06:00'), DEFAULT_POLICY)).toBe(
      8 * HOUR,
    );
  });

  it('round-trips through the stored schema', () => {
    const opened = clocksOnPend(openAppeal(), at('2026-11-25T18:00:00-06:00'), DEFAULT_POLICY);

    expect(CaseClocksSchema.parse(JSON.parse(JSON.stringify(opened)))).toEqual(opened);
  });

  it('runs the resolution clock on from where it stopped when the case is reopened', () => {
    const resolved = clocksOnResolve(openAppeal(), at('2026-11-27T10:00:00-06:00'), DEFAULT_POLICY);

    const reopened = clocksOnReopen(resolved, at('2026-11-30T08:00:00-06:00'), DEFAULT_POLICY);

    expect(clock(reopened, 'resolution')).toMatchObject({ state: 'running', elapsedMs: 8 * HOUR });
    expect(clock(reopened, 'regulatory')?.state).toBe('stopped');
    expect(clock(reopened, 'firstResponse')?.state).toBe('stopped');
  });

  it('counts exactly the open time of the running spans, however often it is paused', () => {
    const calendar = calendarOf(DEFAULT_POLICY, 'correspondence');
    const start = fc
      .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-01T00:00:00Z') })
      .map((ms) => new Date(ms));
    const gaps = fc.array(fc.integer({ min: 1, max: 4 * 24 * 60 }), { minLength: 1, maxLength: 7 });
    const target = fc.integer({ min: 1, max: 48 * 60 }).map((minutes) => minutes * 60_000);

    fc.assert(
      fc.property(start, gaps, target, (startedAt, gapMinutes, targetMs) => {
        let current = startBusinessClock(
          { id: 'firstResponse', kind: 'firstResponse', calendar: 'correspondence', targetMs },
          startedAt,
          DEFAULT_POLICY,
        );
        let instant = startedAt;
        let runningSince: Date | undefined = startedAt;
        let expected = 0;
        for (const gap of gapMinutes) {
          instant = new Date(instant.getTime() + gap * 60_000);
          if (runningSince) {
            expected += businessTimeBetween(calendar, runningSince, instant);
            current = pauseClock(current, instant, DEFAULT_POLICY);
            runningSince = undefined;
          } else {
            const resumed = resumeClock(current, instant, DEFAULT_POLICY);
            const remaining = targetMs - expected;
            if (resumed.type === 'business' && remaining > 0) {
              expect(resumed.dueAt).toBe(addBusinessTime(calendar, instant, remaining).toISOString());
            }
            current = resumed;
            runningSince = instant;
          }
        }
        const end = new Date(instant.getTime() + 60 * 60_000);
        if (runningSince) expected += businessTimeBetween(calendar, runningSince, end);
        const stopped = stopClock(current, end, DEFAULT_POLICY);

        expect(stopped).toMatchObject({
          state: 'stopped',
          elapsedMs: expected,
          breached: expected >= targetMs,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('reports the clocks a reply stopped, met or breached, for attainment metrics', () => {
    const opened = openAppeal();

    const replied = clocksOnStaffReply(opened, at('2026-11-27T09:00:00-06:00'), DEFAULT_POLICY);
    const resolved = clocksOnResolve(replied, at('2026-12-03T09:00:00-06:00'), DEFAULT_POLICY);

    expect(clocksStoppedBetween(opened, replied)).toEqual([
      {
        clockId: 'firstResponse',
        kind: 'firstResponse',
        breached: false,
        elapsedMs: 7 * HOUR,
        targetMs: 12 * HOUR,
      },
    ]);
    expect(
      clocksStoppedBetween(replied, resolved).map((outcome) => [outcome.clockId, outcome.breached]),
    ).toEqual([
      ['resolution', false],
      ['regulatory', true],
    ]);
  });
});

describe('moving clocks off a calendar the policy no longer declares', () => {
  // `correspondence` renamed `member-services`, now Monday to Friday 08:00-18:00 Central.
  const memberServices = memberServicesPolicy();
  const onMemberServices = calendarOf(memberServices, 'member-services');
  const TUESDAY_9 = at('2026-12-01T09:00:00-06:00');
  const openRefill = (policy = DEFAULT_POLICY) =>
    routeMessage(triageResult({ topic: 'refill' }), 'email', TUESDAY_9, policy).clocks;

  it('runs a running clock on from the last count known without its old calendar: the milestone it passed', () => {
    const opened = openRefill();
    const warning = clock(opened, 'firstResponse')?.milestones.find((each) => each.type === 'warning');
    // 75 % of 24 h: 11 h on Tuesday 09:00-20:00 and 7 more on Wednesday from 08:00.
    expect(warning?.at).toBe('2026-12-02T21:00:00.000Z');

    const moveAt = at('2026-12-02T17:00:00-06:00');
    const { clocks, moved, laterClocks } = moveOffUndeclaredCalendars(
      opened,
      'member-services',
      moveAt,
      memberServices,
    );
    // Exact up to the warning (18 h at Wednesday 15:00); the 2 h since, on the new hours.
    expect(clock(clocks, 'firstResponse')).toMatchObject({
      calendar: 'member-services',
      state: 'running',
      elapsedMs: 18 * HOUR,
      runningSince: '2026-12-02T21:00:00.000Z',
      // 6 h left from Wednesday 15:00: 15:00-18:00, then Thursday 08:00-11:00.
      dueAt: '2026-12-03T17:00:00.000Z',
    });
    // No milestone passed yet: everything since the case opened is counted on the new hours.
    const resolution = clock(clocks, 'resolution');
    expect(resolution).toMatchObject({
      calendar: 'member-services',
      elapsedMs: 0,
      runningSince: TUESDAY_9.toISOString(),
    });
    expect(resolution?.dueAt).toBe(addBusinessTime(onMemberServices, TUESDAY_9, 120 * HOUR).toISOString());
    expect(moved).toEqual([
      {
        clock: 'firstResponse',
        fromCalendar: 'correspondence',
        toCalendar: 'member-services',
        state: 'running',
        countedMs: 20 * HOUR,
        countedOnNewCalendarSince: '2026-12-02T21:00:00.000Z',
        dueAt: '2026-12-03T17:00:00.000Z',
      },
      {
        clock: 'resolution',
        fromCalendar: 'correspondence',
        toCalendar: 'member-services',
        state: 'running',
        // Tuesday 09:00-18:00 and Wednesday 08:00-17:00.
        countedMs: 18 * HOUR,
        countedOnNewCalendarSince: TUESDAY_9.toISOString(),
        dueAt: resolution?.dueAt,
      },
    ]);
    expect(laterClocks).toEqual({ fromCalendar: 'correspondence', toCalendar: 'member-services' });
    expect(clocks.calendar).toBe('member-services');
  });

  it('keeps the exact count of paused and stopped clocks and changes only their calendar; the Part D clock is left as it is', () => {
    const appeal = routeMessage(triageResult({ topic: 'appeal' }), 'email', TUESDAY_9, DEFAULT_POLICY).clocks;
    const replied = clocksOnStaffReply(appeal, at('2026-12-01T10:00:00-06:00'), DEFAULT_POLICY);
    const pended = clocksOnPend(replied, at('2026-12-01T11:00:00-06:00'), DEFAULT_POLICY);

    const { clocks, moved } = moveOffUndeclaredCalendars(
      pended,
      'member-services',
      at('2026-12-03T12:00:00-06:00'),
      memberServices,
    );
    for (const id of ['firstResponse', 'resolution']) {
      expect(clock(clocks, id)).toEqual({ ...clock(pended, id), calendar: 'member-services' });
    }
    expect(clock(clocks, 'regulatory')).toBe(clock(pended, 'regulatory'));
    expect(moved).toEqual([
      expect.objectContaining({ clock: 'firstResponse', state: 'stopped', countedMs: HOUR }),
      expect.objectContaining({ clock: 'resolution', state: 'paused', countedMs: 2 * HOUR }),
    ]);
    expect(moved.some((each) => 'countedOnNewCalendarSince' in each)).toBe(false);
  });

  it('leaves clocks on calendars the policy still declares as they are', () => {
    const onDeclared = openRefill(memberServices);
    const { clocks, moved, laterClocks } = moveOffUndeclaredCalendars(
      onDeclared,
      'member-services',
      at('2026-12-02T12:00:00-06:00'),
      memberServices,
    );
    expect(clocks).toEqual(onDeclared);
    expect(moved).toEqual([]);
    expect(laterClocks).toBeUndefined();
  });
});
