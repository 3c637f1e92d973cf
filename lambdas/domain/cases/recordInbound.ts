import type { InboundMessage } from '../inboundMessage.js';
import {
  type DeliveryRecipient,
  isComplaint,
  isDelay,
  isPermanentFailure,
} from '../ingest/deliveryReport.js';
import { answerAddressOf, unauthenticatedSenderReason } from '../ingest/emailTrust.js';
import type { Policy } from '../policy/policy.js';
import { routeMessage } from '../policy/routeMessage.js';
import type { CaseStore, Clock, InboundJoinDecision, OutboxEntry } from '../ports.js';
import { clocksOnMemberMessage, clocksOnReopen } from '../sla/clocks.js';
import { redactPii } from '../triage/redactPii.js';
import { triage } from '../triage/triage.js';
import { resumeBusinessClocks, withinReopenWindow, withoutClaim } from './caseActions.js';
import { ontoPolicyCalendars } from './caseCalendars.js';
import { caseIdFor, caseIdFromReference, caseReference, followUpCaseId } from './caseIds.js';
import {
  type Case,
  type CaseEvent,
  type CaseMessage,
  SUSPENDED_QUEUE,
  type UnverifiedSender,
} from './caseRecord.js';
import { redactFaxDetails } from './caseViews.js';
import {
  inboundKeyOf,
  messageThreadKey,
  ownThreadKeysOf,
  participantOf,
  referenceKeysOf,
} from './messageIdentity.js';
import { withNextTimer } from './nextTimer.js';

export type RecordInboundOutcome =
  | { outcome: 'created'; caseId: string; queue: string; acknowledged: boolean; follows?: string }
  | { outcome: 'threaded'; caseId: string; unverifiedSender: boolean }
  | { outcome: 'duplicate'; caseId: string };

/** The acknowledgement of a new case (composed by the outbound rules), and its mail-loop guard key. */
export interface Acknowledgement {
  entry: OutboxEntry;
  guardKey: string;
}

export interface RecordInboundServices {
  caseStore: CaseStore;
  clock: Clock;
  policy: Policy;
  /** Composes the acknowledgement of a new case; undefined for automated mail (never acknowledged). */
  acknowledge?: (created: Case, message: InboundMessage, now: Date) => Acknowledgement | undefined;
}

export class RecordInboundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RecordInboundError';
  }
}

/** At most one acknowledgement per sender in this window (mail-loop guard, RFC 3834 §2). */
export const ACKNOWLEDGEMENT_GUARD_MS = 10 * 60_000;
const PREVIEW_LENGTH = 280;
/** Stored message text stays well inside DynamoDB's 400 KB item limit; the raw original keeps all of it. */
export const STORED_TEXT_LIMIT = 50_000;
/** Addresses a case remembers as its member's: enough for a member, a caregiver and a prescriber's office. */
const MAX_PARTICIPANTS = 20;

/**
 * The References a case message keeps for the reply it may get (RFC 5322 §3.6.4: the reply's
 * References are these plus this message's id): the thread's root and the most recent ones, so
 * a message with a hundred long references still fits in one item.
 */
const STORED_REFERENCES = 10;

function storedReferences(references: readonly string[]): string[] {
  if (references.length <= STORED_REFERENCES) return [...references];
  return [...references.slice(0, 1), ...references.slice(-(STORED_REFERENCES - 1))];
}

function storedText(redacted: string): string {
  if (redacted.length <= STORED_TEXT_LIMIT) return redacted;
  return `${redacted.slice(0, STORED_TEXT_LIMIT)}\n[truncated: the full message is in the raw original]`;
}

const redact = (text: string) => redactPii(text).redactedText;

type MatchedBy = UnverifiedSender['matchedBy'];

/**
 * A message that finds a case through a reference (the `CR-…` token or the thread's Message-IDs)
 * from an address the case has never seen is marked as from an unverified sender: anyone who
 * learns a reference could otherwise write "ship my meds to 1 Evil Street" on the member's case.
 * It still joins the case (a caregiver or a member's second address is common, and a message
 * must never be lost), but staff see the mark on the message, in the history and as a count on
 * the case before acting, and the address does not become a participant.
 */
