import Holidays from 'date-holidays';

/**
 * Builds the table of US federal holiday dates from `date-holidays`, the maintained source of
 * the holiday rules. Not imported at run time (the library and its data weigh ~2 MB and ~0.25 s
 * of cold start); the generated `us-federal-holidays.json` is, and a unit test keeps it equal
 * to this function's output for the installed library. Regenerate with:
 *
 * ```sh
 * npx tsx -e "import('./lambdas/domain/sla/holidayTable.ts').then((m) => console.log(JSON.stringify(m.buildHolidayTable(2000, 2099), null, 1)))" > lambdas/domain/sla/us-federal-holidays.json
 * ```
 */

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
export const STATUTORY_HOLIDAYS: readonly StatutoryHoliday[] = [
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

/** The generated table: per year, statutory name → the date the holiday itself falls on. */
export interface HolidayTable {
  source: string;
  fromYear: number;
  toYear: number;
  years: Record<string, Record<string, string>>;
}

function civil(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The dates the statutory holidays fall on, `fromYear` to `toYear`, checked against the statute. */
export function buildHolidayTable(fromYear: number, toYear: number): HolidayTable {
  const library = new Holidays('US');
  const years: HolidayTable['years'] = {};
  for (let year = fromYear; year <= toYear; year += 1) {
    const entries = library
      .getHolidays(year)
      .filter((entry) => entry.type === 'public' && entry.substitute !== true);
    const dates: Record<string, string> = {};
    for (const holiday of STATUTORY_HOLIDAYS) {
      if (holiday.since !== undefined && year < holiday.since) continue;
      const match = entries.find(
        (entry) => Number(entry.date.slice(5, 7)) === holiday.month && holiday.pattern.test(entry.name),
      );
      const date = match?.date.slice(0, 10);
      if (date === undefined) throw new HolidayDataError(`date-holidays has no ${holiday.name} in ${year}`);
      if (holiday.fixedDay !== undefined && date !== civil(year, holiday.month, holiday.fixedDay)) {
        throw new HolidayDataError(`date-holidays puts ${holiday.name} ${year} on ${date}`);
      }
      dates[holiday.name] = date;
    }
    years[String(year)] = dates;
  }
  return { source: 'date-holidays 3.37.0 (US, type public), 5 U.S.C. 6103(a)', fromYear, toYear, years };
}
