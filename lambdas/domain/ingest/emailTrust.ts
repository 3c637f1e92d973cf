import { domainToUnicode } from 'node:url';
import type { EmailVerdicts, InboundMessage } from '../inboundMessage.js';

/**
 * Letters of other scripts that render like Latin ones (after NFKD has taken accents off and
 * folded full-width forms), the substitutions homoglyph domains use (Unicode TR #39 confusables).
 */
const HOMOGLYPHS: Record<string, string> = {
  '\u0430': 'a', // Cyrillic а
  '\u0432': 'b', // Cyrillic в
  '\u044c': 'b', // Cyrillic ь
  '\u0441': 'c', // Cyrillic с
  '\u0501': 'd', // Cyrillic ԁ
  '\u0435': 'e', // Cyrillic е
  '\u0261': 'g', // Latin script ɡ
  '\u04bb': 'h', // Cyrillic һ
  '\u043d': 'h', // Cyrillic н
  '\u0456': 'i', // Cyrillic і
  '\u0131': 'i', // Latin dotless ı
  '\u0458': 'j', // Cyrillic ј
  '\u043a': 'k', // Cyrillic к
  '\u04cf': 'l', // Cyrillic ӏ
  '\u0142': 'l', // Latin ł
  '\u043c': 'm', // Cyrillic м
  '\u043e': 'o', // Cyrillic о
  '\u00f8': 'o', // Latin ø
  '\u0440': 'p', // Cyrillic р
  '\u051b': 'q', // Cyrillic ԛ
  '\u0455': 's', // Cyrillic ѕ
  '\u0442': 't', // Cyrillic т
  '\u0443': 'y', // Cyrillic у
  '\u0445': 'x', // Cyrillic х
  '\u051d': 'w', // Cyrillic ԝ
  '\u03b1': 'a', // Greek α
  '\u03b5': 'e', // Greek ε
  '\u03b7': 'n', // Greek η
  '\u03b9': 'i', // Greek ι
  '\u03ba': 'k', // Greek κ
  '\u03bd': 'v', // Greek ν
  '\u03bf': 'o', // Greek ο
  '\u03c1': 'p', // Greek ρ
  '\u03c4': 't', // Greek τ
  '\u03c5': 'u', // Greek υ
  '\u03c7': 'x', // Greek χ
  '\u03c9': 'w', // Greek ω
};

/**
 * The domain as a reader sees it: IDNA labels (`xn--…`, as DNS and most MTAs carry them) decoded,
 * accents and full-width forms folded, and other scripts' look-alike letters read as Latin.
 */
function asReadDomain(domain: string): string {
  const lower = domain.toLowerCase().replace(/\.$/, '');
  const unicode = domainToUnicode(lower) || lower; // '' when a label is not valid punycode
  return [...unicode.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()]
    .map((character) => HOMOGLYPHS[character] ?? character)
    .join('');
}

/** Characters a look-alike domain swaps in for the desk's own (digit for letter, doubled letters for one). */
const CONFUSABLES: [RegExp, string][] = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/0/g, 'o'],
  [/[1l|]/g, 'i'],
  [/5/g, 's'],
  [/3/g, 'e'],
  [/-/g, ''],
];

function fold(label: string): string {
  let folded = label.toLowerCase();
  for (const [pattern, replacement] of CONFUSABLES) folded = folded.replace(pattern, replacement);
  return folded;
}