function unverifiedSenderOf(
  current: Case,
  message: InboundMessage,
  matchedBy: MatchedBy,
): UnverifiedSender | undefined {
  const how =
    matchedBy === 'case_reference' ? 'names the case reference' : "replies in the case's e-mail thread";
  // Spoofing is judged on the message, not the case: a forged From of an address the case knows
  // is exactly what a spoofer sends, so a known address does not clear it.
  if (message.hints?.possibleSpoofing) {
    return {
      matchedBy,
      reason: `${how} from an address that claims the desk's domain or a look-alike of it (possible spoofing: check its DMARC verdict)`,
      possibleSpoofing: true,
    };
  }
  // A chat session is one conversation with one visitor: the provider vouches for it.
  if (message.threading.conversationId && matchedBy === 'thread_references') return undefined;
  const address = participantOf(message.sender.address);
  const known =
    current.participants ?? [participantOf(current.sender.address)].filter((a) => a !== undefined);
  if (address && known.includes(address)) return undefined;
  return {
    matchedBy,
    reason: address
      ? `${how} from an address this case has not seen`
      : `${how} without a sender address to check`,
  };
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
    revised.queuedAt = now.toISOString();
    delete revised.assignee;
    delete revised.leaseExpiresAt;
  }
  const receivedAt = new Date(message.receivedAt);
  let clocks = current.clocks;
  if (current.state === 'resolved') {
    // The member reopened it: the resolution clock runs on, as when staff reopen a case (never
    // from before the resolution, should the message have been written before it).
    const resolvedAt = Date.parse(current.resolvedAt ?? current.updatedAt);
    clocks = clocksOnReopen(clocks, new Date(Math.max(receivedAt.getTime(), resolvedAt)), policy);
  }
  revised.clocks = clocksOnMemberMessage(clocks, receivedAt, policy);
  return withNextTimer(revised);
}

/** What a history event says about each recipient of a bounce. */
function bouncedRecipients(recipients: readonly DeliveryRecipient[]) {
  // The remote server's words are text from outside, shown to staff: redacted like a message.
  return recipients.map(({ recipient, status, diagnostic }) => ({
    recipient,
    ...(status ? { status } : {}),
    ...(diagnostic ? { diagnostic: redact(diagnostic) } : {}),
  }));
}

/**
 * A bounce of the desk's own mail, on the case the mail was sent from: the member never got what the
 * desk wrote. Where the desk was waiting on that mail, the case comes back to staff:
 * - a pending case (waiting on the member's answer to mail that never arrived) goes back to its
 *   queue, its paused business clocks running again;
 * - a resolved case within the reopen window reopens (its answer never arrived), as a member's
 *   message would reopen it, without a next-response clock (the member wrote nothing).
 * Queued and claimed cases are in staff hands already; a delay (RFC 3464 `delayed`, or a class-4
 * status) only goes into the history. Help Scout shows such bounces in the conversation; Zendesk
 * parks them as suspended tickets, where nobody connects them to the member.
 */
function onBounce(
  current: Case,
  after: Case,
  message: InboundMessage,
  now: Date,
  policy: Policy,
  returnsMailOfCase: boolean,
): { after: Case; events: CaseEvent[] } {
  if (!returnsMailOfCase) return { after, events: [] };
  const at = now.toISOString();
  const complaint = message.feedbackReport;
  // A feedback report that is no complaint (`not-spam`, `auth-failure`) is kept on the case as
  // automated mail and says nothing more.
  if (complaint && !isComplaint(complaint)) return { after, events: [] };
  if (complaint) {
    // The member marked our mail as spam (RFC 5965): staff should know before they write again,
    // and the configuration set suppresses the address, so further mail comes back as a bounce.
    const detail = {
      feedbackType: complaint.feedbackType,
      ...(complaint.originalMessageId ? { originalMessageId: complaint.originalMessageId } : {}),
    };
    return { after, events: [{ at, type: 'complaint_received', actor: 'system', detail }] };
  }
  const report = message.deliveryReport;
  if (!report) return { after, events: [] };
  const failed = report.recipients.filter(isPermanentFailure);
  const delayed = report.recipients.filter(isDelay);
  const about = report.originalMessageId ? { originalMessageId: report.originalMessageId } : {};
  if (failed.length === 0) {
    if (delayed.length === 0) return { after, events: [] };
    const detail = { recipients: bouncedRecipients(delayed), ...about };
    return { after, events: [{ at, type: 'delivery_delayed', actor: 'system', detail }] };
  }
  const pending = current.state === 'pending';
  const reopens = current.state === 'resolved' && withinReopenWindow(current, now, policy);
  // Back in the queue in either case: a pending case's paused clocks run again, a resolved one's
  // resolution clock runs on as on any reopen.
  const woken: Case | undefined =
    pending || reopens
      ? {
          ...withoutClaim(after),
          state: 'queued',
          queuedAt: at,
          clocks: pending
            ? resumeBusinessClocks(after.clocks, now, policy)
            : clocksOnReopen(after.clocks, now, policy),
        }
      : undefined;
  const effect = pending
    ? `back in ${current.queue}: the member never got what the case waits on`
    : reopens
      ? 'reopened: the member never got the answer'
      : undefined;
  const events: CaseEvent[] = [
    {
      at,
      type: 'delivery_failed',
      actor: 'system',
      detail: { recipients: bouncedRecipients(failed), ...about, ...(effect ? { effect } : {}) },
    },
  ];
  if (reopens) {
    const reason = 'our e-mail to the member bounced';
    events.push({ at, type: 'reopened', actor: 'system', detail: { action: 'reopen', reason } });
  }
  return { after: woken ? withNextTimer(woken) : after, events };
}

