import { DateTime, IANAZone } from 'luxon';
import { type CalendarDefinition, minutesOf, WEEKDAYS, type Weekday } from './calendarSchema.js';
import { usFederalHolidayDates, usFederalHolidays } from './usFederalHolidays.js';

/** Raised when business time cannot be computed (a calendar that never opens again, a bad duration). */
export class BusinessTimeError extends Error {
  override readonly name = 'BusinessTimeError';
}

/** Arithmetic gives up after this many days without enough open time: a calendar closed for ten years is a bug. */
const MAX_DAYS_SCANNED = 3_660;
const DAYS_CACHED = 2_000;

interface DayPlan {
  date: string;
  weekday: Weekday;
  /** Local midnight to the next local midnight, UTC epoch milliseconds. */
  start: number;
  end: number;
  /** Open intervals as UTC epoch milliseconds, sorted, half-open `[start, end)`. */
  open: readonly (readonly [number, number])[];
  /** Why scheduled hours were removed (holidays, closures), or that the weekday has no hours. */
  closed: readonly string[];
}

/** A calendar prepared for arithmetic: per-day open intervals and holiday years are cached. */
export interface BusinessCalendar {
  readonly name: string;
  readonly definition: CalendarDefinition;
  readonly dayPlans: Map<string, DayPlan>;
  readonly holidaysByYear: Map<number, Map<string, string>>;
  /** The day last looked up by instant: most messages of a burst fall on the same day. */
  lastDay?: DayPlan;
}

/** Prepares a validated calendar definition for business-time arithmetic. */
export function compileCalendar(name: string, definition: CalendarDefinition): BusinessCalendar {
  return { name, definition, dayPlans: new Map(), holidaysByYear: new Map() };
}

/** One day visited by the arithmetic: what was counted and what was skipped. */
export interface DayTrace {
  date: string;
  weekday: Weekday;
  counted: { from: string; to: string; ms: number }[];
  closed: string[];
}

/** The due time and the days it crossed, for `explain` and the `sla` command. */
export interface BusinessTimeExplanation {
  calendar: string;
  timeZone: string;
  start: string;
  durationMs: number;
  dueAt: string;
  days: DayTrace[];
}

function civilDateAt(calendar: BusinessCalendar, epochMs: number): string {
  const last = calendar.lastDay;
  if (last && last.start <= epochMs && epochMs < last.end) return last.date;
  const date = DateTime.fromMillis(epochMs, { zone: calendar.definition.timeZone }).toISODate();
  if (date === null)
    throw new BusinessTimeError(`cannot place ${epochMs} in ${calendar.definition.timeZone}`);
  return date;
}

function nextCivilDate(date: string): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

function weekdayOf(date: string): Weekday {
  // getUTCDay: 0 = Sunday; WEEKDAYS starts on Monday.
  const weekday = WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7];
  if (weekday === undefined) throw new BusinessTimeError(`no weekday for ${date}`);
  return weekday;
}

/**
 * The instant a zone's UTC offset last changed at or before `atMs` (within a day before it): found
 * by bisection, so it needs no transition table. Only used for a time a spring-forward change skips.
 */
function offsetChangeBefore(timeZone: string, atMs: number): number {
  const zone = IANAZone.create(timeZone);
  const offsetAfter = zone.offset(atMs);
  let before = atMs - 86_400_000;
  let after = atMs;
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (zone.offset(middle) === offsetAfter) after = middle;
    else before = middle;
  }
  return after;
}

/**
 * The instant of a local wall time. A time skipped by a spring-forward change is the change
 * itself (02:30 on a day that jumps from 02:00 to 03:00 is 03:00), the first instant the wall
 * clock reads that time or later: hours that start or end inside the gap then cover exactly the
 * wall times they name, no more and no less. A time repeated by a fall-back change is its first
 * occurrence.
 */
function localInstant(calendar: BusinessCalendar, date: string, minutes: number): number {
  if (minutes === 1_440) return localInstant(calendar, nextCivilDate(date), 0);
  const [year, month, day] = date.split('-').map(Number);
  const hour = Math.floor(minutes / 60);
  const minute = minutes % 60;
  const { timeZone } = calendar.definition;
  const local = DateTime.fromObject({ year, month, day, hour, minute }, { zone: timeZone });
  // luxon moves a skipped time forward by the length of the gap (02:30 becomes 03:30), which would
  // leave 03:00–03:30 out of hours that open at 02:30, and count it in hours that close at 02:30.
  if (local.day !== day || local.hour !== hour || local.minute !== minute) {
    return offsetChangeBefore(timeZone, local.toMillis());
  }
  const hourBefore = local.minus({ hours: 1 });
  const repeated =
    hourBefore.day === local.day && hourBefore.hour === local.hour && hourBefore.minute === local.minute;
  return repeated ? hourBefore.toMillis() : local.toMillis();
}

