import type { InboundMessage } from '../inboundMessage.js';
import type { Policy } from '../policy/policy.js';
import { routeMessage } from '../policy/routeMessage.js';
import type { CaseStore, Clock } from '../ports.js';
import { clocksOnMemberMessage } from '../sla/clocks.js';
import { triage } from '../triage/triage.js';
import { caseIdFor, caseIdFromReference, caseReference } from './caseIds.js';
import { type Case, type CaseEvent, type CaseMessage, SUSPENDED_QUEUE } from './caseRecord.js';
import { withNextTimer } from './caseTimers.js';

export type RecordInboundOutcome =
  | { outcome: 'created'; caseId: string; queue: string }
  | { outcome: 'threaded'; caseId: string }
  | { outcome: 'duplicate'; caseId: string };

export interface RecordInboundServices {
  caseStore: CaseStore;
  clock: Clock;
  policy: Policy;
}

const PREVIEW_LENGTH = 280;
/** Stored message text stays well inside DynamoDB's 400 KB item limit; the raw original keeps all of it. */
export const STORED_TEXT_LIMIT = 50_000;

function storedText(redacted: string): string {
  if (redacted.length <= STORED_TEXT_LIMIT) return redacted;
  return `${redacted.slice(0, STORED_TEXT_LIMIT)}\n[truncated: the full message is in the raw original]`;
}
/** Keys under which later messages of the same conversation find this case. */
export function threadKeysOf(message: InboundMessage): string[] {
  const keys: string[] = [];
  if (message.threading.messageId) keys.push(`msg:${message.threading.messageId}`);
  if (message.threading.conversationId)
    keys.push(`conv:${message.channel}:${message.threading.conversationId}`);
  return keys;
}

function replyKeysOf(message: InboundMessage): string[] {
  const ids = [message.threading.inReplyTo, ...message.threading.references].filter(
    (id): id is string => id !== undefined,
  );
  const keys = ids.map((id) => `msg:${id}`);
  if (message.threading.conversationId)
    keys.push(`conv:${message.channel}:${message.threading.conversationId}`);
  return keys;
}

/**
 * A member's message on an existing case: a pending or resolved case wakes back into its queue,
 * paused clocks resume and a next-response clock starts. Automated mail (an out-of-office on the
 * thread) is kept on the case but changes nothing else.
 */
export function reviseForMemberMessage(
  current: Case,
  message: InboundMessage,
  now: Date,
  policy: Policy,
): Case {
  const revised: Case = {
    ...current,
    messageCount: current.messageCount + 1,
    updatedAt: now.toISOString(),
    version: current.version + 1,
  };
  if (message.automated) return revised;
  if (current.state === 'pending' || current.state === 'resolved') {
    revised.state = 'queued';
    delete revised.assignee;
    delete revised.leaseExpiresAt;
  }
  revised.clocks = clocksOnMemberMessage(current.clocks, new Date(message.receivedAt), policy);
  return withNextTimer(revised);
}

/**
 * Turns a normalized inbound message into a case, or joins it to the case it replies to.
 * Idempotent: a redelivered message is reported as a duplicate and changes nothing.
 */
export async function recordInbound(
  message: InboundMessage,
  services: RecordInboundServices,
): Promise<RecordInboundOutcome> {
  const { caseStore, clock, policy } = services;
  const existing = await caseStore.findCaseIdByInbound(message.channel, message.externalId);
  if (existing) return { outcome: 'duplicate', caseId: existing };

  const result = triage({
    channel: message.channel,
    subject: message.subject,
    text: message.bodyText,
    hints: message.hints,
  });
  const now = clock.now();
  const caseMessage: CaseMessage = {
    direction: 'inbound',
    channel: message.channel,
    externalId: message.externalId,
    receivedAt: message.receivedAt,
    subject: result.redactedSubject,
    text: storedText(result.redactedText),
    ...(message.rawBlobKey ? { rawBlobKey: message.rawBlobKey } : {}),
    attachments: message.attachments,
    ...(message.fax ? { fax: message.fax } : {}),
    ...(message.emailVerdicts ? { emailVerdicts: message.emailVerdicts } : {}),
  };

  const threadCaseId =
    (await caseStore.findCaseIdByThread(replyKeysOf(message))) ?? caseIdFromReference(message.subject);
  if (threadCaseId) {
    const appended = await caseStore.appendMessage(
      threadCaseId,
      caseMessage,
      threadKeysOf(message),
      {
        at: now.toISOString(),
        type: 'message_received',
        actor: 'system',
        detail: { channel: message.channel },
      },
      (current) => reviseForMemberMessage(current, message, now, policy),
    );
    if (appended.outcome === 'appended') return { outcome: 'threaded', caseId: threadCaseId };
    if (appended.outcome === 'duplicate') return { outcome: 'duplicate', caseId: threadCaseId };
    // A reference to a case that does not exist (typo, forged token): open a new case instead.
  }

  const routing = routeMessage(result, message.channel, new Date(message.receivedAt), policy, {
    ...(message.hints.country ? { country: message.hints.country } : {}),
  });
  const queue = message.automated ? SUSPENDED_QUEUE : routing.queue;
  const caseId = caseIdFor(message.channel, message.externalId);
  const createdAt = now.toISOString();
  const newCase: Case = {
    caseId,
    reference: caseReference(caseId),
    state: 'queued',
    queue,
    priority: message.automated ? 'low' : routing.priority,
    channel: message.channel,
    language: result.language,
    languageConfidence: result.languageConfidence,
    ...(result.script ? { script: result.script } : {}),
    topic: result.topic,
    topicConfidence: result.topicConfidence,
    needsTriage: routing.needsTriage,
    expedited: result.expedited,
    programs: result.programs,
    piiTypes: result.pii.map((finding) => finding.type),
    subject: result.redactedSubject,
    preview: result.redactedText.slice(0, PREVIEW_LENGTH),
    sender: {
      ...(message.sender.address ? { address: message.sender.address } : {}),
      ...(message.sender.name ? { name: message.sender.name } : {}),
    },
    ...(message.replyTo ? { replyTo: message.replyTo } : {}),
    automated: message.automated,
    receivedAt: message.receivedAt,
    createdAt,
    updatedAt: createdAt,
    version: 1,
    policyVersion: routing.policyVersion,
    routingReason: message.automated ? 'automated message matched no case' : routing.reason,
    sla: routing.sla,
    // Bounces and auto-replies owe nobody an answer: no SLA clocks, no escalations.
    clocks: message.automated ? { ...routing.clocks, clocks: [] } : routing.clocks,
    firedTimerEvents: [],
    slaStatus: 'ok',
    messageCount: 1,
  };
  const event: CaseEvent = {
    at: createdAt,
    type: 'case_created',
    actor: 'system',
    detail: { queue, priority: newCase.priority, topic: result.topic, reason: newCase.routingReason },
  };
  const created = await caseStore.createCase({
    case: withNextTimer(newCase),
    message: caseMessage,
    threadKeys: threadKeysOf(message),
    event,
  });
  if (created.outcome === 'duplicate') return { outcome: 'duplicate', caseId: created.caseId };
  return { outcome: 'created', caseId, queue };
}
