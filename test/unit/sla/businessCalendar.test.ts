import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import {
  addBusinessTime,
  BusinessTimeError,
  businessTimeBetween,
  compileCalendar,
  explainAddBusinessTime,
  formatExplanation,
  isOpenAt,
} from '../../../lambdas/domain/sla/businessCalendar.js';
import { type CalendarInput, CalendarSchema } from '../../../lambdas/domain/sla/calendarSchema.js';
import { calendarOf } from '../../../lambdas/domain/sla/policyCalendars.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const correspondence = calendarOf(DEFAULT_POLICY, 'correspondence');
const chat = calendarOf(DEFAULT_POLICY, 'chat');

function calendar(name: string, input: CalendarInput) {
  return compileCalendar(name, CalendarSchema.parse(input));
}

const everyDay = (intervals: [string, string][]) => ({
  mon: intervals,
  tue: intervals,
  wed: intervals,
  thu: intervals,
  fri: intervals,
  sat: intervals,
  sun: intervals,
});

const allHours = calendar('all-hours', {
  timeZone: 'America/Chicago',
  hours: everyDay([['00:00', '24:00']]),
  holidays: { set: 'none' },
});

/** Opening intervals around 01:00–03:00, where America/Chicago's DST changes happen, plus closures. */
const dstEdges = calendar('dst-edges', {
  timeZone: 'America/Chicago',
  hours: {
    ...everyDay([
      ['00:30', '01:30'],
      ['01:45', '03:15'],
      ['12:00', '24:00'],
    ]),
    wed: [],
  },
  holidays: { set: 'us-federal', observance: 'actualAndObserved' },
  closures: [
    { date: '2026-12-24', reason: 'Christmas Eve' },
    { from: '2026-03-08T07:00:00Z', to: '2026-03-08T08:10:00Z', reason: 'maintenance across the DST gap' },
    {
      from: '2026-11-01T06:00:00Z',
      to: '2026-11-01T07:20:00Z',
      reason: 'maintenance across the repeated hour',
    },
  ],
});

const calendars = [correspondence, chat, allHours, dstEdges];