function holidaysOf(calendar: BusinessCalendar, year: number): Map<string, string> {
  const cached = calendar.holidaysByYear.get(year);
  if (cached) return cached;
  const holidays = new Map<string, string>();
  const { set, observance } = calendar.definition.holidays;
  if (set === 'us-federal') {
    for (const holiday of usFederalHolidays(year)) {
      holidays.set(
        holiday.date,
        holiday.observed
          ? `${holiday.name} (${holiday.actualDate}, observed; 5 U.S.C. 6103)`
          : `${holiday.name} (federal holiday, 5 U.S.C. 6103(a))`,
      );
    }
    if (observance === 'actualAndObserved') {
      for (const holiday of usFederalHolidayDates(year)) {
        if (!holidays.has(holiday.date))
          holidays.set(holiday.date, `${holiday.name} (federal holiday, 5 U.S.C. 6103(a))`);
      }
    }
  }
  calendar.holidaysByYear.set(year, holidays);
  return holidays;
}

function subtract(
  intervals: readonly (readonly [number, number])[],
  from: number,
  to: number,
): (readonly [number, number])[] {
  const result: (readonly [number, number])[] = [];
  for (const [start, end] of intervals) {
    if (to <= start || end <= from) {
      result.push([start, end]);
      continue;
    }
    if (start < from) result.push([start, from]);
    if (to < end) result.push([to, end]);
  }
  return result;
}

function planDay(calendar: BusinessCalendar, date: string): DayPlan {
  const cached = calendar.dayPlans.get(date);
  if (cached) return cached;
  const weekday = weekdayOf(date);
  const scheduled = calendar.definition.hours[weekday] ?? [];
  const closed: string[] = [];
  let open: (readonly [number, number])[] = scheduled.map(([start, end]): readonly [number, number] => [
    localInstant(calendar, date, minutesOf(start)),
    localInstant(calendar, date, minutesOf(end)),
  ]);
  if (scheduled.length === 0) closed.push(`no opening hours on ${weekday}`);
  const holiday = holidaysOf(calendar, Number(date.slice(0, 4))).get(date);
  if (holiday !== undefined) {
    closed.push(holiday);
    open = [];
  }
  const dayStart = localInstant(calendar, date, 0);
  const dayEnd = localInstant(calendar, date, 1_440);
  for (const closure of calendar.definition.closures) {
    if ('date' in closure) {
      if (closure.date !== date) continue;
      closed.push(`closure: ${closure.reason}`);
      open = [];
      continue;
    }
    const from = Date.parse(closure.from);
    const to = Date.parse(closure.to);
    if (to <= dayStart || dayEnd <= from) continue;
    const before = open.reduce((sum, [start, end]) => sum + end - start, 0);
    open = subtract(open, from, to);
    if (open.reduce((sum, [start, end]) => sum + end - start, 0) < before)
      closed.push(`closure: ${closure.reason}`);
  }
  const plan: DayPlan = {
    date,
    weekday,
    start: dayStart,
    end: dayEnd,
    open: open.filter(([start, end]) => end > start),
    closed,
  };
  // A bounded cache: a Lambda container lives for hours, not years, but keep memory flat anyway.
  if (calendar.dayPlans.size >= DAYS_CACHED) calendar.dayPlans.clear();
  calendar.dayPlans.set(date, plan);
  return plan;
}

function planDayAt(calendar: BusinessCalendar, epochMs: number): DayPlan {
  const plan = planDay(calendar, civilDateAt(calendar, epochMs));
  calendar.lastDay = plan;
  return plan;
}

function validDuration(durationMs: number): void {
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new BusinessTimeError(
      `expected a non-negative finite duration in milliseconds, received ${durationMs}`,
    );
  }
}

function walk(calendar: BusinessCalendar, startMs: number, durationMs: number, days?: DayTrace[]): number {
  validDuration(durationMs);
  if (durationMs === 0) return startMs;
  let remaining = durationMs;
  let date = planDayAt(calendar, startMs).date;
  for (let scanned = 0; scanned < MAX_DAYS_SCANNED; scanned += 1) {
    const plan = planDay(calendar, date);
    const trace: DayTrace | undefined = days
      ? { date, weekday: plan.weekday, counted: [], closed: [...plan.closed] }
      : undefined;
    if (trace) days?.push(trace);
    for (const [start, end] of plan.open) {
      if (end <= startMs) continue;
      const from = Math.max(start, startMs);
      const available = end - from;
      const used = Math.min(available, remaining);
      trace?.counted.push({
        from: new Date(from).toISOString(),
        to: new Date(from + used).toISOString(),
        ms: used,
      });
      remaining -= used;
      if (remaining === 0) return from + used;
    }
    date = nextCivilDate(date);
  }
  throw new BusinessTimeError(
    `calendar ${calendar.name} has no ${durationMs} ms of open time within ${MAX_DAYS_SCANNED} days`,
  );
}