/**
 * The member's contact details from a chat line, for a chat case that opened without them: the
 * widget's pre-chat answers (`chat.started`) can reach the desk after the member's first line, which
 * then opened the case with no name or address, so nobody could write back. Only from the
 * conversation itself (the provider vouches for its lines), only where the case has no address, and
 * never replacing a name or reply address the case already has.
 */
function missingChatContact(
  current: Case,
  message: InboundMessage,
  matchedBy: MatchedBy,
): Pick<Case, 'sender' | 'replyTo'> | undefined {
  if (message.channel !== 'chat' || !message.threading.conversationId || matchedBy !== 'thread_references')
    return undefined;
  const address = message.sender.address;
  if (current.sender.address || !address) return undefined;
  const name = current.sender.name ?? (message.sender.name ? redact(message.sender.name) : undefined);
  const replyTo = current.replyTo ?? message.replyTo;
  return { sender: { address, ...(name ? { name } : {}) }, ...(replyTo ? { replyTo } : {}) };
}

/** Decides what an inbound message does to the case it found. */
function decideJoin(
  current: Case,
  message: InboundMessage,
  stored: CaseMessage,
  matchedBy: MatchedBy,
  now: Date,
  policy: Policy,
  returnsMailOfCase: boolean,
): InboundJoinDecision {
  if (current.state === 'merged' && current.mergedInto)
    return { decision: 'forward', caseId: current.mergedInto };
  if (
    current.state === 'resolved' &&
    !message.automated &&
    !withinReopenWindow(current, new Date(message.receivedAt), policy)
  ) {
    return {
      decision: 'decline',
      reason: `resolved more than ${policy.caseRules.reopenWindowDays} days before this message`,
    };
  }
  const unverified = unverifiedSenderOf(current, message, matchedBy);
  const onCalendars = ontoPolicyCalendars(current, policy, {
    at: new Date(message.receivedAt),
    now,
    actor: 'system',
  });
  const bounce = onBounce(
    onCalendars.kase,
    reviseForMemberMessage(onCalendars.kase, message, now, policy),
    message,
    now,
    policy,
    returnsMailOfCase,
  );
  const after = bounce.after;
  const contact = missingChatContact(current, message, matchedBy);
  if (contact) Object.assign(after, contact);
  const address = participantOf(message.sender.address);
  if (unverified) {
    after.unverifiedMessages = (current.unverifiedMessages ?? 0) + 1;
  } else if (address && !(current.participants ?? []).includes(address)) {
    after.participants = [...(current.participants ?? []), address].slice(-MAX_PARTICIPANTS);
  }
  const at = now.toISOString();
  const events: CaseEvent[] = [
    ...onCalendars.events,
    {
      at,
      type: 'message_received',
      actor: 'system',
      detail: {
        channel: message.channel,
        matchedBy,
        ...(message.automated ? { automated: true } : {}),
        ...(unverified ? { unverifiedSender: unverified } : {}),
        ...(contact ? { contactAdded: "the member's chat details arrived after the first line" } : {}),
      },
    },
  ];
  events.push(...bounce.events);
  if (current.state === 'resolved' && after.state === 'queued' && !message.deliveryReport) {
    events.push({
      at,
      type: 'reopened',
      actor: 'system',
      detail: {
        action: 'reopen',
        reason: 'the member wrote again within the reopen window',
        ...(unverified ? { unverifiedSender: unverified } : {}),
      },
    });
  }
  return {
    decision: 'join',
    after,
    message: unverified ? { ...stored, unverifiedSender: unverified } : stored,
    events,
  };
}

