import type { PiiType } from './taxonomy.js';
import type { PiiFinding, Redaction } from './types.js';

// Walking-skeleton detectors; issue #3 hardens them (formats, context words, false positives).
const DETECTORS: [PiiType, RegExp, ((match: string) => boolean)?][] = [
  ['EMAIL', /[\w.+-]+@[\w-]+(\.[\w-]+)+/g],
  // CMS MBI format: 11 characters, position 1 digit 1-9, no S L O I B Z letters.
  ['MBI', /\b[1-9][AC-HJKMNP-RT-Yac-hjkmnp-rt-y][AC-HJKMNP-RT-Yac-hjkmnp-rt-y0-9]\d-?[AC-HJKMNP-RT-Yac-hjkmnp-rt-y][AC-HJKMNP-RT-Yac-hjkmnp-rt-y0-9]\d-?[AC-HJKMNP-RT-Yac-hjkmnp-rt-y]{2}\d{2}\b/g],
  ['CARD', /\b(?:\d[ -]?){13,19}\b/g, (match) => luhnValid(match.replace(/\D/g, ''))],
  ['SSN', /\b\d{3}[- ]?\d{2}[- ]?\d{4}\b/g],
  ['DOB', /\b(0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])[/-](19|20)\d{2}\b/g],
  ['PHONE', /(?:\+?1[ .-]?)?\(?\b\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}\b/g],
];

export function luhnValid(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function redactPii(text: string): Redaction {
  const findings: PiiFinding[] = [];
  const taken = (start: number, end: number) => findings.some((f) => start < f.end && end > f.start);
  for (const [type, pattern, accept] of DETECTORS) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const end = start + match[0].length;
      if (taken(start, end) || (accept && !accept(match[0]))) continue;
      findings.push({ type, start, end });
    }
  }
  findings.sort((a, b) => a.start - b.start);
  let redactedText = '';
  let cursor = 0;
  for (const finding of findings) {
    redactedText += `${text.slice(cursor, finding.start)}[${finding.type}]`;
    cursor = finding.end;
  }
  redactedText += text.slice(cursor);
  return { findings, redactedText };
}
