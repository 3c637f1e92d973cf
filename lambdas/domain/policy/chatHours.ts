import { addBusinessTime } from '../sla/businessCalendar.js';
import { calendarOf } from '../sla/policyCalendars.js';
import type { Policy } from './policy.js';

export interface ChatHours {
  /** The chat calendar is open at the instant asked about. */
  open: boolean;
  calendar: string;
  /** When chat opens next (the same instant when open), ISO-8601 UTC. */
  nextOpenAt: string;
}

/**
 * Whether live chat is staffed at `at`, on the chat channel's calendar (policy
 * `channelTargets.chat.calendar`, holidays and closures included).
 */
export function chatHoursAt(policy: Policy, at: Date): ChatHours {
  const name = policy.channelTargets.chat.calendar;
  // One millisecond of business time ends exactly 1 ms later only if the calendar is open now.
  const end = addBusinessTime(calendarOf(policy, name), at, 1);
  return {
    open: end.getTime() - at.getTime() === 1,
    calendar: name,
    nextOpenAt: new Date(end.getTime() - 1).toISOString(),
  };
}
