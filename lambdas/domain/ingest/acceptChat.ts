import { outsideHoursNotice } from '../chat/chatNotices.js';
import { type ConnectChatItem, readConnectChatItem } from '../chat/connectChat.js';
import {
  type ChatMember,
  ChatMemberSchema,
  type WidgetEvent,
  WidgetEventSchema,
} from '../chat/widgetEvents.js';
import type { Authentication } from '../fax/faxProvider.js';
import type { ChatDetails, InboundMessage } from '../inboundMessage.js';
import { chatHoursAt } from '../policy/chatHours.js';
import type { Policy } from '../policy/policy.js';
import type { BlobStore, Clock, InboundQueue } from '../ports.js';
import { fieldErrors, readJsonBody, type WebhookRequest, type WebhookResponse } from '../webhookRequest.js';
import * as z from '../zodMini.js';

/** Checks a widget event's signature and timestamp (HMAC in the adapter). */
export interface ChatWidgetAuthenticator {
  authenticate(request: WebhookRequest, now: Date): Authentication;
}

export interface AcceptChatServices {
  authenticator: ChatWidgetAuthenticator;
  blobStore: BlobStore;
  inboundQueue: InboundQueue;
  clock: Clock;
  policy: Policy;
}

export const CHAT_PREFIX = 'chat/';

function chatKeys(source: ChatDetails['source'], conversationId: string) {
  const folder = `${CHAT_PREFIX}${source}/${encodeURIComponent(conversationId)}/`;
  return {
    started: `${folder}started.json`,
    event: (eventId: string) => `${folder}events/${encodeURIComponent(eventId)}.json`,
  };
}

export type AcceptChatOutcome = WebhookResponse & {
  outcome: 'accepted' | 'started' | 'duplicate' | 'rejected' | 'unauthorized';
};

const StartedRecordSchema = z.object({ member: ChatMemberSchema, startedAt: z.string() });

/** The canonical message of one chat line; the conversation id threads every line into one case. */
export function chatLineMessage(line: {
  source: ChatDetails['source'];
  conversationId: string;
  lineId: string;
  role: ChatDetails['role'];
  event: ChatDetails['event'];
  text: string;
  receivedAt: Date;
  member?: ChatMember;
  outsideChatHours: boolean;
  rawBlobKey: string;
}): InboundMessage {
  const { member } = line;
  return {
    channel: 'chat',
    externalId: `${line.source}:${line.conversationId}:${line.lineId}`.slice(0, 1024),
    receivedAt: line.receivedAt.toISOString(),
    sender: {
      ...(member?.email ? { address: member.email } : {}),
      ...(member?.name ? { name: member.name } : {}),
    },
    ...(member?.email ? { replyTo: member.email } : {}),
    subject: line.outsideChatHours ? 'Web chat (received outside chat hours)' : 'Web chat',
    bodyText: line.text,
    attachments: [],
    rawBlobKey: line.rawBlobKey,
    threading: { references: [], conversationId: `${line.source}:${line.conversationId}` },
    hints: {
      ...(member?.preferredLanguage ? { preferredLanguage: member.preferredLanguage } : {}),
      ...(member?.memberId ? { formFields: { memberId: member.memberId } } : {}),
    },
    automated: false,
    chat: {
      source: line.source,
      role: line.role,
      event: line.event,
      ...(line.outsideChatHours ? { outsideChatHours: true } : {}),
    },
  };
}

/**
 * An event from the desk's own chat widget. Authenticated (HMAC over timestamp and body), validated
 * (400 with field errors), deduplicated on its event id, kept raw in the bucket, and queued for
 * routing; the answer tells the widget whether chat is open and, when it is not, what to tell the
 * member (in their language): their conversation becomes a message case answered on the
 * correspondence clock.
 */