/** Links a closed case to the follow-up a member's message opened (idempotent, best effort). */
async function linkFollowUp(
  closed: Case,
  followUpId: string,
  services: RecordInboundServices,
): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await services.caseStore.getCaseRecord(closed.caseId);
    if (!current || current.links?.some((link) => link.caseId === followUpId)) return;
    const at = services.clock.now().toISOString();
    const after: Case = {
      ...current,
      links: [...(current.links ?? []), { caseId: followUpId, relation: 'followed_by', at }],
      version: current.version + 1,
      updatedAt: at,
    };
    const event: CaseEvent = {
      at,
      type: 'followed_by',
      actor: 'system',
      detail: { caseId: followUpId, reason: 'the member wrote again after the reopen window' },
    };
    if (
      (await services.caseStore.applyRevision({ before: current, after, events: [event] }, [])) === 'applied'
    ) {
      return;
    }
  }
}

/**
 * How many of the conversation's ids a new case keeps as its own keys. A case is one DynamoDB
 * transaction (at most 100 items: the case, its message, event, keys, acknowledgement and figures
 * take about 10), so a message naming a long thread never seen here keeps its root and the most
 * recent ids — what later messages of the thread carry — instead of failing to open a case.
 */
export const MAX_REFERENCE_KEYS_KEPT = 40;

/** The root (first) and the most recent reference keys, at most {@link MAX_REFERENCE_KEYS_KEPT}. */
export function keptReferenceKeys(referenceKeys: readonly string[]): string[] {
  if (referenceKeys.length <= MAX_REFERENCE_KEYS_KEPT) return [...referenceKeys];
  return [...referenceKeys.slice(0, 2), ...referenceKeys.slice(-(MAX_REFERENCE_KEYS_KEPT - 2))];
}

/**
 * Conversations move (joins, follow-ups); each hop is one step of these. A thread answered once a
 * month, each case closed past the reopen window, passes every closed case of its follow-up chain
 * (the lookup finds the oldest first): one hop each, so the bound is generous; a loop cannot form,
 * because a message never joins a case that declined it.
 */
const MAX_HOPS = 100;

/**
 * Turns a normalized inbound message into a case, or joins it to the case it belongs to.
 * Idempotent: a redelivered message is reported as a duplicate and changes nothing.
 *
 * Cost: a fresh message is one transaction (a redelivery is answered by its cancellation reason);
 * a message that names a conversation reads its thread keys first (one batch read), then appends.
 */
