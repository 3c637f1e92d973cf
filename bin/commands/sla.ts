import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import {
  type BusinessCalendar,
  compileCalendar,
  explainAddBusinessTime,
  formatExplanation,
} from '../../lambdas/domain/sla/businessCalendar.js';
import { CalendarSchema } from '../../lambdas/domain/sla/calendarSchema.js';
import { calendarOf } from '../../lambdas/domain/sla/policyCalendars.js';
import type { CommandIo } from '../contact-router.js';

const USAGE = `usage: contact-router sla --calendar <name|path.json> --from <ISO> (--hours <n> | --minutes <n>) [--json]

  --calendar  a calendar of the default policy (${Object.keys(DEFAULT_POLICY.calendars).join(', ')}) or a calendar JSON file
  --from      start instant, ISO-8601; without an offset it is read as local time in the calendar's zone
  --hours     business hours to add (decimals allowed); --minutes adds business minutes
  --json      print the due time and the day-by-day trace as JSON
`;

/** A usage or input problem: reported on stderr with exit code 2. */
class SlaUsageError extends Error {
  override readonly name = 'SlaUsageError';
}

const AmountSchema = z.coerce.number().nonnegative().finite();

async function resolveCalendar(value: string): Promise<BusinessCalendar> {
  if (DEFAULT_POLICY.calendars[value]) return calendarOf(DEFAULT_POLICY, value);
  if (!value.endsWith('.json')) {
    throw new SlaUsageError(
      `unknown calendar "${value}": expected one of ${Object.keys(DEFAULT_POLICY.calendars).join(', ')} or a path ending in .json`,
    );
  }
  let text: string;
  try {
    text = await readFile(value, 'utf8');
  } catch (error) {
    throw new SlaUsageError(
      `cannot read calendar file ${value}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SlaUsageError(
      `${value} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = CalendarSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new SlaUsageError(`${value} is not a valid calendar:\n${problems.join('\n')}`);
  }
  return compileCalendar(value, parsed.data);
}

function parseStart(value: string, calendar: BusinessCalendar): Date {
  const hasOffset = /(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(value);
  const parsed = hasOffset
    ? DateTime.fromISO(value, { setZone: true })
    : DateTime.fromISO(value, { zone: calendar.definition.timeZone });
  if (!parsed.isValid) throw new SlaUsageError(`--from: expected an ISO-8601 date-time, received "${value}"`);
  return parsed.toJSDate();
}

/**
 * `contact-router sla --calendar correspondence --from 2026-11-25T14:00-06:00 --hours 24`:
 * the due time of a business-time target, with the hours counted and the closed days skipped.
 */
export async function run(args: string[], io: CommandIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      options: {
        calendar: { type: 'string' },
        from: { type: 'string' },
        hours: { type: 'string' },
        minutes: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (!values.calendar || !values.from || (values.hours === undefined && values.minutes === undefined)) {
      throw new SlaUsageError('--calendar, --from and --hours (or --minutes) are required');
    }
    const hours = AmountSchema.safeParse(values.hours ?? 0);
    const minutes = AmountSchema.safeParse(values.minutes ?? 0);
    if (!hours.success || !minutes.success) {
      throw new SlaUsageError(
        `--hours/--minutes: expected non-negative numbers, received "${values.hours ?? ''}" / "${values.minutes ?? ''}"`,
      );
    }
    const calendar = await resolveCalendar(values.calendar);
    const start = parseStart(values.from, calendar);
    const durationMs = Math.round((hours.data * 60 + minutes.data) * 60_000);
    const explanation = explainAddBusinessTime(calendar, start, durationMs);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(explanation)}\n`);
    } else {
      io.stdout.write(`${formatExplanation(explanation).join('\n')}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof SlaUsageError || (error instanceof TypeError && 'code' in error)) {
      io.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}
