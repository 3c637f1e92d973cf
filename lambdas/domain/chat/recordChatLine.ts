import { ontoPolicyCalendars } from '../cases/caseCalendars.js';
import type { Case, CaseEvent, CaseMessage } from '../cases/caseRecord.js';
import { inboundKeyOf, ownThreadKeysOf, referenceKeysOf } from '../cases/messageIdentity.js';
import { withNextTimer } from '../cases/nextTimer.js';
import type { InboundMessage } from '../inboundMessage.js';
import type { Policy } from '../policy/policy.js';
import type { CaseStore, Clock, InboundJoinDecision, SlaMetrics } from '../ports.js';
import { clocksOnStaffReply, clocksStoppedBetween } from '../sla/clocks.js';
import { redactPii } from '../triage/redactPii.js';

export interface RecordChatLineServices {
  caseStore: CaseStore;
  clock: Clock;
  policy: Policy;
  /** SLA attainment (`SlaMet` / `SlaMissed`) of the clocks a staff line stops, as a staff reply reports it. */
  slaMetrics?: SlaMetrics;
}

export type RecordChatLineOutcome =
  | { outcome: 'appended'; caseId: string }
  | { outcome: 'duplicate'; caseId: string }
  /**
   * No case for the conversation (yet). `waitForCase` when the line is young enough that the
   * member's first line may still be on its way (queues reorder, and parallel batches race): the
   * caller delivers it again later, and it joins the transcript then, stopping the clocks at its own
   * time. Otherwise it belongs to a chat nobody wrote in (a staff greeting, the end of an empty
   * chat): nothing to add to, and the raw event stays in the bucket under the message's `rawBlobKey`.
   */
  | { outcome: 'no_case'; waitForCase: boolean };

/**
 * How long a staff line or chat end without a case is worth delivering again: a member line
 * overtaken in the queue arrives within seconds to minutes, not after a quarter of an hour.
 */
export const CHAT_LINE_WAIT_FOR_CASE_MS = 15 * 60_000;

/** Stored chat text stays well inside DynamoDB's item limit; the raw event keeps all of it. */
const STORED_LINE_LIMIT = 50_000;

/** A staff line or the end of a chat: neither opens nor wakes a case. Member lines go through recordInbound. */
export function isTranscriptOnlyLine(message: InboundMessage): boolean {
  return (
    message.channel === 'chat' &&
    message.chat !== undefined &&
    (message.chat.role === 'staff' || message.chat.event === 'ended')
  );
}

/**
 * What a staff line or the end of the chat does to the case: the line joins the transcript; a
 * staff line is an answer to the member, so the first-response and next-response clocks stop as
 * a staff reply stops them; the end of the chat changes no clock (staff resolve the case). A
 * merged case sends the line on to the case it was merged into.
 */
function decideLine(
  current: Case,
  message: InboundMessage,
  line: CaseMessage,
  now: Date,
  policy: Policy,
): InboundJoinDecision {
  if (current.state === 'merged' && current.mergedInto) {
    return { decision: 'forward', caseId: current.mergedInto };
  }
  const staff = line.direction === 'outbound';
  const writtenAt = new Date(message.receivedAt);
  // The conversation key stays on the case resolved first; a member line written past its reopen
  // window opened a follow-up (recordInbound), and a line written after the resolution answers or
  // ends that follow-up's chat. It goes on there, as a member line does, so that the answer stops
  // the follow-up's clocks and sits in its transcript.
  const followUp = current.links?.filter((link) => link.relation === 'followed_by').at(-1);
  if (
    current.state === 'resolved' &&
    followUp &&
    current.resolvedAt &&
    writtenAt.getTime() >= Date.parse(current.resolvedAt)
  ) {
    return { decision: 'forward', caseId: followUp.caseId };
  }
  const onCalendars = ontoPolicyCalendars(current, policy, { at: writtenAt, now, actor: 'system' });
  const revised: Case = {
    ...onCalendars.kase,
    messageCount: current.messageCount + 1,
    updatedAt: now.toISOString(),
    version: current.version + 1,
  };
  const after = staff
    ? withNextTimer({ ...revised, clocks: clocksOnStaffReply(revised.clocks, writtenAt, policy) })
    : revised;
  const event: CaseEvent = {
    at: now.toISOString(),
    type: staff ? 'chat_staff_message' : 'chat_ended',
    actor: 'system',
    detail: {
      channel: 'chat',
      source: message.chat?.source ?? 'widget',
      ...(staff
        ? {
            clocksStopped: clocksStoppedBetween(current.clocks, after.clocks).map((clock) => ({
              clock: clock.clockId,
              breached: clock.breached,
            })),
          }
        : {}),
    },
  };
  return { decision: 'join', after, message: line, events: [...onCalendars.events, event] };
}

/**
 * Adds a staff line or the end of the chat to the conversation's case, in the transcript.
 * Idempotent: a redelivered line is reported as a duplicate (the store's inbound key answers it).
 */
export async function recordChatLine(
  message: InboundMessage,
  services: RecordChatLineServices,
): Promise<RecordChatLineOutcome> {
  const { caseStore, clock, policy } = services;
  const now = clock.now();
  const caseId = await caseStore.findCaseIdByThread(referenceKeysOf(message));
  if (!caseId) return noCase(message, now);
  const line: CaseMessage = {
    direction: message.chat?.role === 'staff' ? 'outbound' : 'inbound',
    channel: 'chat',
    externalId: message.externalId,
    receivedAt: message.receivedAt,
    subject: message.subject,
    text: redactPii(message.bodyText).redactedText.slice(0, STORED_LINE_LIMIT),
    ...(message.rawBlobKey ? { rawBlobKey: message.rawBlobKey } : {}),
    attachments: [],
  };
  let before: Case | undefined;
  const appended = await caseStore.appendMessage({
    caseId,
    inboundKey: inboundKeyOf(message),
    threadKeys: ownThreadKeysOf(message),
    decide: (current) => {
      // The store may decide again after a concurrent change; the last decision is the one written.
      before = current;
      return decideLine(current, message, line, now, policy);
    },
  });
  switch (appended.outcome) {
    case 'appended':
      if (before && services.slaMetrics) {
        for (const stopped of clocksStoppedBetween(before.clocks, appended.case.clocks)) {
          services.slaMetrics.count(stopped.breached ? 'SlaMissed' : 'SlaMet', {
            queue: appended.case.queue,
            clock: stopped.kind,
          });
        }
      }
      return { outcome: 'appended', caseId: appended.case.caseId };
    case 'duplicate':
      return { outcome: 'duplicate', caseId: appended.caseId };
    // A line never declines; a case that vanished leaves nothing to add to.
    case 'declined':
    case 'missing':
      return { outcome: 'no_case', waitForCase: false };
  }
}

function noCase(message: InboundMessage, now: Date): RecordChatLineOutcome {
  const age = now.getTime() - Date.parse(message.receivedAt);
  return { outcome: 'no_case', waitForCase: age < CHAT_LINE_WAIT_FOR_CASE_MS };
}
