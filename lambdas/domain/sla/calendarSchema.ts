import { IANAZone } from 'luxon';
import * as z from '../zodMini.js';

/** Weekday keys of a calendar's `hours`, Monday first. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const TimeOfDaySchema = z
  .string()
  .check(z.regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a local time HH:MM (00:00–24:00)'));

/** An opening interval in local time, `["08:00", "20:00"]`; the end is exclusive and may be `24:00`. */
export const OpeningIntervalSchema = z.tuple([TimeOfDaySchema, TimeOfDaySchema]);
export type OpeningInterval = z.infer<typeof OpeningIntervalSchema>;

const CivilDateSchema = z.iso.date();

/** A custom closure: a whole local day, or a range of instants. */
export const ClosureSchema = z.union([
  z.strictObject({ date: CivilDateSchema, reason: z.string().check(z.minLength(1)) }),
  z
    .strictObject({
      from: z.iso.datetime({ offset: true }),
      to: z.iso.datetime({ offset: true }),
      reason: z.string().check(z.minLength(1)),
    })
    .check(
      z.refine((closure) => Date.parse(closure.from) < Date.parse(closure.to), {
        message: 'closure must end after it starts',
        path: ['to'],
      }),
    ),
]);
export type Closure = z.infer<typeof ClosureSchema>;

/** Minutes since local midnight of a validated `HH:MM` time (`24:00` is 1440). */
export function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/**
 * A business calendar: time zone, opening hours per weekday (several intervals a day allowed),
 * US federal holidays and custom closures. A weekday left out is closed.
 */
export const CalendarSchema = z
  .strictObject({
    description: z.optional(z.string()),
    timeZone: z
      .string()
      .check(z.refine((zone) => IANAZone.isValidZone(zone), { message: 'unknown IANA time zone' })),
    hours: z.partialRecord(z.enum(WEEKDAYS), z.array(OpeningIntervalSchema)),
    holidays: z.strictObject({
      /** `us-federal`: the eleven legal public holidays of 5 U.S.C. 6103(a). */
      set: z.enum(['us-federal', 'none']),
      /**
       * `observed`: closed on the day off of 5 U.S.C. 6103(b) (Saturday → Friday, Sunday → Monday).
       * `actualAndObserved`: also closed on the Saturday or Sunday the holiday itself falls on.
       */
      observance: z._default(z.enum(['observed', 'actualAndObserved']), 'observed'),
    }),
    closures: z._default(z.array(ClosureSchema), []),
  })
  .check(
    z.superRefine((calendar, context) => {
      let openMinutes = 0;
      for (const weekday of WEEKDAYS) {
        const intervals = calendar.hours[weekday] ?? [];
        let previousEnd = -1;
        intervals.forEach(([start, end], index) => {
          const startMinutes = minutesOf(start);
          const endMinutes = minutesOf(end);
          if (endMinutes <= startMinutes) {
            context.addIssue({
              code: 'custom',
              path: ['hours', weekday, index],
              message: `${start}–${end} ends before it starts`,
            });
          } else if (startMinutes < previousEnd) {
            context.addIssue({
              code: 'custom',
              path: ['hours', weekday, index],
              message: `${start}–${end} overlaps or precedes the interval before it`,
            });
          } else {
            openMinutes += endMinutes - startMinutes;
          }
          previousEnd = Math.max(previousEnd, endMinutes);
        });
      }
      if (openMinutes === 0) {
        context.addIssue({ code: 'custom', path: ['hours'], message: 'the calendar is never open' });
      }
    }),
  );
export type CalendarDefinition = z.infer<typeof CalendarSchema>;
export type CalendarInput = z.input<typeof CalendarSchema>;