/**
 * The instant `durationMs` of open time after `start`. Closed time (outside hours, holidays,
 * closures) does not count; a due time lands inside open hours or exactly at a closing time.
 * DST-safe: open intervals are built from local wall times in the calendar's zone, so a
 * 23-hour or 25-hour day counts only the hours that actually elapse.
 */
export function addBusinessTime(calendar: BusinessCalendar, start: Date, durationMs: number): Date {
  return new Date(walk(calendar, start.getTime(), durationMs));
}

/** {@link addBusinessTime} with the trace of the days it crossed and what it skipped. */
export function explainAddBusinessTime(
  calendar: BusinessCalendar,
  start: Date,
  durationMs: number,
): BusinessTimeExplanation {
  const days: DayTrace[] = [];
  const dueAt = walk(calendar, start.getTime(), durationMs, days);
  return {
    calendar: calendar.name,
    timeZone: calendar.definition.timeZone,
    start: start.toISOString(),
    durationMs,
    dueAt: new Date(dueAt).toISOString(),
    days,
  };
}

/**
 * Open time between two instants, in milliseconds; negative when `to` is before `from`.
 * The inverse of {@link addBusinessTime}: `businessTimeBetween(c, a, addBusinessTime(c, a, d)) === d`.
 */
export function businessTimeBetween(calendar: BusinessCalendar, from: Date, to: Date): number {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (toMs < fromMs) return -businessTimeBetween(calendar, to, from);
  let total = 0;
  let date = planDayAt(calendar, fromMs).date;
  const lastDate = civilDateAt(calendar, toMs);
  for (;;) {
    for (const [start, end] of planDay(calendar, date).open) {
      const overlap = Math.min(end, toMs) - Math.max(start, fromMs);
      if (overlap > 0) total += overlap;
    }
    if (date >= lastDate) return total;
    date = nextCivilDate(date);
  }
}

/** True when `at` falls inside open hours (`[open, close)`). */
export function isOpenAt(calendar: BusinessCalendar, at: Date): boolean {
  const atMs = at.getTime();
  return planDayAt(calendar, atMs).open.some(([start, end]) => start <= atMs && atMs < end);
}

/** A duration as `26h 3m` (business time has no meaningful "day"), for traces and explanations. */
export function formatDuration(durationMs: number): string {
  const sign = durationMs < 0 ? '-' : '';
  let rest = Math.abs(durationMs);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.length === 0 ? '0m' : sign + parts.join(' ');
}

const formattersByZone = new Map<string, Intl.DateTimeFormat>();

/** Local `HH:mm` and `ccc yyyy-LL-dd HH:mm ZZZZ` via a cached Intl formatter: luxon's toFormat is ten times slower. */
function localParts(epochMs: number, timeZone: string): { time: string; full: string } {
  let formatter = formattersByZone.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formattersByZone.set(timeZone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(epochMs)) parts[part.type] = part.value;
  const time = `${parts.hour}:${parts.minute}`;
  return {
    time,
    full: `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${time} ${parts.timeZoneName}`,
  };
}

/** Human-readable lines of an explanation: one per day crossed, in the calendar's local time. */
export function formatExplanation(explanation: BusinessTimeExplanation): string[] {
  const zone = explanation.timeZone;
  const local = (iso: string) => localParts(Date.parse(iso), zone).time;
  const lines = [
    `calendar ${explanation.calendar} (${zone}): ${formatDuration(explanation.durationMs)} of business time from ${explanation.start} (${localParts(Date.parse(explanation.start), zone).full})`,
  ];
  for (const day of explanation.days) {
    const counted = day.counted.map(
      (period) => `${local(period.from)}–${local(period.to)} (${formatDuration(period.ms)})`,
    );
    const closed = day.closed.length > 0 ? `skipped: ${day.closed.join('; ')}` : '';
    const what = [counted.length > 0 ? `counted ${counted.join(', ')}` : '', closed]
      .filter(Boolean)
      .join(' · ');
    lines.push(`  ${day.weekday} ${day.date}  ${what || 'nothing open after the start time'}`);
  }
  lines.push(`due ${explanation.dueAt} (${localParts(Date.parse(explanation.dueAt), zone).full})`);
  return lines;
}
