import { randomBytes } from 'node:crypto';
import type { Case, CaseMessage } from '../cases/caseRecord.js';
import type { OutboundMail } from '../ports.js';
import { type DeskSettings, messageIdDomain } from './deskSettings.js';
import { fillTemplate, memberLanguages, templatesFor } from './templates.js';

/** Reply prefixes of the common mail clients, in the languages members write in. */
const REPLY_PREFIX =
  /^\s*((re|aw|sv|vs|fw|fwd|rv|tr|wg|odp|ответ|回复|回覆|答复|답장)\s*(\[\d+\])?\s*[:：]\s*)+/i;
const REFERENCE_TOKEN = /\s*\[?\bCR-[0-9A-HJKMNP-TV-Z]{10}\b\]?\s*/gi;

/**
 * The subject of a reply: `Re: <the member's subject> [CR-…]`. The case keeps the subject
 * redacted, so no identifier a member typed there travels back in a header. RFC 5322 §3.6.5
 * suggests `Re: ` whatever the language; localized prefixes (`AW:`, `SV:`) are stripped, not added.
 */
export function replySubject(kase: Case): string {
  let subject = kase.subject
    .replace(REFERENCE_TOKEN, ' ')
    .replace(REPLY_PREFIX, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (subject.length === 0) {
    const [language = 'en'] = memberLanguages({ caseLanguage: kase.language, script: kase.script });
    subject = templatesFor(language)
      .acknowledgement.subject.replace(REFERENCE_TOKEN, '')
      .replace(/\s*\[?\{reference\}\]?\s*/, '')
      .trim();
  }
  // At most 200 code points: a cut by UTF-16 unit can split a surrogate pair (an emoji), which the
  // member would see as U+FFFD and which is not valid UTF-8 for the outbox item.
  return `Re: ${Array.from(subject).slice(0, 200).join('').trimEnd()} [${kase.reference}]`;
}

/**
 * The member message a reply answers: the latest inbound message from a verified sender that has
 * a Message-ID. A message that threaded in from an address the case never saw is not answered
 * into (its sender may not be the member).
 */
export function parentMessage(messages: readonly CaseMessage[]): CaseMessage | undefined {
  return messages.findLast(
    (message) =>
      message.direction === 'inbound' && message.messageId !== undefined && !message.unverifiedSender,
  );
}

/** RFC 5322 §3.6.4: the parent's References then its Message-ID; the root and the nine latest kept. */
export function referencesFor(parent: CaseMessage | undefined): string[] {
  if (!parent?.messageId) return [];
  const chain = [...(parent.references ?? []), parent.messageId].filter(
    (id, index, all) => all.indexOf(id) === index,
  );
  return chain.length > 10 ? [chain[0] ?? '', ...chain.slice(-9)] : chain;
}

/**
 * Our Message-ID for the reply written at case `version`, under the desk's domain, with 96 random
 * bits (RFC 5322 §3.6.4: globally unique). The reply registers it as a thread key in its own
 * transaction; were it only `reply.<case>.<version>`, anyone who read the case reference (it is in
 * every subject) could name the next versions' ids in the References of a message of their own
 * first, so their case held those keys and every reply to the member's case failed as a conflict.
 */
export function replyMessageId(kase: Case, version: number, desk: DeskSettings): string {
  return `<reply.${kase.caseId}.${version}.${randomBytes(12).toString('base64url')}@${messageIdDomain(desk)}>`;
}

/**
 * The mail that carries a staff reply: the text as written, then a footer with the case reference
 * in the case's language (English and Spanish when the language is undetermined).
 */
export function composeReplyMail(options: {
  kase: Case;
  recipient: string;
  text: string;
  messageId: string;
  parent: CaseMessage | undefined;
}): OutboundMail {
  const { kase, recipient, text, messageId, parent } = options;
  const languages = memberLanguages({ caseLanguage: kase.language, script: kase.script });
  const footer = languages
    .map((language) => fillTemplate(templatesFor(language).reply.footer, { reference: kase.reference }))
    .join('\n');
  const references = referencesFor(parent);
  return {
    to: [recipient],
    subject: replySubject(kase),
    text: `${text.trimEnd()}\n\n-- \n${footer}\n`,
    headers: {
      'Message-ID': messageId,
      ...(parent?.messageId ? { 'In-Reply-To': parent.messageId } : {}),
      ...(references.length > 0 ? { References: references.join(' ') } : {}),
      'Content-Language': languages.join(', '),
    },
  };
}
