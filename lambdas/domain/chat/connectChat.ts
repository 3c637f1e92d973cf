import * as z from '../zodMini.js';

/**
 * One Amazon Connect chat item as message streaming (StartContactStreaming → SNS) publishes it:
 * the same shape as a Participant Service transcript item.
 */
export const ConnectChatItemSchema = z.object({
  AbsoluteTime: z.iso.datetime({ offset: true }),
  Content: z.optional(z.string().check(z.maxLength(20_000))),
  ContentType: z.string().check(z.maxLength(200)),
  Id: z.string().check(z.minLength(1), z.maxLength(256)),
  Type: z.enum(['MESSAGE', 'EVENT', 'ATTACHMENT', 'CONNECTION_ACK', 'MESSAGEMETADATA']),
  ParticipantId: z.optional(z.string().check(z.maxLength(256))),
  DisplayName: z.optional(z.string().check(z.maxLength(256))),
  ParticipantRole: z.optional(z.enum(['CUSTOMER', 'AGENT', 'SYSTEM', 'CUSTOM_BOT', 'SUPERVISOR'])),
  InitialContactId: z.optional(z.string().check(z.maxLength(256))),
  ContactId: z.optional(z.string().check(z.maxLength(256))),
});
export type ConnectChatItem = z.infer<typeof ConnectChatItemSchema>;

export type ConnectChatLine =
  | { kind: 'message'; role: 'member' | 'staff'; text: string; displayName?: string }
  | { kind: 'ended' }
  | { kind: 'ignored'; reason: string };

/** What an item means for the case: a line of the transcript, the end of the chat, or nothing (typing, receipts). */
export function readConnectChatItem(item: ConnectChatItem): ConnectChatLine {
  if (item.Type === 'MESSAGE') {
    const text = (item.Content ?? '').trim();
    if (!text) return { kind: 'ignored', reason: 'empty message' };
    if (item.ParticipantRole === 'CUSTOMER') {
      return {
        kind: 'message',
        role: 'member',
        text,
        ...(item.DisplayName ? { displayName: item.DisplayName } : {}),
      };
    }
    if (item.ParticipantRole === 'AGENT' || item.ParticipantRole === 'SUPERVISOR') {
      return { kind: 'message', role: 'staff', text };
    }
    return {
      kind: 'ignored',
      reason: `a ${item.ParticipantRole ?? 'system'} message is not part of the transcript`,
    };
  }
  if (item.Type === 'EVENT' && item.ContentType === 'application/vnd.amazonaws.connect.event.chat.ended') {
    return { kind: 'ended' };
  }
  return { kind: 'ignored', reason: `${item.Type} ${item.ContentType}` };
}
