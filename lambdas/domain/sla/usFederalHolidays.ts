import { once } from '../once.js';
import * as z from '../zodMini.js';
import holidayTableJson from './us-federal-holidays.json' with { type: 'json' };

/** One of the eleven legal public holidays of 5 U.S.C. 6103(a), as a day off. */
export interface FederalHoliday {
  /** The civil date that is a day off, `YYYY-MM-DD`. */
  date: string;
  /** The statutory name (5 U.S.C. 6103(a)). */
  name: string;
  /** The date the holiday itself falls on; differs from `date` on an observed (moved) day. */
  actualDate: string;
  /** True when `date` is the weekday observed instead of a Saturday or Sunday. */
  observed: boolean;
}

/** Raised for a year outside the generated holiday table: fail loudly rather than assume no holidays. */
export class HolidayRangeError extends Error {
  override readonly name = 'HolidayRangeError';
}

const HolidayTableSchema = z.object({
  source: z.string(),
  fromYear: z.int(),
  toYear: z.int(),
  years: z.record(
    z.string().check(z.regex(/^\d{4}$/)),
    z.record(z.string().check(z.minLength(1)), z.iso.date()),
  ),
});

/**
 * Generated from `date-holidays` by `holidayTable.ts` (see there); bundled, so no library load at
 * run time. Parsed on first use, not at module load: the functions that never compute a business
 * clock (the staff API's reads, ingest) bundle this module too.
 */
const table = once(() => HolidayTableSchema.parse(holidayTableJson));
const daysOffByYear = new Map<number, readonly FederalHoliday[]>();

/** The statutory holidays on the dates they fall on in `year` (no weekend shift). */
export function usFederalHolidayDates(year: number): readonly { name: string; date: string }[] {
  const dates = table().years[String(year)];
  if (!dates) {
    throw new HolidayRangeError(
      `no US federal holiday data for ${year} (table covers ${table().fromYear}–${table().toYear}; regenerate it, see holidayTable.ts)`,
    );
  }
  return Object.entries(dates).map(([name, date]) => ({ name, date }));
}

function shiftDays(date: string, days: number): string {
  const shifted = new Date(`${date}T00:00:00Z`);
  shifted.setUTCDate(shifted.getUTCDate() + days);
  return shifted.toISOString().slice(0, 10);
}

function datesNear(year: number): { name: string; date: string }[] {
  // A holiday of the next or previous year can be observed in this one (New Year's Day on a Saturday).
  return [year - 1, year, year + 1].flatMap((candidate) =>
    candidate < table().fromYear || candidate > table().toYear ? [] : usFederalHolidayDates(candidate),
  );
}

/**
 * The federal holiday days off whose date falls in `year`, with the weekend rule applied:
 * a holiday on a Saturday is observed the Friday before (5 U.S.C. 6103(b)(1)), one on a Sunday
 * the Monday after (Executive Order 11582, sec. 3(a)). So New Year's Day 2022 (a Saturday) is
 * observed on Friday 2021-12-31, and appears in the list for 2021.
 *
 * The dates come from `date-holidays` (through the generated table); the observed days are
 * computed here rather than taken from the library, because version 3.37.0 has no substitute
 * day for Veterans Day (2028-11-11 is a Saturday, 2029-11-11 a Sunday).
 */
export function usFederalHolidays(year: number): readonly FederalHoliday[] {
  const cached = daysOffByYear.get(year);
  if (cached) return cached;
  usFederalHolidayDates(year);
  const days: FederalHoliday[] = [];
  for (const { name, date } of datesNear(year)) {
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    const shift = weekday === 6 ? -1 : weekday === 0 ? 1 : 0;
    const dayOff = shiftDays(date, shift);
    if (Number(dayOff.slice(0, 4)) !== year) continue;
    days.push({ date: dayOff, name, actualDate: date, observed: shift !== 0 });
  }
  days.sort((left, right) => left.date.localeCompare(right.date));
  daysOffByYear.set(year, days);
  return days;
}
