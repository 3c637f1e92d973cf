import type { Policy } from '../policy/policy.js';
import { type BusinessCalendar, compileCalendar } from './businessCalendar.js';

/** Raised when a clock names a calendar its policy does not declare. */
export class UnknownCalendarError extends Error {
  override readonly name = 'UnknownCalendarError';
}

/**
 * Whether `policy` declares calendar `name`: a clock that names one it does not (renamed or dropped
 * since the clock started) cannot count on it.
 */
export function declaresCalendar(policy: Policy, name: string): boolean {
  return Object.hasOwn(policy.calendars, name);
}

const compiledByPolicy = new WeakMap<Policy, Map<string, BusinessCalendar>>();

/**
 * The compiled calendar `name` of `policy`. Compiled once per policy object and kept with it,
 * so per-day intervals and holiday years are cached across messages in a warm Lambda.
 */
export function calendarOf(policy: Policy, name: string): BusinessCalendar {
  let compiled = compiledByPolicy.get(policy);
  if (!compiled) {
    compiled = new Map();
    compiledByPolicy.set(policy, compiled);
  }
  const cached = compiled.get(name);
  if (cached) return cached;
  const definition = declaresCalendar(policy, name) ? policy.calendars[name] : undefined;
  if (!definition) throw new UnknownCalendarError(`policy ${policy.version} has no calendar "${name}"`);
  const calendar = compileCalendar(name, definition);
  compiled.set(name, calendar);
  return calendar;
}
