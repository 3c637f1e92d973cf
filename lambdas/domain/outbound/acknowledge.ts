import { randomBytes } from 'node:crypto';
import type { Case } from '../cases/caseRecord.js';
import type { InboundHints, InboundMessage } from '../inboundMessage.js';
import { answerAddressOf, unauthenticatedSenderReason } from '../ingest/emailTrust.js';
import type { OutboxEntry } from '../ports.js';
import { heldForSending } from './deliverOutbox.js';
import { type DeskSettings, messageIdDomain } from './deskSettings.js';
import { inboxOf, isAutomatedAddress, isDeskAddress, mailboxOf } from './mailLoopGuard.js';
import {
  fillTemplate,
  formatInstant,
  type LanguageTemplates,
  memberLanguages,
  templatesFor,
} from './templates.js';

/** At most one acknowledgement per sender in this window (mail-loop guard; the store keeps the guard item). */
export const ACKNOWLEDGEMENT_GUARD_MS = 10 * 60_000;

/**
 * IANA zones of countries that keep one civil time, for a form that names the member's country.
 * A country spanning zones (US, CA, MX, BR, RU, AU …) is left out: the desk's zone is shown instead
 * of a guess.
 */
const SINGLE_ZONE_COUNTRIES: Readonly<Record<string, string>> = {
  AE: 'Asia/Dubai',
  AR: 'America/Argentina/Buenos_Aires',
  AT: 'Europe/Vienna',
  BE: 'Europe/Brussels',
  CH: 'Europe/Zurich',
  CN: 'Asia/Shanghai',
  CO: 'America/Bogota',
  CR: 'America/Costa_Rica',
  CU: 'America/Havana',
  CZ: 'Europe/Prague',
  DE: 'Europe/Berlin',
  DK: 'Europe/Copenhagen',
  DO: 'America/Santo_Domingo',
  EG: 'Africa/Cairo',
  FI: 'Europe/Helsinki',
  FR: 'Europe/Paris',
  GB: 'Europe/London',
  GR: 'Europe/Athens',
  GT: 'America/Guatemala',
  HK: 'Asia/Hong_Kong',
  HN: 'America/Tegucigalpa',
  HT: 'America/Port-au-Prince',
  HU: 'Europe/Budapest',
  IE: 'Europe/Dublin',
  IL: 'Asia/Jerusalem',
  IN: 'Asia/Kolkata',
  IT: 'Europe/Rome',
  JM: 'America/Jamaica',
  JO: 'Asia/Amman',
  JP: 'Asia/Tokyo',
  KR: 'Asia/Seoul',
  LB: 'Asia/Beirut',
  NG: 'Africa/Lagos',
  NI: 'America/Managua',
  NL: 'Europe/Amsterdam',
  NO: 'Europe/Oslo',
  PA: 'America/Panama',
  PE: 'America/Lima',
  PH: 'Asia/Manila',
  PK: 'Asia/Karachi',
  PL: 'Europe/Warsaw',
  PR: 'America/Puerto_Rico',
  RO: 'Europe/Bucharest',
  SA: 'Asia/Riyadh',
  SE: 'Europe/Stockholm',
  SV: 'America/El_Salvador',
  TW: 'Asia/Taipei',
  UA: 'Europe/Kyiv',
  VE: 'America/Caracas',
  VN: 'Asia/Ho_Chi_Minh',
};

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The member's time zone where we know it: a form's `timeZone` field (the browser's
 * `Intl.DateTimeFormat().resolvedOptions().timeZone`), else a one-zone country of residence.
 */
export function memberTimeZone(hints: InboundHints): string | undefined {
  const fromForm = hints.formFields?.timeZone?.trim();
  if (fromForm && isTimeZone(fromForm)) return fromForm;
  return hints.country ? SINGLE_ZONE_COUNTRIES[hints.country.toUpperCase()] : undefined;
}

/** What the acknowledgement hook of `recordInbound` returns: the outbox entry and its mail-loop guard. */
export interface Acknowledgement {
  entry: OutboxEntry;
  /** At most one acknowledgement per key in {@link ACKNOWLEDGEMENT_GUARD_MS}. */
  guardKey: string;
  guardUntil: string;
}

function acknowledgementSection(
  templates: LanguageTemplates,
  kase: Case,
  timeZone: string,
  regulatory: boolean,
): string {
  const ack = templates.acknowledgement;
  const reference = { reference: kase.reference };
  const at = (iso: string) => formatInstant(new Date(iso), templates, timeZone);
  return [
    ack.greeting,
    '',
    fillTemplate(ack.intro, reference),
    '',
    `${ack.receivedLabel}: ${at(kase.receivedAt)}`,
    ack.nextSteps,
    `${ack.dueLabel}: ${at(kase.sla.firstResponseDueAt)}`,
    ...(regulatory ? ['', ack.regulatoryNote] : []),
    '',
    fillTemplate(ack.keepReference, reference),
    '',
    ack.emergency,
    ack.privacy,
    '',
    ack.signature,
    '',
    // Not the "-- " signature delimiter: mail clients fold everything after it, the other language included.
    ack.automaticNotice,
  ].join('\n');
}

