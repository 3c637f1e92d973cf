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
  /** An ATTACHMENT item's files (Participant Service AttachmentItem); the bytes stay in Connect. */
  Attachments: z.optional(
    z
      .array(
        z.object({
          AttachmentId: z.optional(z.string().check(z.maxLength(256))),
          AttachmentName: z.optional(z.string().check(z.maxLength(512))),
          ContentType: z.optional(z.string().check(z.maxLength(200))),
          Status: z.optional(z.string().check(z.maxLength(32))),
        }),
      )
      .check(z.maxLength(20)),
  ),
});
export type ConnectChatItem = z.infer<typeof ConnectChatItemSchema>;

export type ConnectChatLine =
  | { kind: 'message'; role: 'member' | 'staff'; text: string; displayName?: string }
  | { kind: 'ended' }
  | { kind: 'ignored'; reason: string };

/**
 * A file sent in the chat, as a line of the transcript: its name, type and id, and where it is.
 * Connect keeps the file (the Participant Service hands it only to a participant of the chat), so
 * the case says a file came and where to open it, instead of losing that it was sent at all.
 */
function attachmentLine(item: ConnectChatItem): string {
  // The contact the file was sent in (after a transfer, not the first one).
  const contact = item.ContactId ?? item.InitialContactId ?? 'of this chat';
  const files = (item.Attachments ?? []).map((file) => {
    // The sender chose the name: one quoted line, so it cannot pose as the rest of this line.
    const given = (file.AttachmentName ?? '')
      .replace(/[\p{Cc}\p{Cf}\s]+/gu, ' ')
      .trim()
      .slice(0, 200);
    const name = given ? `“${given.replaceAll('”', '"')}”` : 'a file without a name';
    const details = [
      file.ContentType,
      file.Status && file.Status !== 'APPROVED' ? `status ${file.Status}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    return `${name}${details ? ` (${details})` : ''}${file.AttachmentId ? ` [id ${file.AttachmentId}]` : ''}`;
  });
  const what = files.length > 0 ? files.join('; ') : 'a file (the event did not describe it)';
  return `[Attachment sent in the chat: ${what}. The file stays in Amazon Connect: open it from contact ${contact}.]`;
}

/** What an item means for the case: a line of the transcript, the end of the chat, or nothing (typing, receipts). */
export function readConnectChatItem(item: ConnectChatItem): ConnectChatLine {
  if (item.Type === 'ATTACHMENT') {
    if (item.ParticipantRole === 'CUSTOMER') {
      return {
        kind: 'message',
        role: 'member',
        text: attachmentLine(item),
        ...(item.DisplayName ? { displayName: item.DisplayName } : {}),
      };
    }
    if (item.ParticipantRole === 'AGENT' || item.ParticipantRole === 'SUPERVISOR') {
      return { kind: 'message', role: 'staff', text: attachmentLine(item) };
    }
  }
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