export async function recordInbound(
  message: InboundMessage,
  services: RecordInboundServices,
): Promise<RecordInboundOutcome> {
  const { caseStore, clock, policy } = services;
  const now = clock.now();
  const inboundKey = inboundKeyOf(message);
  const result = triage({
    channel: message.channel,
    subject: message.subject,
    text: message.bodyText,
    hints: message.hints,
  });
  const senderName = message.sender.name ? redact(message.sender.name) : undefined;
  const sender = {
    ...(message.sender.address ? { address: message.sender.address } : {}),
    ...(senderName ? { name: senderName } : {}),
  };
  const stored: CaseMessage = {
    direction: 'inbound',
    channel: message.channel,
    externalId: message.externalId,
    receivedAt: message.receivedAt,
    subject: result.redactedSubject,
    text: storedText(result.redactedText),
    ...(message.rawBlobKey ? { rawBlobKey: message.rawBlobKey } : {}),
    attachments: message.attachments.map((attachment) => ({
      ...attachment,
      filename: redact(attachment.filename),
    })),
    sender,
    ...(message.threading.messageId ? { messageId: message.threading.messageId } : {}),
    ...(message.threading.references.length > 0
      ? { references: storedReferences(message.threading.references) }
      : {}),
    ...(message.fax ? { fax: redactFaxDetails(message.fax) } : {}),
    ...(message.emailVerdicts ? { emailVerdicts: message.emailVerdicts } : {}),
  };
  let threadKeys = ownThreadKeysOf(message);
  const referenceKeys = referenceKeysOf(message);

  // A delivery report acts (delivery_failed, a pending case woken, a resolved one reopened) only on
  // the case that holds the Message-ID of the mail it returns: found by that id alone, not by the
  // report's own References or a CR- reference in its subject, which anyone who learns a reference
  // can write (and which a bounced supervisor notice carries). Otherwise it is automated mail that
  // joins or parks, and changes nothing.
  const returned = message.deliveryReport?.originalMessageId ?? message.feedbackReport?.originalMessageId;
  const bouncedCase = returned ? await caseStore.findCaseIdByDeskMail(messageThreadKey(returned)) : undefined;
  let target: { caseId: string; matchedBy: MatchedBy } | undefined = bouncedCase
    ? { caseId: bouncedCase, matchedBy: 'thread_references' }
    : undefined;
  if (!target && referenceKeys.length > 0) {
    const found = await caseStore.findCaseIdByThread(referenceKeys);
    if (found) target = { caseId: found, matchedBy: 'thread_references' };
  }
  const named = caseIdFromReference(message.subject);
  if (!target && named) target = { caseId: named, matchedBy: 'case_reference' };

  let closed: Case | undefined;
  /** The closed cases that declined this message: it opens a follow-up, never joins one of them. */
  const declinedBy = new Set<string>();
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (target) {
      const { matchedBy } = target;
      // The store may call `decide` again after a concurrent change; the last decision is the one written.
      let decided: InboundJoinDecision | undefined;
      const appended = await caseStore.appendMessage({
        caseId: target.caseId,
        inboundKey,
        threadKeys,
        decide: (current) => {
          decided = decideJoin(current, message, stored, matchedBy, now, policy, bouncedCase !== undefined);
          return decided;
        },
      });
      if (appended.outcome === 'appended') {
        return {
          outcome: 'threaded',
          caseId: appended.case.caseId,
          unverifiedSender: decided?.decision === 'join' && decided.message.unverifiedSender !== undefined,
        };
      }
      if (appended.outcome === 'duplicate') return { outcome: 'duplicate', caseId: appended.caseId };
      if (appended.outcome === 'declined') {
        // Closed past the reopen window: the member's message goes to the follow-up case.
        closed = appended.case;
        declinedBy.add(closed.caseId);
        target = { caseId: followUpCaseId(closed), matchedBy };
        continue;
      }
      // A reference to a case that does not exist (typo, forged token) or a follow-up not opened yet.
      target = undefined;
    }
    const created = await createCase(
      message,
      result,
      stored,
      sender,
      inboundKey,
      threadKeys,
      referenceKeys,
      now,
      services,
      closed,
    );
    if (created.outcome === 'joins' && declinedBy.has(created.caseId)) {
      // A closed case that declined the message holds its own id: it named the message before it
      // arrived (a late parent). The follow-up opens without that key; later messages naming it
      // find the closed case, which sends them on along its follow-ups.
      threadKeys = [];
      continue;
    }
    if (created.outcome === 'joins') {
      target = { caseId: created.caseId, matchedBy: 'thread_references' };
      continue;
    }
    if (closed) await linkFollowUp(closed, created.caseId, services);
    return created;
  }
  throw new RecordInboundError(`message kept moving between cases after ${MAX_HOPS} hops`);
}