describe('addBusinessTime', () => {
  it('skips Thanksgiving 2026 for an e-mail received the afternoon before', () => {
    const start = new Date('2026-11-25T14:00:00-06:00');

    const due = addBusinessTime(correspondence, start, 24 * HOUR);

    // Wed 14–20 (6 h), Thu closed, Fri 08–20 (12 h), Sat 08–14 (6 h).
    expect(due.toISOString()).toBe('2026-11-28T20:00:00.000Z');
  });

  it('skips both the observed Friday and the Saturday of Independence Day 2026', () => {
    const start = new Date('2026-07-02T19:00:00-05:00');

    const explanation = explainAddBusinessTime(correspondence, start, 2 * HOUR);

    expect(explanation.dueAt).toBe('2026-07-06T14:00:00.000Z');
    expect(explanation.days.map((day) => [day.date, day.closed])).toEqual([
      ['2026-07-02', []],
      ['2026-07-03', ['Independence Day (2026-07-04, observed; 5 U.S.C. 6103)']],
      ['2026-07-04', ['Independence Day (federal holiday, 5 U.S.C. 6103(a))']],
      ['2026-07-05', ['no opening hours on sun']],
      ['2026-07-06', []],
    ]);
  });

  it('closes only the observed Friday when the calendar observes as federal employees do', () => {
    const observedOnly = calendar('observed-only', {
      timeZone: 'America/Chicago',
      hours: { fri: [['08:00', '20:00']], sat: [['08:00', '20:00']] },
      holidays: { set: 'us-federal', observance: 'observed' },
    });

    const due = addBusinessTime(observedOnly, new Date('2026-07-03T08:00:00-05:00'), HOUR);

    expect(due.toISOString()).toBe('2026-07-04T14:00:00.000Z');
  });

  it('answers a Saturday-night chat at 07:03 CDT on the spring-forward Sunday', () => {
    const due = addBusinessTime(chat, new Date('2026-03-07T21:58:00-06:00'), 5 * MINUTE);

    expect(due.toISOString()).toBe('2026-03-08T12:03:00.000Z');
  });

  it('resumes at 08:00 CST after the fall-back weekend', () => {
    const due = addBusinessTime(correspondence, new Date('2026-10-31T19:00:00-05:00'), 2 * HOUR);

    expect(due.toISOString()).toBe('2026-11-02T15:00:00.000Z');
  });

  it('counts 23 hours on the spring-forward day and 25 on the fall-back day', () => {
    expect(
      businessTimeBetween(
        allHours,
        new Date('2026-03-08T00:00:00-06:00'),
        new Date('2026-03-09T00:00:00-05:00'),
      ),
    ).toBe(23 * HOUR);
    expect(
      businessTimeBetween(
        allHours,
        new Date('2026-11-01T00:00:00-05:00'),
        new Date('2026-11-02T00:00:00-06:00'),
      ),
    ).toBe(25 * HOUR);
  });

  it('counts only the elapsed time of an interval that spans the DST gap', () => {
    const night = calendar('night', {
      timeZone: 'America/Chicago',
      hours: { sun: [['01:00', '04:00']] },
      holidays: { set: 'none' },
    });

    expect(
      businessTimeBetween(
        night,
        new Date('2026-03-08T00:00:00-06:00'),
        new Date('2026-03-08T12:00:00-05:00'),
      ),
    ).toBe(2 * HOUR);
    expect(
      businessTimeBetween(
        night,
        new Date('2026-11-01T00:00:00-05:00'),
        new Date('2026-11-01T12:00:00-06:00'),
      ),
    ).toBe(4 * HOUR);
  });

  it('opens and closes at the spring-forward change for hours that start or end inside the DST gap', () => {
    // 2026-03-08 in Los Angeles: 02:00 PST jumps to 03:00 PDT, so 02:00–02:59 never shows on a clock.
    const lateNight = calendar('late-night', {
      timeZone: 'America/Los_Angeles',
      hours: { sun: [['02:30', '06:00']] },
      holidays: { set: 'none' },
    });
    // At 03:10 PDT the wall clock reads 03:10, inside 02:30–06:00: open, and open from 03:00 PDT.
    expect(isOpenAt(lateNight, new Date('2026-03-08T03:10:00-07:00'))).toBe(true);
    expect(
      businessTimeBetween(
        lateNight,
        new Date('2026-03-08T00:00:00-08:00'),
        new Date('2026-03-09T00:00:00-07:00'),
      ),
    ).toBe(3 * HOUR);

    // New York, same day: 00:00–02:30 closes at the change (02:00 EST = 03:00 EDT), 02:45–06:00
    // opens there: 2 h + 3 h, and 03:35 EDT is open.
    const split = calendar('split-night', {
      timeZone: 'America/New_York',
      hours: {
        sun: [
          ['00:00', '02:30'],
          ['02:45', '06:00'],
        ],
      },
      holidays: { set: 'none' },
    });
    expect(isOpenAt(split, new Date('2026-03-08T03:35:00-04:00'))).toBe(true);
    expect(
      businessTimeBetween(
        split,
        new Date('2026-03-08T00:00:00-05:00'),
        new Date('2026-03-09T00:00:00-04:00'),
      ),
    ).toBe(5 * HOUR);
    expect(
      addBusinessTime(split, new Date('2026-03-08T00:00:00-05:00'), 2 * HOUR + MINUTE).toISOString(),
    ).toBe('2026-03-08T07:01:00.000Z');
  });

  it('honours several intervals a day and partial closures', () => {
    const split = calendar('split', {
      timeZone: 'America/Chicago',
      hours: {
        mon: [
          ['08:00', '12:00'],
          ['13:00', '17:00'],
        ],
      },
      holidays: { set: 'none' },
      closures: [{ from: '2026-12-07T09:00:00-06:00', to: '2026-12-07T10:00:00-06:00', reason: 'all-hands' }],
    });

    const explanation = explainAddBusinessTime(split, new Date('2026-12-07T08:00:00-06:00'), 5 * HOUR);

    expect(explanation.dueAt).toBe('2026-12-07T21:00:00.000Z');
    expect(explanation.days[0]?.closed).toEqual(['closure: all-hands']);
    expect(explanation.days[0]?.counted.map((period) => period.ms)).toEqual([HOUR, 2 * HOUR, 2 * HOUR]);
  });

  it('returns the start for a zero duration and rejects a negative one', () => {
    const start = new Date('2026-11-26T12:00:00Z');

    expect(addBusinessTime(correspondence, start, 0)).toEqual(start);
    expect(() => addBusinessTime(correspondence, start, -1)).toThrow(BusinessTimeError);
    expect(() => addBusinessTime(correspondence, start, Number.NaN)).toThrow(BusinessTimeError);
  });

  it('explains the arithmetic in local time, naming the holiday it skipped', () => {
    const lines = formatExplanation(
      explainAddBusinessTime(correspondence, new Date('2026-11-25T14:00:00-06:00'), 24 * HOUR),
    );

    expect(lines).toEqual([
      'calendar correspondence (America/Chicago): 24h of business time from 2026-11-25T20:00:00.000Z (Wed 2026-11-25 14:00 CST)',
      '  wed 2026-11-25  counted 14:00–20:00 (6h)',
      '  thu 2026-11-26  skipped: Thanksgiving Day (federal holiday, 5 U.S.C. 6103(a))',
      '  fri 2026-11-27  counted 08:00–20:00 (12h)',
      '  sat 2026-11-28  counted 08:00–14:00 (6h)',
      'due 2026-11-28T20:00:00.000Z (Sat 2026-11-28 14:00 CST)',
    ]);
  });
});

