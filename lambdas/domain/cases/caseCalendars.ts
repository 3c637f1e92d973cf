import type { Policy } from '../policy/policy.js';
import { businessTargetsFor, placeByPolicy } from '../policy/routeMessage.js';
import { moveOffUndeclaredCalendars, undeclaredCalendarsOf } from '../sla/clocks.js';
import { declaresCalendar } from '../sla/policyCalendars.js';
import type { Case, CaseEvent } from './caseRecord.js';
import { withNextTimer } from './nextTimer.js';

/** The history event of a case whose clocks moved off a calendar the running policy no longer declares. */
export const CLOCK_CALENDAR_MOVED = 'clock_calendar_moved';

/**
 * The calendar the policy's rules give the case today, with what gave it: the rule its classification
 * matches, as routing and reclassification look it up (channel, topic, expedited, programs, language,
 * country; a chat opened outside chat hours keeps those targets). The spoofing suspicion routing saw is
 * not kept on the case, so a rule on it is not matched here (nor on reclassification). Undefined when
 * the rules name no calendar the policy declares.
 */
function calendarTheRulesGive(kase: Case, policy: Policy): { calendar: string; givenBy: string } | undefined {
  const { rule } = placeByPolicy(
    {
      topic: kase.topic,
      topicConfidence: kase.topicConfidence,
      expedited: kase.expedited,
      programs: kase.programs,
      language: kase.language as Parameters<typeof placeByPolicy>[0]['language'],
    },
    kase.channel,
    policy,
    kase.country ? { country: kase.country } : {},
    kase.needsTriage,
  );
  const outsideChatHours = kase.openedOutsideChatHours === true;
  const { calendar } = businessTargetsFor(kase.channel, rule, outsideChatHours, policy);
  if (calendar === undefined || !declaresCalendar(policy, calendar)) return undefined;
  const givenBy = rule?.sla?.calendar
    ? `rule "${rule.name}" gives`
    : outsideChatHours && policy.chatOutsideHours
      ? 'the chat-outside-hours targets give'
      : `the ${kase.channel} channel targets give`;
  return { calendar, givenBy };
}

/**
 * The case with its business clocks on calendars the running policy declares: every action that
 * changes a case (staff actions, replies, chat lines, member messages) passes the case it read
 * through here first. An operator who renames or drops a calendar while cases run on it (renames
 * `correspondence` to `member-services` and points the rules at it) must not leave those cases
 * unworkable, so a clock on a calendar the policy no longer declares moves onto the calendar the
 * policy's rules now give the case, keeping its count ({@link moveOffUndeclaredCalendars} says what
 * is approximated), and one history event says which clock moved from which calendar to which, and
 * why. When the rules give the case no declared calendar, nothing is guessed (another calendar would
 * silently change every due time of the case): the clocks stay, and whatever needs the missing
 * calendar fails with an error naming it. `at` is the instant the action changes the clocks at (a
 * member message's receipt, a chat line's); `now` stamps the event.
 */
export function ontoPolicyCalendars(
  kase: Case,
  policy: Policy,
  when: { at: Date; now: Date; actor: string },
): { kase: Case; events: CaseEvent[] } {
  const undeclared = undeclaredCalendarsOf(kase.clocks, policy);
  if (undeclared.length === 0) return { kase, events: [] };
  const given = calendarTheRulesGive(kase, policy);
  if (!given) return { kase, events: [] };
  const { clocks, moved, laterClocks } = moveOffUndeclaredCalendars(
    kase.clocks,
    given.calendar,
    when.at,
    policy,
  );
  const gone =
    undeclared.length === 1
      ? `calendar "${undeclared[0]}" is`
      : `calendars ${undeclared.map((name) => `"${name}"`).join(', ')} are`;
  const event: CaseEvent = {
    at: when.now.toISOString(),
    type: CLOCK_CALENDAR_MOVED,
    actor: when.actor,
    detail: {
      why: `${gone} no longer in policy ${policy.version}: moved to calendar "${given.calendar}", which ${given.givenBy} the case`,
      policyVersion: policy.version,
      moved,
      ...(laterClocks ? { laterClocks } : {}),
    },
  };
  return { kase: withNextTimer({ ...kase, clocks }), events: [event] };
}