async function createCase(
  message: InboundMessage,
  result: ReturnType<typeof triage>,
  stored: CaseMessage,
  sender: Case['sender'],
  inboundKey: string,
  threadKeys: string[],
  referenceKeys: string[],
  now: Date,
  services: RecordInboundServices,
  follows: Case | undefined,
): Promise<RecordInboundOutcome | { outcome: 'joins'; caseId: string }> {
  const { caseStore, policy } = services;
  const routing = routeMessage(result, message.channel, new Date(message.receivedAt), policy, {
    ...(message.hints.country ? { country: message.hints.country } : {}),
  });
  const queue = message.automated ? SUSPENDED_QUEUE : routing.queue;
  const caseId = follows ? followUpCaseId(follows) : caseIdFor(message.channel, inboundKey);
  const createdAt = now.toISOString();
  const participant = participantOf(message.sender.address);
  const newCase: Case = withNextTimer({
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
    sender,
    // Replies go where answerAddressOf says: an e-mail's Reply-To is not kept as the reply address.
    ...(message.replyTo && answerAddressOf(message) === message.replyTo ? { replyTo: message.replyTo } : {}),
    ...(message.hints.country ? { country: message.hints.country } : {}),
    ...(routing.outsideChatHours ? { openedOutsideChatHours: true as const } : {}),
    automated: message.automated,
    receivedAt: message.receivedAt,
    createdAt,
    updatedAt: createdAt,
    version: 1,
    policyVersion: routing.policyVersion,
    routingReason: message.automated ? 'automated message matched no case' : routing.reason,
    ...(result.evidence.length > 0 ? { triageEvidence: storedEvidence(result.evidence) } : {}),
    sla: routing.sla,
    // Bounces and auto-replies owe nobody an answer: no SLA clocks, no escalations.
    clocks: message.automated ? { ...routing.clocks, clocks: [] } : routing.clocks,
    firedTimerEvents: [],
    slaStatus: 'ok',
    messageCount: 1,
    queuedAt: createdAt,
    ...(participant ? { participants: [participant] } : {}),
    ...(follows ? { links: [{ caseId: follows.caseId, relation: 'follows' as const, at: createdAt }] } : {}),
  });
  const event: CaseEvent = {
    at: createdAt,
    type: 'case_created',
    actor: 'system',
    detail: {
      queue,
      priority: newCase.priority,
      topic: result.topic,
      reason: newCase.routingReason,
      ...(follows ? { follows: follows.caseId, why: 'the member wrote again after the reopen window' } : {}),
    },
  };
  const acknowledgement = message.automated ? undefined : services.acknowledge?.(newCase, message, now);
  // Staff see why the member heard nothing from us (and can answer in person once they trust the sender).
  const unauthenticated = message.automated ? undefined : unauthenticatedSenderReason(message);
  if (services.acknowledge && unauthenticated) event.detail.acknowledgement = `not sent: ${unauthenticated}`;
  const created = await caseStore.createCase({
    case: newCase,
    message: stored,
    inboundKey,
    threadKeys,
    // A follow-up leaves the closed case's conversation keys where they are: later messages of that
    // thread find the closed case, which sends them here (its follow-up id is derived from it).
    referenceKeys: follows ? [] : keptReferenceKeys(referenceKeys),
    event,
    ...(acknowledgement
      ? {
          outbox: [acknowledgement.entry],
          acknowledgementGuard: {
            key: acknowledgement.guardKey,
            until: new Date(now.getTime() + ACKNOWLEDGEMENT_GUARD_MS).toISOString(),
          },
        }
      : {}),
  });
  if (created.outcome === 'duplicate') return { outcome: 'duplicate', caseId: created.caseId };
  if (created.outcome === 'joins') return created;
  return {
    outcome: 'created',
    caseId,
    queue,
    acknowledged: created.acknowledged,
    ...(follows ? { follows: follows.caseId } : {}),
  };
}

/**
 * Triage evidence as the case keeps it. A model word or a form line is quoted from the member's
 * unredacted text, where a fragment of an identifier ("9757", the last four of an SSN, or
 * "03/04/2015" without the "born" that makes it a birth date) no longer looks like one to the
 * redactor: an item quoting anything with a digit is left out, the rest redacted again; each cut
 * to 200 characters, at most 12.
 */
function storedEvidence(evidence: readonly string[]): string[] {
  // Past the first quote, every digit is the member's (an unbalanced quote in their text can shift
  // the pairs), except the score the item ends with ("(+1.13)").
  const quotesDigits = (item: string) => {
    const quote = item.indexOf('"');
    return quote >= 0 && /\p{Nd}/u.test(item.slice(quote).replace(/\s*\([+-]?[\d.]+\)$/u, ''));
  };
  return evidence
    .filter((item) => !quotesDigits(item))
    .slice(0, 12)
    .map((item) => redact(item).slice(0, 200));
}
