import { describe, expect, it } from 'vitest';
import { buildHolidayTable } from '../../../lambdas/domain/sla/holidayTable.js';
import holidayTableJson from '../../../lambdas/domain/sla/us-federal-holidays.json' with { type: 'json' };
import {
  HolidayRangeError,
  usFederalHolidayDates,
  usFederalHolidays,
} from '../../../lambdas/domain/sla/usFederalHolidays.js';

const datesOf = (year: number) => usFederalHolidays(year).map((holiday) => holiday.date);

describe('usFederalHolidays', () => {
  it('lists the eleven 2026 days off, with Independence Day observed on Friday July 3', () => {
    expect(datesOf(2026)).toEqual([
      '2026-01-01',
      '2026-01-19',
      '2026-02-16',
      '2026-05-25',
      '2026-06-19',
      '2026-07-03',
      '2026-09-07',
      '2026-10-12',
      '2026-11-11',
      '2026-11-26',
      '2026-12-25',
    ]);
    expect(usFederalHolidays(2026).find((holiday) => holiday.date === '2026-07-03')).toEqual({
      date: '2026-07-03',
      name: 'Independence Day',
      actualDate: '2026-07-04',
      observed: true,
    });
  });

  it('puts Thanksgiving 2026 on Thursday November 26', () => {
    expect(usFederalHolidays(2026).find((holiday) => holiday.name === 'Thanksgiving Day')?.date).toBe(
      '2026-11-26',
    );
  });

  it.each([
    ['a Sunday Independence Day on the Monday after', 2027, '2027-07-05', '2027-07-04'],
    ['a Saturday Christmas on the Friday before', 2027, '2027-12-24', '2027-12-25'],
    ['a Sunday Juneteenth on the Monday after', 2022, '2022-06-20', '2022-06-19'],
    ['a Sunday New Year on the Monday after', 2023, '2023-01-02', '2023-01-01'],
    [
      'a Saturday Veterans Day on the Friday before, which the library misses',
      2028,
      '2028-11-10',
      '2028-11-11',
    ],
    ['a Sunday Veterans Day on the Monday after, which the library misses', 2029, '2029-11-12', '2029-11-11'],
  ])('observes %s', (_label, year, observedDate, actualDate) => {
    const holiday = usFederalHolidays(year).find((candidate) => candidate.date === observedDate);

    expect(holiday).toMatchObject({ observed: true, actualDate });
    expect(datesOf(year)).not.toContain(actualDate);
  });

  it('observes a Saturday New Year on the last Friday of the year before', () => {
    expect(usFederalHolidays(2021).find((holiday) => holiday.date === '2021-12-31')).toMatchObject({
      name: "New Year's Day",
      actualDate: '2022-01-01',
      observed: true,
    });
    expect(datesOf(2021)).toHaveLength(12);
    expect(datesOf(2022)).toHaveLength(10);
  });

  it('returns exactly the eleven statutory holidays from 2021 on and ten before Juneteenth existed', () => {
    for (const year of [2021, 2024, 2025, 2026, 2030, 2040])
      expect(usFederalHolidayDates(year)).toHaveLength(11);
    expect(usFederalHolidayDates(2020)).toHaveLength(10);
  });

  it('leaves Inauguration Day out (5 U.S.C. 6103(c) covers only the Washington area)', () => {
    const names = [2025, 2029].flatMap((year) => usFederalHolidays(year).map((holiday) => holiday.name));

    expect(names.some((name) => /inauguration/i.test(name))).toBe(false);
    expect(datesOf(2029)).not.toContain('2029-01-19');
  });
});

describe('the generated holiday table', () => {
  it('equals what the installed date-holidays library gives, so the library stays the source', () => {
    expect(holidayTableJson).toEqual(buildHolidayTable(holidayTableJson.fromYear, holidayTableJson.toYear));
  });

  it('refuses a year it does not cover instead of assuming no holidays', () => {
    expect(() => usFederalHolidays(2100)).toThrow(HolidayRangeError);
  });
});
