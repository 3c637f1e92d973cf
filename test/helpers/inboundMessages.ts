import type { InboundMessage } from '../../lambdas/domain/inboundMessage.js';

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
