import * as z from 'zod';

/**
 * One Amazon Connect chat item as message streaming (StartContactStreaming → SNS) publishes it:
 * the same shape as a Participant Service transcript item.
 */
export const ConnectChatItemSchema = z.object({
  AbsoluteTime: z.iso.datetime({ offset: true }),
  Content: z.string().max(20_000).optional(),
  ContentType: z.string().max(200),
  Id: z.string().min(1).max(256),
  Type: z.enum(['MESSAGE', 'EVENT', 'ATTACHMENT', 'CONNECTION_ACK', 'MESSAGEMETADATA']),
  ParticipantId: z.string().max(256).optional(),
  DisplayName: z.string().max(256).optional(),
  ParticipantRole: z.enum(['CUSTOMER', 'AGENT', 'SYSTEM', 'CUSTOM_BOT', 'SUPERVISOR']).optional(),
  InitialContactId: z.string().max(256).optional(),
  ContactId: z.string().max(256).optional(),
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
