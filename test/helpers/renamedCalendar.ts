import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import { loadPolicy, type Policy } from '../../lambdas/domain/policy/policy.js';
import type { CalendarDefinition } from '../../lambdas/domain/sla/calendarSchema.js';

/**
 * The default policy as an operator deploys it after renaming calendar `from` to `to` (validated,
 * every target that named `from` pointing at `to`), optionally with other hours for `to`.
 */
export function renamedCalendarPolicy(from: string, to: string, calendar?: CalendarDefinition): Policy {
  const { [from]: renamed, ...others } = DEFAULT_POLICY.calendars;
  const pointed = <T extends { calendar: string }>(targets: T): T =>
    targets.calendar === from ? { ...targets, calendar: to } : targets;
  const { email, fax, form, chat } = DEFAULT_POLICY.channelTargets;
  return loadPolicy({
    ...DEFAULT_POLICY,
    version: `${DEFAULT_POLICY.version}-${to}`,
    calendars: { ...others, [to]: calendar ?? renamed },
    channelTargets: { email: pointed(email), fax: pointed(fax), form: pointed(form), chat: pointed(chat) },
    ...(DEFAULT_POLICY.chatOutsideHours
      ? { chatOutsideHours: pointed(DEFAULT_POLICY.chatOutsideHours) }
      : {}),
  });
}

/** `correspondence` renamed `member-services`, and now open Monday to Friday 08:00-18:00 Central (no Saturdays). */
export function memberServicesPolicy(): Policy {
  const correspondence = DEFAULT_POLICY.calendars.correspondence;
  if (!correspondence) throw new Error('the default policy declares correspondence');
  const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, [['08:00', '18:00']]]);
  return renamedCalendarPolicy('correspondence', 'member-services', {
    ...correspondence,
    description: 'Member services: Monday to Friday 08:00-18:00 Central',
    hours: Object.fromEntries(weekdays),
  });
}
