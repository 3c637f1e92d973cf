import { createHash } from 'node:crypto';
import type { InboundMessage } from '../inboundMessage.js';

/**
 * Which inbound messages are the same message, and which conversation a message belongs to.
 * Every key here comes from outside input; the store bounds their length in bytes.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * The idempotency key of an inbound message: its channel, provider id and content. A true
 * redelivery (SES retry, SQS redelivery, an MTA resending after a timeout) has the same bytes and
 * maps to the same key; a different message that reuses a Message-ID (broken clients do) does not,
 * so it is recorded instead of dropped. The receipt time is left out on purpose: a resend has a
 * later one and is still the same message.
 */
export function inboundKeyOf(message: InboundMessage): string {
  return sha256(
    JSON.stringify([
      message.channel,
      message.externalId,
      message.sender.address?.trim().toLowerCase() ?? '',
      message.sender.phone ?? '',
      message.subject,
      message.bodyText,
      message.attachments.map((attachment) => [attachment.filename, attachment.contentType, attachment.size]),
    ]),
  );
}

/** `<id@host>` and `id@host` name the same message. */
function bareMessageId(messageId: string): string {
  return messageId.trim().replace(/^<(.*)>$/s, '$1');
}

/** The thread key of an RFC 5322 Message-ID: an outbound reply registers its own with this. */
export function messageThreadKey(messageId: string): string {
  return `msg:${bareMessageId(messageId)}`;
}

function conversationKey(message: InboundMessage): string | undefined {
  return message.threading.conversationId
    ? `conv:${message.channel}:${message.threading.conversationId}`
    : undefined;
}

/** Keys under which later messages find the case this message is on: its own Message-ID. */
export function ownThreadKeysOf(message: InboundMessage): string[] {
  return message.threading.messageId ? [messageThreadKey(message.threading.messageId)] : [];
}

/**
 * The conversation a message names, root first: the chat session, then References in order (RFC
 * 5322 §3.6.4: the first is the thread's root), then In-Reply-To. Whichever of these arrives
 * first opens the case and holds them all, so replies that arrive before their parent, or race
 * it, land in one case.
 */
export function referenceKeysOf(message: InboundMessage): string[] {
  const ids = [...message.threading.references, message.threading.inReplyTo].filter(
    (id): id is string => id !== undefined && bareMessageId(id).length > 0,
  );
  const own = message.threading.messageId ? messageThreadKey(message.threading.messageId) : undefined;
  const keys = [conversationKey(message), ...ids.map(messageThreadKey)].filter(
    (key): key is string => key !== undefined && key !== own,
  );
  return [...new Set(keys)];
}

/**
 * Messages with the same group are recorded one after another (a batch runs the rest
 * concurrently): the conversation's root, else the message's own id.
 */
export function conversationGroupOf(message: InboundMessage): string {
  return referenceKeysOf(message)[0] ?? ownThreadKeysOf(message)[0] ?? `inbound:${inboundKeyOf(message)}`;
}

/** The lower-case sender address, the form in which a case remembers its participants. */
export function participantOf(address: string | undefined): string | undefined {
  const trimmed = address?.trim().toLowerCase();
  return trimmed ? trimmed : undefined;
}