export async function acceptWidgetEvent(
  request: WebhookRequest,
  services: AcceptChatServices,
): Promise<AcceptChatOutcome> {
  const now = services.clock.now();
  const authentication = services.authenticator.authenticate(request, now);
  if (!authentication.ok) {
    return {
      outcome: 'unauthorized',
      status: 401,
      body: { error: 'unauthorized', message: authentication.reason },
    };
  }
  const body = readJsonBody(request);
  if ('invalid' in body) return { outcome: 'rejected', ...body.invalid };
  const parsed = WidgetEventSchema.safeParse(body.json);
  if (!parsed.success) {
    return {
      outcome: 'rejected',
      status: 400,
      body: {
        error: 'invalid_event',
        message: 'the event does not match the chat widget schema',
        fields: fieldErrors(parsed.error.issues),
      },
    };
  }
  const event = parsed.data;
  const keys = chatKeys('widget', event.conversationId);
  const eventKey = keys.event(event.eventId);
  const hours = chatHoursAt(services.policy, now);
  const earlier = await services.blobStore.get(eventKey);
  if (earlier) {
    if (!sameWidgetEvent(earlier, event)) {
      // A different event under a used id: answering it as a duplicate would tell the widget it
      // was delivered and lose it. Refused as the IETF Idempotency-Key draft (§2.7) refuses a
      // reused key with another payload, so the widget can send it again under a new id.
      return {
        outcome: 'rejected',
        status: 422,
        body: {
          error: 'event_id_reused',
          message: 'this eventId was used for a different event; send this one with a new eventId',
          eventId: event.eventId,
        },
      };
    }
    return { outcome: 'duplicate', status: 200, body: { status: 'duplicate', eventId: event.eventId } };
  }

  let member: ChatMember | undefined;
  if (event.type === 'chat.started') member = event.member;
  else if (event.type === 'chat.member_message' && event.member) member = event.member;
  else {
    const started = await services.blobStore.get(keys.started);
    const record = started ? StartedRecordSchema.safeParse(safeJson(started)) : undefined;
    if (record?.success) member = record.data.member;
  }
  const chatState = {
    open: hours.open,
    nextOpenAt: hours.nextOpenAt,
    ...(hours.open ? {} : { notice: outsideHoursNotice(member?.preferredLanguage, hours.nextOpenAt) }),
  };

  if (event.type === 'chat.started') {
    // A second start of the same conversation (the widget reloaded) adds to the pre-chat answers and
    // corrects them; it does not wipe what the first one gave when it gives less.
    const earlierStart = await services.blobStore.get(keys.started);
    const earlierMember = earlierStart ? StartedRecordSchema.safeParse(safeJson(earlierStart)) : undefined;
    const answers = {
      ...(earlierMember?.success ? earlierMember.data.member : {}),
      ...Object.fromEntries(
        Object.entries(event.member).filter(([, value]) => value !== undefined && value !== ''),
      ),
    };
    await services.blobStore.put(
      keys.started,
      JSON.stringify({
        member: answers,
        startedAt: earlierMember?.success ? earlierMember.data.startedAt : now.toISOString(),
      }),
    );
    await services.blobStore.put(eventKey, request.body, { 'chat-event': event.type });
    return {
      outcome: 'started',
      status: 200,
      body: { status: 'started', conversationId: event.conversationId, chat: chatState },
    };
  }
  const message = chatLineMessage({
    source: 'widget',
    conversationId: event.conversationId,
    lineId: event.eventId,
    role: event.type === 'chat.staff_message' ? 'staff' : 'member',
    event: event.type === 'chat.ended' ? 'ended' : 'message',
    text:
      event.type === 'chat.ended'
        ? `[The chat ended (${event.endedBy === 'timeout' ? 'timed out' : `closed by the ${event.endedBy}`}).]`
        : event.text,
    receivedAt: now,
    ...(member ? { member } : {}),
    outsideChatHours: !hours.open,
    rawBlobKey: eventKey,
  });
  await services.inboundQueue.enqueue(message);
  // The raw event doubles as the delivery marker, written after the queue has the message: a crash
  // between the two makes the widget retry, and routing's own idempotency absorbs the second copy.
  await services.blobStore.put(eventKey, request.body, { 'chat-event': event.type });
  return {
    outcome: 'accepted',
    status: 202,
    body: { status: 'accepted', eventId: event.eventId, chat: chatState },
  };
}

/**
 * The stored raw event is this event: the same fields once parsed (a retry may order its keys
 * otherwise), its time aside: a widget that stamps each attempt sends a retry with a later
 * `occurredAt`, and that is still the line it sent before.
 */
function sameWidgetEvent(stored: Uint8Array, event: WidgetEvent): boolean {
  const parsed = WidgetEventSchema.safeParse(safeJson(stored));
  if (!parsed.success) return false;
  const { occurredAt: _storedAt, ...storedContent } = parsed.data;
  const { occurredAt: _retriedAt, ...content } = event;
  return JSON.stringify(storedContent) === JSON.stringify(content);
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

export type ConnectChatOutcome = { outcome: 'queued' | 'ignored'; reason?: string };

/**
 * One Amazon Connect chat item from message streaming (SNS → Lambda: AWS authenticates the
 * delivery, there is no payload signature). Member and agent messages and the end of the chat
 * join the contact's case; typing and receipts are ignored. Connect's own contact flow handles its
 * hours of operation, so these lines never run the outside-hours path.
 */
export async function acceptConnectChatItem(
  item: ConnectChatItem,
  raw: string,
  services: Pick<AcceptChatServices, 'inboundQueue' | 'blobStore'>,
): Promise<ConnectChatOutcome> {
  const line = readConnectChatItem(item);
  if (line.kind === 'ignored') return { outcome: 'ignored', reason: line.reason };
  const conversationId = item.InitialContactId ?? item.ContactId;
  if (!conversationId) return { outcome: 'ignored', reason: 'the item names no contact' };
  const message = chatLineMessage({
    source: 'connect',
    conversationId,
    lineId: item.Id,
    role: line.kind === 'message' ? line.role : 'member',
    event: line.kind === 'ended' ? 'ended' : 'message',
    text: line.kind === 'message' ? line.text : '[The chat ended.]',
    receivedAt: new Date(item.AbsoluteTime),
    ...(line.kind === 'message' && line.role === 'member' && line.displayName
      ? { member: { name: line.displayName } }
      : {}),
    outsideChatHours: false,
    rawBlobKey: chatKeys('connect', conversationId).event(item.Id),
  });
  await services.blobStore.put(message.rawBlobKey ?? '', raw, { 'chat-event': item.Type });
  await services.inboundQueue.enqueue(message);
  return { outcome: 'queued' };
}
