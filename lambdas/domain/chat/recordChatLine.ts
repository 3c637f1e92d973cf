import type { CaseMessage } from '../cases/caseRecord.js';
import { withNextTimer } from '../cases/caseTimers.js';
import { threadKeysOf } from '../cases/recordInbound.js';
import type { InboundMessage } from '../inboundMessage.js';
import type { Policy } from '../policy/policy.js';
import type { CaseStore, Clock } from '../ports.js';
import { clocksOnStaffReply } from '../sla/clocks.js';
import { redactPii } from '../triage/redactPii.js';

export interface RecordChatLineServices {
  caseStore: CaseStore;
  clock: Clock;
  policy: Policy;
}

export type RecordChatLineOutcome =
  | { outcome: 'appended'; caseId: string }
  | { outcome: 'duplicate'; caseId: string }
  /** No case for the conversation (a staff line or the end of a chat nobody wrote in): nothing to keep. */
  | { outcome: 'no_case' };

/** A staff line or the end of a chat: neither opens nor wakes a case. Member lines go through recordInbound. */
export function isTranscriptOnlyLine(message: InboundMessage): boolean {
  return (
    message.channel === 'chat' &&
    message.chat !== undefined &&
    (message.chat.role === 'staff' || message.chat.event === 'ended')
  );
}

/**
 * Adds a staff line or the end of the chat to the conversation's case, in the transcript. A staff
 * line is an answer to the member: the first-response and next-response clocks stop, as a staff
 * reply stops them; the end of the chat changes no clock (staff resolve the case).
 */
export async function recordChatLine(
  message: InboundMessage,
  services: RecordChatLineServices,
): Promise<RecordChatLineOutcome> {
  const { caseStore, clock, policy } = services;
  const existing = await caseStore.findCaseIdByInbound(message.channel, message.externalId);
  if (existing) return { outcome: 'duplicate', caseId: existing };
  const caseId = await caseStore.findCaseIdByThread(threadKeysOf(message));
  if (!caseId) return { outcome: 'no_case' };
  const now = clock.now();
  const staff = message.chat?.role === 'staff';
  const line: CaseMessage = {
    direction: staff ? 'outbound' : 'inbound',
    channel: 'chat',
    externalId: message.externalId,
    receivedAt: message.receivedAt,
    subject: message.subject,
    text: redactPii(message.bodyText).redactedText.slice(0, 50_000),
    ...(message.rawBlobKey ? { rawBlobKey: message.rawBlobKey } : {}),
    attachments: [],
  };
  const appended = await caseStore.appendMessage(
    caseId,
    line,
    [],
    {
      at: now.toISOString(),
      type: staff ? 'chat_staff_message' : 'chat_ended',
      actor: 'system',
      detail: { channel: 'chat', source: message.chat?.source ?? 'widget' },
    },
    (current) => {
      const revised = {
        ...current,
        messageCount: current.messageCount + 1,
        updatedAt: now.toISOString(),
        version: current.version + 1,
      };
      if (!staff) return revised;
      return withNextTimer({
        ...revised,
        clocks: clocksOnStaffReply(current.clocks, new Date(message.receivedAt), policy),
      });
    },
  );
  if (appended.outcome === 'appended') return { outcome: 'appended', caseId };
  if (appended.outcome === 'duplicate') return { outcome: 'duplicate', caseId };
  return { outcome: 'no_case' };
}