describe('calendar schema', () => {
  it('rejects overlapping intervals, an unknown zone and a calendar that never opens, all at once', () => {
    const result = CalendarSchema.safeParse({
      timeZone: 'America/Chicagoo',
      hours: {
        mon: [
          ['08:00', '12:00'],
          ['11:00', '13:00'],
        ],
        tue: [['10:00', '09:00']],
      },
      holidays: { set: 'us-federal' },
    });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(
      expect.arrayContaining(['timeZone', 'hours.mon.1', 'hours.tue.0']),
    );
    expect(
      CalendarSchema.safeParse({ timeZone: 'UTC', hours: {}, holidays: { set: 'none' } }).error?.issues[0]
        ?.message,
    ).toBe('the calendar is never open');
  });
});

describe('business-time arithmetic (properties)', () => {
  const instant = fc
    .integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2028-12-31T00:00:00Z') })
    .map((ms) => new Date(ms));
  const duration = fc.integer({ min: 1, max: 200 * 60 }).map((minutes) => minutes * MINUTE);
  const anyCalendar = fc.constantFrom(...calendars);

  it('measures back exactly the duration it added', () => {
    fc.assert(
      fc.property(anyCalendar, instant, duration, (cal, start, ms) => {
        expect(businessTimeBetween(cal, start, addBusinessTime(cal, start, ms))).toBe(ms);
      }),
      { numRuns: 400 },
    );
  });

  it('never puts a due time inside a closed period', () => {
    fc.assert(
      fc.property(anyCalendar, instant, duration, (cal, start, ms) => {
        const due = addBusinessTime(cal, start, ms);
        // Open just before the due time: the due time is in open hours or exactly at a closing time.
        expect(isOpenAt(cal, new Date(due.getTime() - 1))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('adds in steps the same as in one go', () => {
    fc.assert(
      fc.property(anyCalendar, instant, duration, duration, (cal, start, first, second) => {
        const stepwise = addBusinessTime(cal, addBusinessTime(cal, start, first), second);
        expect(stepwise).toEqual(addBusinessTime(cal, start, first + second));
      }),
      { numRuns: 300 },
    );
  });

  it('splits a measured span at any point in between', () => {
    fc.assert(
      fc.property(anyCalendar, instant, duration, duration, (cal, from, firstGap, secondGap) => {
        const middle = new Date(from.getTime() + firstGap * 7);
        const to = new Date(middle.getTime() + secondGap * 7);
        expect(businessTimeBetween(cal, from, middle) + businessTimeBetween(cal, middle, to)).toBe(
          businessTimeBetween(cal, from, to),
        );
        expect(businessTimeBetween(cal, to, from)).toBe(-businessTimeBetween(cal, from, to));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the properties on the DST-change weekends of America/Chicago', () => {
    const dstWeekend = fc
      .constantFrom(
        '2026-03-07T00:00:00-06:00',
        '2026-10-31T00:00:00-05:00',
        '2027-03-13T00:00:00-06:00',
        '2027-11-06T00:00:00-05:00',
      )
      .chain((base) =>
        fc
          .integer({ min: 0, max: 48 * 60 - 1 })
          .map((minutes) => new Date(Date.parse(base) + minutes * MINUTE)),
      );
    fc.assert(
      fc.property(anyCalendar, dstWeekend, fc.integer({ min: 1, max: 30 * 60 }), (cal, start, minutes) => {
        const due = addBusinessTime(cal, start, minutes * MINUTE);
        expect(businessTimeBetween(cal, start, due)).toBe(minutes * MINUTE);
        expect(isOpenAt(cal, new Date(due.getTime() - 1))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});