function distance(left: string, right: string): number {
  if (Math.abs(left.length - right.length) > 2) return 3;
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** The domain's name without its public suffix, roughly: `mail.pharmacy.example` → `pharmacy`. */
function mainLabel(domain: string): string {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  return labels.length >= 2 ? (labels[labels.length - 2] ?? '') : (labels[0] ?? '');
}

/** The sender's domain is one of the desk's own or a subdomain of it. */
export function isDeskDomain(senderDomain: string, deskDomains: readonly string[]): boolean {
  const domain = senderDomain.toLowerCase().replace(/\.$/, '');
  return deskDomains
    .map((entry) => entry.toLowerCase())
    .some((desk) => domain === desk || domain.endsWith(`.${desk}`));
}

/**
 * The sender's domain is the desk's own (or a subdomain of it) or looks like it: the same name
 * after folding look-alike characters (`pharrnacy`, `pharmacy-example`, `phаrmacy` with a
 * Cyrillic а, however it is encoded), one or two letters off, or the desk's name inside a longer
 * one (`pharmacy-support-login.example`).
 */
export function claimsDeskDomain(senderDomain: string, deskDomains: readonly string[]): boolean {
  if (isDeskDomain(senderDomain, deskDomains)) return true;
  const domain = asReadDomain(senderDomain);
  for (const desk of deskDomains.map((entry) => entry.toLowerCase())) {
    if (domain === desk || domain.endsWith(`.${desk}`)) return true;
    const own = fold(mainLabel(desk));
    const theirs = fold(mainLabel(domain));
    if (own.length < 4) continue;
    if (theirs === own || distance(theirs, own) <= (own.length >= 8 ? 2 : 1)) return true;
    if (theirs.includes(own)) return true;
    if (fold(domain.replace(/\./g, '')).includes(fold(desk.replace(/\./g, '')))) return true;
  }
  return false;
}

/**
 * Possible spoofing for the privacy team, the way phishing mail that impersonates the pharmacy
 * arrives:
 * - From the desk's own domain, when DMARC failed (RFC 7489: the domain's owner, the desk, did not
 *   authorise this sender). The desk's own mail passes.
 * - From a look-alike of it, whatever DMARC says: the attacker registers the look-alike and
 *   publishes its own policy, so its mail passes DMARC (or has none, GRAY). A look-alike is never
 *   the desk, so the flag costs the privacy team a look at most.
 */
export function isPossibleSpoofing(
  senderAddress: string | undefined,
  verdicts: EmailVerdicts,
  deskDomains: readonly string[],
): boolean {
  const domain = senderAddress?.split('@')[1];
  if (!domain) return false;
  if (isDeskDomain(domain, deskDomains)) return verdicts.dmarc === 'FAIL';
  return claimsDeskDomain(domain, deskDomains);
}

function bareDomain(domain: string): string {
  return domain.toLowerCase().replace(/\.$/, '');
}

/**
 * Two domains align when they are the same or one is a subdomain of the other. RFC 7489 §3.1.2's
 * relaxed alignment compares organizational domains, which needs the public-suffix list; this
 * reading misses siblings under one parent, and would align a domain with a bare public suffix
 * (`co.uk`) above it, which no sender's From or envelope domain is (SPF and DMARC records live on
 * registrable domains).
 */
export function domainsAlign(left: string, right: string): boolean {
  const a = bareDomain(left);
  const b = bareDomain(right);
  if (!a || !b) return false;
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/**
 * Where answers to a message go (the acknowledgement and staff replies). For e-mail that SES
 * received, the From address: SES vouches for the From domain, never for a mailbox, so a Reply-To
 * naming someone else (a stranger at the same provider as well as at another domain) is not where
 * a pharmacy sends a case reference or PHI. Elsewhere (a form's contact address, e-mail without a
 * receipt) the Reply-To the sender gave, else the sender.
 */
export function answerAddressOf(message: InboundMessage): string | undefined {
  if (message.channel === 'email' && message.emailVerdicts) return message.sender.address;
  return message.replyTo ?? message.sender.address;
}

/**
 * Why an automatic reply to this e-mail's sender would go to someone who may never have written,
 * or undefined when the sender is authenticated. An acknowledgement to a forged From is backscatter:
 * it mails a stranger (and tells them a case exists at a pharmacy), and RFC 3834 §2 asks responders
 * not to answer where the sender may be forged. Authenticated means DMARC passed for the From
 * domain (RFC 7489), or, where the domain publishes no DMARC policy, SPF passed for an envelope
 * domain aligned with it. Mail the spam scan flagged is not answered either. Other channels, and
 * e-mail without SES verdicts (none were recorded), are not judged here.
 */
export function unauthenticatedSenderReason(message: InboundMessage): string | undefined {
  const verdicts = message.emailVerdicts;
  if (message.channel !== 'email' || !verdicts) return undefined;
  if (verdicts.spam === 'FAIL') return 'the SES spam scan flagged it (spamVerdict FAIL)';
  if (verdicts.dmarc === 'PASS') return undefined;
  if (verdicts.dmarc === 'FAIL')
    return 'DMARC failed for the From domain (RFC 7489): the From address may be forged';
  if (verdicts.spf === 'PASS' && verdicts.spfAligned === true) return undefined;
  return `the From address is not authenticated: DMARC ${verdicts.dmarc ?? 'absent'}, and SPF ${verdicts.spf === 'PASS' ? 'passed only for an envelope domain other than the From domain' : (verdicts.spf ?? 'absent')}`;
}
