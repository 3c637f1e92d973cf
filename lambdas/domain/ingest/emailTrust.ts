import type { EmailVerdicts } from '../inboundMessage.js';

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

/**
 * The sender's domain is the desk's own (or a subdomain of it) or looks like it: the same name
 * after folding look-alike characters (`pharrnacy`, `pharmacy-example`), one or two letters off,
 * or the desk's name inside a longer one (`pharmacy-support-login.example`).
 */
export function claimsDeskDomain(senderDomain: string, deskDomains: readonly string[]): boolean {
  const domain = senderDomain.toLowerCase().replace(/\.$/, '');
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
 * Possible spoofing for the privacy team: DMARC failed (RFC 7489: the From domain's owner did not
 * authorise this sender) and the From domain is the desk's own or a look-alike, the way phishing
 * mail that impersonates the pharmacy arrives.
 */
export function isPossibleSpoofing(
  senderAddress: string | undefined,
  verdicts: EmailVerdicts,
  deskDomains: readonly string[],
): boolean {
  if (verdicts.dmarc !== 'FAIL' || !senderAddress) return false;
  const domain = senderAddress.split('@')[1];
  return domain !== undefined && claimsDeskDomain(domain, deskDomains);
}