function subjectOf(languages: readonly LanguageTemplates[], reference: string): string {
  if (languages.length === 1 && languages[0]) {
    return fillTemplate(languages[0].acknowledgement.subject, { reference });
  }
  // Several languages share one subject line: each wording once, the reference once at the end.
  const wordings = languages.map((templates) =>
    templates.acknowledgement.subject.replace(/\s*\[?\{reference\}\]?\s*/, ' ').trim(),
  );
  return `${wordings.join(' / ')} [${reference}]`;
}

/** RFC 5322 §3.6.4: References is the parent's References followed by the parent's Message-ID. */
function referencesOf(message: InboundMessage): string[] {
  const chain = [...message.threading.references];
  if (message.threading.messageId) chain.push(message.threading.messageId);
  // Keep the root and the most recent ids; a very long chain only grows the header.
  return chain.length > 10 ? [chain[0] ?? '', ...chain.slice(-9)] : chain;
}

/**
 * The acknowledgement of a new case, in the member's language (a preferred language first, then
 * the detected one; undetermined → English and Spanish), with the case reference and the first
 * response due time in the member's time zone where known, else the desk's. Undefined when none is
 * owed: automated mail (RFC 3834 §2), chat (the member is in the conversation), a sender without
 * an address, our own desk address, a no-reply mailbox, or e-mail whose sender is not authenticated
 * (DMARC, or aligned SPF; {@link unauthenticatedSenderReason}): the From may be forged, and the
 * acknowledgement would go to whoever was named there.
 */
export function composeAcknowledgement(
  created: Case,
  message: InboundMessage,
  now: Date,
  desk: DeskSettings,
): Acknowledgement | undefined {
  if (message.automated || created.automated) return undefined;
  if (message.channel !== 'email' && message.channel !== 'form') return undefined;
  if (unauthenticatedSenderReason(message) !== undefined) return undefined;
  const recipient = mailboxOf(answerAddressOf(message));
  if (!recipient || isDeskAddress(recipient, desk) || isAutomatedAddress(recipient)) return undefined;

  const languages = memberLanguages({
    preferredLanguage: message.hints.preferredLanguage,
    caseLanguage: created.language,
    script: created.script,
  }).map(templatesFor);
  const timeZone = memberTimeZone(message.hints) ?? desk.timeZone;
  const regulatory = created.clocks.clocks.some((clock) => clock.kind === 'regulatory');
  const text = languages
    .map((templates) => acknowledgementSection(templates, created, timeZone, regulatory))
    .join('\n\n————————————————\n\n');
  const references = referencesOf(message);
  const createdAt = now.toISOString();
  return {
    entry: {
      // One acknowledgement per case: a retried write of the same case lands on the same entry.
      entryId: `acknowledgement#${created.caseId}`,
      caseId: created.caseId,
      kind: 'acknowledgement',
      createdAt,
      mail: {
        to: [recipient],
        subject: subjectOf(languages, created.reference),
        text,
        headers: {
          // Random, not derivable from the case reference (RFC 5322 §3.6.4: globally unique): a
          // member answering a form case's acknowledgement cites only this id, and anyone who read
          // the reference could otherwise name it first in a message of their own, so that their
          // case held it and caught the member's answer.
          'Message-ID': `<ack.${created.caseId}.${randomBytes(12).toString('base64url')}@${messageIdDomain(desk)}>`,
          ...(message.threading.messageId ? { 'In-Reply-To': message.threading.messageId } : {}),
          ...(references.length > 0 ? { References: references.join(' ') } : {}),
          // RFC 3834 §5: marks our mail as an automatic response, so well-behaved responders stay quiet.
          'Auto-Submitted': 'auto-replied',
          // Exchange and Outlook skip their out-of-office replies to mail carrying this.
          'X-Auto-Response-Suppress': 'All',
          'Content-Language': languages.map((templates) => templates.language).join(', '),
        },
      },
    },
    // Per mailbox: every plus-tag variant of one sender shares the window (RFC 5233 subaddresses).
    guardKey: `acknowledgement:${inboxOf(recipient)}`,
    guardUntil: new Date(now.getTime() + ACKNOWLEDGEMENT_GUARD_MS).toISOString(),
  };
}

/** The `acknowledge` hook `recordInbound` takes. */
export type Acknowledger = (created: Case, message: InboundMessage, now: Date) => Acknowledgement | undefined;

/** The `acknowledge` hook `recordInbound` takes, bound to the desk's settings. */
export function acknowledgerFor(desk: DeskSettings): Acknowledger {
  return (created, message, now) => composeAcknowledgement(created, message, now, desk);
}

/**
 * The hook of a caller that sends each acknowledgement itself right after its case commits
 * (`deliverNow`): every entry is written held for that caller (`heldForSending`, so the send needs
 * no claim write) and collected in `toSend`.
 */
export function acknowledgingAtOnce<Composed extends { entry: OutboxEntry }>(
  acknowledge: (created: Case, message: InboundMessage, now: Date) => Composed | undefined,
  toSend: OutboxEntry[],
): (created: Case, message: InboundMessage, now: Date) => Composed | undefined {
  return (created, message, now) => {
    const acknowledgement = acknowledge(created, message, now);
    if (!acknowledgement) return undefined;
    const entry = heldForSending(acknowledgement.entry, now);
    toSend.push(entry);
    return { ...acknowledgement, entry };
  };
}
