import type { InboundMessage } from '../../lambdas/domain/inboundMessage.js';
import { chatLineMessage } from '../../lambdas/domain/ingest/acceptChat.js';

/** An event factory: a valid inbound email, with overrides. */
export function inboundEmail(overrides: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channel: 'email',
    externalId: '<refill-1@mail.example.com>',
    receivedAt: '2026-11-27T16:00:00.000Z',
    sender: { address: 'maria@example.com', name: 'Maria Lopez' },
    subject: 'Refill for my lisinopril',
    bodyText: 'Please send a refill of my lisinopril prescription. My SSN is 123-45-6789.',
    attachments: [],
    threading: { messageId: '<refill-1@mail.example.com>', references: [] },
    hints: {},
    automated: false,
    ...overrides,
  };
}

/**
 * An event factory: a member's line of a chat widget conversation, as the chat channel queues it.
 * `withoutMember`: a line sent before the widget's pre-chat answers reached the desk (no name, no address).
 */
export function widgetMemberLine(
  conversationId: string,
  lineId: string,
  text: string,
  options: { withoutMember?: boolean; receivedAt?: Date } = {},
): InboundMessage {
  return chatLineMessage({
    source: 'widget',
    conversationId,
    lineId,
    role: 'member',
    event: 'message',
    text,
    receivedAt: options.receivedAt ?? new Date('2026-12-01T15:00:00.000Z'),
    ...(options.withoutMember ? {} : { member: { name: 'Dana Lee', email: 'dana@example.com' } }),
    outsideChatHours: false,
    rawBlobKey: `chat/widget/${conversationId}/events/${lineId}.json`,
  });
}
