import Holidays from 'date-holidays';

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

/** Raised when the holiday library no longer yields exactly the statutory holidays: fail loudly, never guess. */
export class HolidayDataError extends Error {
  override readonly name = 'HolidayDataError';
}

interface StatutoryHoliday {
  name: string;
  month: number;
  /** Matches the library's English name; the library spells some names differently by locale. */
  pattern: RegExp;
  /** Fixed-date holidays are checked against the statute, not only the library. */
  fixedDay?: number;
  since?: number;
}

/**
 * The eleven legal public holidays of 5 U.S.C. 6103(a). Inauguration Day (6103(c)) is not one of
 * them: it is a holiday only for federal employees in the Washington, D.C. area.
 */
const STATUTORY_HOLIDAYS: readonly StatutoryHoliday[] = [
  { name: "New Year's Day", month: 1, pattern: /^new year'?s day$/i, fixedDay: 1 },
  { name: 'Birthday of Martin Luther King, Jr.', month: 1, pattern: /martin luther king/i },
  { name: "Washington's Birthday", month: 2, pattern: /washington/i },
  { name: 'Memorial Day', month: 5, pattern: /^memorial day$/i },
  {
    name: 'Juneteenth National Independence Day',
    month: 6,
    pattern: /^juneteenth$/i,
    fixedDay: 19,
    since: 2021,
  },
  { name: 'Independence Day', month: 7, pattern: /^independence day$/i, fixedDay: 4 },
  { name: 'Labor Day', month: 9, pattern: /^labou?r day$/i },
  { name: 'Columbus Day', month: 10, pattern: /^columbus day$/i },
  { name: 'Veterans Day', month: 11, pattern: /^veterans day$/i, fixedDay: 11 },
  { name: 'Thanksgiving Day', month: 11, pattern: /^thanksgiving day$/i },
  { name: 'Christmas Day', month: 12, pattern: /^christmas day$/i, fixedDay: 25 },
];

const library = new Holidays('US');
const actualDatesByYear = new Map<number, readonly { name: string; date: string }[]>();
const daysOffByYear = new Map<number, readonly FederalHoliday[]>();

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

function civil(year: number, month: number, day: number): string {
  return `${year}-${pad(month)}-${pad(day)}`;
}

/**
 * The dates the holidays themselves fall on in `year`, taken from `date-holidays` (maintained
 * rules for the floating Mondays and Thursdays) and checked against the statute.
 */
function actualDates(year: number): readonly { name: string; date: string }[] {
  const cached = actualDatesByYear.get(year);
  if (cached) return cached;
  const entries = library
    .getHolidays(year)
    .filter((entry) => entry.type === 'public' && entry.substitute !== true);
  const found: { name: string; date: string }[] = [];
  for (const holiday of STATUTORY_HOLIDAYS) {
    if (holiday.since !== undefined && year < holiday.since) continue;
    const match = entries.find(
      (entry) => Number(entry.date.slice(5, 7)) === holiday.month && holiday.pattern.test(entry.name),
    );
    const date = match?.date.slice(0, 10);
    if (date === undefined) {
      throw new HolidayDataError(`date-holidays has no ${holiday.name} in ${year}`);
    }
    if (holiday.fixedDay !== undefined && date !== civil(year, holiday.month, holiday.fixedDay)) {
      throw new HolidayDataError(`date-holidays puts ${holiday.name} ${year} on ${date}`);
    }
    found.push({ name: holiday.name, date });
  }
  actualDatesByYear.set(year, found);
  return found;
}

function shiftDays(date: string, days: number): string {
  const shifted = new Date(`${date}T00:00:00Z`);
  shifted.setUTCDate(shifted.getUTCDate() + days);
  return shifted.toISOString().slice(0, 10);
}

/**
 * The federal holiday days off whose date falls in `year`, with the weekend rule applied:
 * a holiday on a Saturday is observed the Friday before (5 U.S.C. 6103(b)(1)), one on a Sunday
 * the Monday after (Executive Order 11582, sec. 3(a)). So New Year's Day 2022 (a Saturday) is
 * observed on Friday 2021-12-31, and appears in the list for 2021.
 *
 * The observed days are computed here rather than read from `date-holidays`: version 3.37.0
 * has no substitute day for Veterans Day (2028-11-11 is a Saturday, 2029-11-11 a Sunday).
 */
export function usFederalHolidays(year: number): readonly FederalHoliday[] {
  const cached = daysOffByYear.get(year);
  if (cached) return cached;
  const days: FederalHoliday[] = [];
  for (const candidateYear of [year - 1, year, year + 1]) {
    for (const { name, date } of actualDates(candidateYear)) {
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      const shift = weekday === 6 ? -1 : weekday === 0 ? 1 : 0;
      const dayOff = shiftDays(date, shift);
      if (Number(dayOff.slice(0, 4)) !== year) continue;
      days.push({ date: dayOff, name, actualDate: date, observed: shift !== 0 });
    }
  }
  days.sort((left, right) => left.date.localeCompare(right.date));
  daysOffByYear.set(year, days);
  return days;
}

/** The statutory holidays falling on `year`'s dates themselves (no weekend shift). */
export function usFederalHolidayDates(year: number): readonly { name: string; date: string }[] {
  return actualDates(year);
}
