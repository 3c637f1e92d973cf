import { composeReplyMail, parentMessage, replyMessageId } from '../outbound/composeReply.js';
import { heldForSending } from '../outbound/deliverOutbox.js';
import type { DeskSettings } from '../outbound/deskSettings.js';
import { mailboxOf } from '../outbound/mailLoopGuard.js';
import type { Policy } from '../policy/policy.js';
import type { CaseStore, Clock, OutboxEntry, SlaMetrics } from '../ports.js';
import { clocksOnStaffReply, clocksStoppedBetween } from '../sla/clocks.js';
import { redactPii } from '../triage/redactPii.js';
import { type CaseActionOutcome, isAssigneeOtherThan, resumeBusinessClocks } from './caseActions.js';
import { ontoPolicyCalendars } from './caseCalendars.js';
import type { Case, CaseEvent, CaseMessage } from './caseRecord.js';
import { messageThreadKey } from './messageIdentity.js';
import { withNextTimer } from './nextTimer.js';
import type { StaffMember } from './staffMember.js';

export interface ReplyServices {
  caseStore: CaseStore;
  clock: Clock;
  policy: Policy;
  metrics: SlaMetrics;
  desk: DeskSettings;
  /** How long a claim holds: a reply to a case pending with its holder takes it back for this long. */
  leaseMs: number;
  /** The caller sends the reply itself right after the commit (`deliverNow`): its entry is written held for it. */
  sendsAtOnce?: boolean;
}

export type ReplyOutcome =
  | { outcome: 'done'; case: Case; message: CaseMessage; entry: OutboxEntry }
  | Exclude<CaseActionOutcome, { outcome: 'done' }>;

/**
 * A staff reply to the member, by the staff member holding the claim: the reply (redacted, as
 * `outbound`), its history event, our Message-ID as a thread key (so the member's answer joins the
 * case) and the outbox entry that sends it are written in one conditional transaction on the case
 * version. The first-response clock stops (next-response on later replies). The case stays claimed:
 * the holder pends or resolves it next. Sending is the outbox's job, right after this returns.
 *
 * A case pending with the staff member (waiting on the member) can be answered too, as Zendesk lets
 * an agent write to a pending ticket ("did the form reach you?"): the reply takes it back, claimed
 * with a fresh lease and its paused business clocks running again, as if claimed before replying;
 * the holder pends it again to go on waiting.
 */
export async function replyToCase(
  request: { text: string },
  caseId: string,
  staff: StaffMember,
  services: ReplyServices,
  options: { ifVersion?: number } = {},
): Promise<ReplyOutcome> {
  const view = await services.caseStore.getCase(caseId);
  if (!view) return { outcome: 'not_found' };
  const before = view.case;
  if (options.ifVersion !== undefined && before.version !== options.ifVersion) {
    return { outcome: 'conflict', case: before };
  }
  if (isAssigneeOtherThan(before, staff)) {
    return {
      outcome: 'forbidden',
      reason: `the case is held by ${before.assignee ?? 'someone else'}; only the holder replies (a supervisor can reassign it)`,
    };
  }
  const takesBack = before.state === 'pending' && before.assignee === staff.id;
  if (before.state !== 'claimed' && !takesBack) {
    return {
      outcome: 'invalid_state',
      case: before,
      reason: `the case is ${before.state}; claim it before replying`,
    };
  }
  const recipient = mailboxOf(before.replyTo ?? before.sender.address);
  if (!recipient) {
    return {
      outcome: 'invalid_state',
      case: before,
      reason: 'the member left no e-mail address to reply to',
    };
  }

  const now = services.clock.now();
  const at = now.toISOString();
  const version = before.version + 1;
  const messageId = replyMessageId(before, version, services.desk);
  const mail = composeReplyMail({
    kase: before,
    recipient,
    text: request.text,
    messageId,
    parent: parentMessage(view.messages),
  });
  const stored: CaseMessage = {
    direction: 'outbound',
    channel: 'email',
    externalId: messageId,
    receivedAt: at,
    subject: mail.subject,
    // What staff see later is redacted like every stored message; the member gets the text as written.
    text: redactPii(mail.text).redactedText,
    attachments: [],
    sender: { address: services.desk.address, ...(services.desk.name ? { name: services.desk.name } : {}) },
    messageId,
    ...(mail.headers.References ? { references: mail.headers.References.split(' ') } : {}),
    author: staff.id,
  };
  const working: Case = takesBack
    ? {
        ...before,
        state: 'claimed',
        leaseExpiresAt: new Date(now.getTime() + services.leaseMs).toISOString(),
        clocks: resumeBusinessClocks(before.clocks, now, services.policy),
      }
    : before;
  const onCalendars = ontoPolicyCalendars(working, services.policy, { at: now, now, actor: staff.id });
  const after = withNextTimer({
    ...onCalendars.kase,
    clocks: clocksOnStaffReply(onCalendars.kase.clocks, now, services.policy),
    messageCount: before.messageCount + 1,
    version,
    updatedAt: at,
  });
  const stopped = clocksStoppedBetween(working.clocks, after.clocks);
  const composed: OutboxEntry = {
    entryId: `reply#${caseId}#${version}`,
    caseId,
    kind: 'reply',
    mail,
    createdAt: at,
  };
  const entry = services.sendsAtOnce ? heldForSending(composed, now) : composed;
  const event: CaseEvent = {
    at,
    type: 'replied',
    actor: staff.id,
    detail: {
      messageId,
      outboxEntryId: entry.entryId,
      inReplyTo: mail.headers['In-Reply-To'] ?? null,
      clocksStopped: stopped.map((clock) => ({ clock: clock.clockId, breached: clock.breached })),
      ...(takesBack ? { takenBackFrom: 'pending' } : {}),
    },
  };
  const written = await services.caseStore.applyRevision(
    {
      before,
      after,
      events: [...onCalendars.events, event],
      messages: [stored],
      threadKeys: [messageThreadKey(messageId)],
    },
    [entry],
  );
  if (written === 'conflict') {
    const current = await services.caseStore.getCaseRecord(caseId);
    return current ? { outcome: 'conflict', case: current } : { outcome: 'not_found' };
  }
  for (const clock of stopped) {
    services.metrics.count(clock.breached ? 'SlaMissed' : 'SlaMet', {
      queue: before.queue,
      clock: clock.kind,
    });
  }
  return { outcome: 'done', case: after, message: stored, entry };
}
