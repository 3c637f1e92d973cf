import type { PiiType } from './taxonomy.js';
import type { PiiFinding, Redaction } from './types.js';

/**
 * PII detection and redaction. When unsure between leaking an identifier and over-redacting,
 * redact: the redacted text is what previews, logs and queues show. Identifiers the desk works
 * with (order, Rx, tracking, claim numbers, NDC codes) are kept when they carry their label.
 */

export function luhnValid(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
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

/** SSA rules: area not 000, 666 or 900–999; group not 00; serial not 0000. */
export function ssnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area.startsWith('9')) return false;
  return digits.slice(3, 5) !== '00' && digits.slice(5) !== '0000';
}

// CMS MBI: C A AN N A AN N A A N N; letters exclude S L O I B Z.
const MBI_LETTER = '[AC-HJKMNP-RT-Yac-hjkmnp-rt-y]';
const MBI_ALNUM = '[AC-HJKMNP-RT-Yac-hjkmnp-rt-y0-9]';
// Between the groups of an identifier: a hyphen or dot with spaces around it, a few spaces, or a line
// break ("123-45-\n6789" where a mail client wrapped the line).
// Spaces are bounded so a long run of them costs no backtracking.
const GROUP_BREAK =
  '(?:[ \\t]{0,3}[-.][ \\t]{0,3}(?:\\r?\\n[ \\t]{0,3})?|[ \\t]{0,3}\\r?\\n[ \\t]{0,3}|[ \\t]{1,3})';
const MBI_BREAK =
  '(?:[ \\t]{0,3}-[ \\t]{0,3}(?:\\r?\\n[ \\t]{0,3})?|[ \\t]{0,3}\\r?\\n[ \\t]{0,3}|[ \\t]{1,3})?';
const MBI = new RegExp(
  `(?<![A-Za-z0-9])[1-9]${MBI_LETTER}${MBI_ALNUM}\\d${MBI_BREAK}${MBI_LETTER}${MBI_ALNUM}\\d${MBI_BREAK}${MBI_LETTER}{2}\\d{2}(?![A-Za-z0-9])`,
  'g',
);

/** Validate an MBI (dashes/spaces allowed) against the CMS format. */
export function mbiValid(text: string): boolean {
  const compact = text.replace(/[- ]/g, '');
  return compact.length === 11 && new RegExp(MBI.source).test(compact);
}

// No look-behind to skip starts inside a word: it would also refuse the start right after a previous match
// ("mary@x.com+bob@y.com" must give two addresses).
const EMAIL = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const SSN = new RegExp(`(?<![\\d-])\\d{3}(${GROUP_BREAK}?)\\d{2}(${GROUP_BREAK}?)\\d{4}(?![\\d-])`, 'g');
/**
 * An SSN glued to its label (`ssn-123456789`, `SSN#123-45-6789`, `social security no:123456789`): the
 * plain pattern skips a number right after a hyphen (so an order number `4471-123456789` stays), which
 * here is the label's.
 */
const SSN_LABELED = new RegExp(
  `\\b(?:ssn|ss#|social[ \\t]{0,3}security(?:[ \\t]{0,3}(?:number|no\\.?|#))?)[ \\t]{0,3}[:#=_-][ \\t]{0,3}(\\d{3}(?:${GROUP_BREAK})?\\d{2}(?:${GROUP_BREAK})?\\d{4})(?![\\d-])`,
  'gi',
);
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;
// Cards written in their printed groups with other separators: 4-4-4-4 (Visa, Mastercard, Discover),
// 4-4-4-4-3 (19 digits), 4-6-5 (Amex) and 4-6-4 (Diners).
const CARD_GROUPED = [
  `\\d{4}(?:${GROUP_BREAK}\\d{4}){3}${GROUP_BREAK}\\d{3}`,
  `\\d{4}(?:${GROUP_BREAK}\\d{4}){3}`,
  `\\d{4}${GROUP_BREAK}\\d{6}${GROUP_BREAK}\\d{4,5}`,
].map((form) => new RegExp(`(?<![\\d.-])${form}(?!\\d)`, 'g'));
// A parenthesis only as a whole group (`+44 (0)20 …`, `+1 (555) …`): a lone "(" after the number
// is the text's own ("+1 555 123 4567 (2 pages)").
const PHONE_INTL = /(?<![\w+])\+\d(?:[ .-]?(?:\(\d{1,4}\)|\d)){6,16}(?!\d)/g;
const PHONE_US =
  /(?<![\d-])(?:1[ .-])?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\d)|(?<![\d-])\d{10}(?!\d)/g;
const PHONE_CONTEXT =
  /\b(?:call|phone|tel|cell|mobile|fax|text|tel[eé]fono|celular|t[ée]l[ée]phone|portable|telefon|handy|telefone|telemovel|cellulare|telefonu|телефон|s[ốo] điện thoại|numero|n[uú]mero|numéro)\b/i;
const PHONE_LOCAL = /(?<![\d-])\d{3}[ .-]\d{4}(?!\d)/g;

const MONTHS = [
  'jan(?:uary|\\.)?',
  'feb(?:ruary|\\.)?',
  'mar(?:ch|\\.)?',
  'apr(?:il|\\.)?',
  'may',
  'june?',
  'july?',
  'aug(?:ust|\\.)?',
  'sep(?:t(?:ember)?|\\.)?',
  'oct(?:ober|\\.)?',
  'nov(?:ember|\\.)?',
  'dec(?:ember|\\.)?',
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'setiembre',
  'octubre',
  'noviembre',
  'diciembre',
  'janvier',
  'f[ée]vrier',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'ao[uû]t',
  'septembre',
  'octobre',
  'novembre',
  'd[ée]cembre',
  'januar',
  'j[äa]nner',
  'februar',
  'm[äa]rz',
  'juni',
  'juli',
  'oktober',
  'dezember',
  'janeiro',
  'fevereiro',
  'mar[çc]o',
  'maio',
  'junho',
  'julho',
  'setembro',
  'outubro',
  'novembro',
  'dezembro',
  'gennaio',
  'febbraio',
  'aprile',
  'maggio',
  'giugno',
  'luglio',
  'settembre',
  'ottobre',
  'dicembre',
  'stycznia',
  'lutego',
  'marca',
  'kwietnia',
  'maja',
  'czerwca',
  'lipca',
  'sierpnia',
  'wrze[śs]nia',
  'pa[źz]dziernika',
  'listopada',
  'grudnia',
  'января',
  'февраля',
  'марта',
  'апреля',
  'мая',
  'июня',
  'июля',
  'августа',
  'сентября',
  'октября',
  'ноября',
  'декабря',
  'pebrero',
  'marso',
  'hunyo',
  'hulyo',
  'setyembre',
  'oktubre',
  'nobyembre',
  'disyembre',
  'janvye',
  'fevriye',
  'mas',
  'avril',
  'me',
  'jen',
  'jiy[eè]',
  'out',
  'septanm',
  'okt[oò]b',
  'novanm',
  'desanm',
  'जनवरी',
  'फ़?फरवरी',
  'मार्च',
  'अप्रैल',
  'मई',
  'जून',
  'जुलाई',
  'अगस्त',
  'सितंबर',
  'अक्टूबर',
  'नवंबर',
  'दिसंबर',
  'يناير',
  'فبراير',
  'مارس',
  'أبريل',
  'مايو',
  'يونيو',
  'يوليو',
  'أغسطس',
  'سبتمبر',
  'أكتوبر',
  'نوفمبر',
  'ديسمبر',
].join('|');
const YEAR = '(?:19|20)\\d{2}';
const DAY = '(?:0?[1-9]|[12]\\d|3[01])';
const DATE_PATTERNS: RegExp[] = [
  // 03/14/1952, 14.03.1952, 14-03-1952, 3/14/52
  new RegExp(`(?<![\\d/.-])\\d{1,2}[/.-]\\d{1,2}[/.-](?:${YEAR}|\\d{2})(?![\\d/-]|\\.\\d)`, 'g'),
  // 1952-03-14, 1952/3/14, 1952.03.14
  new RegExp(`(?<![\\d/.-])${YEAR}[/.-]\\d{1,2}[/.-]\\d{1,2}(?![\\d/-]|\\.\\d)`, 'g'),
  // March 14, 1952 / Marso 14, 1952
  new RegExp(`(?<![\\p{L}])(?:${MONTHS})\\.?\\s+${DAY}(?:st|nd|rd|th)?,?\\s+${YEAR}(?!\\d)`, 'giu'),
  // 14 March 1952 / 14 de marzo de 1952 / 14. März 1952 / 14 mars 1952
  new RegExp(
    `(?<!\\d)${DAY}(?:st|nd|rd|th|er|º|°)?\\.?\\s+(?:de\\s+|of\\s+)?(?:${MONTHS})\\.?,?\\s+(?:de\\s+|del\\s+|r\\.?\\s*)?${YEAR}(?!\\d)`,
    'giu',
  ),
  // 1952年3月14日, 1952년 3월 14일, ngày 14 tháng 3 năm 1952
  new RegExp(`${YEAR}\\s*[年년]\\s*\\d{1,2}\\s*[月월]\\s*\\d{1,2}\\s*[日일]?`, 'g'),
  new RegExp(`(?:ngày\\s*)?\\d{1,2}\\s*tháng\\s*\\d{1,2},?\\s*(?:năm\\s*)?${YEAR}`, 'giu'),
];
const DOB_CONTEXT =
  /(?:\bd\.?o\.?b\b|birth|born|b-day|birthday|nacimiento|naci[oó]?|nac\.|naissance|n[ée]e? le|geburt|geboren|geb\.|nascimento|nascid[oa]|nascita|nato|nata|urodzeni|urodzon|рождени|родил|ngày sinh|sinh ngày|kapanganakan|ipinanganak|dat nesans|fèt|出生|生日|生年月日|생년월일|출생|الميلاد|ولدت|जन्म)/iu;

/** Labels of identifiers the desk works with: a number right after one is not PII. */
const WORK_ID_LABEL =
  /(?:\b(?:order|rx|prescription|tracking|track|claim|ref(?:erence)?|invoice|case|ticket|confirmation|ndc|lot|batch|member\s*(?:id|#|number|no)|group|pedido|receta|orden|commande|ordonnance|bestellung|rezept|sendung|encomenda|ordine|ricetta|zam[oó]wienie|recepta|заказ|рецепт|đơn hàng|mã|numero de suivi|n[uú]mero de (?:pedido|rastreo|seguimiento|orden|receta))\b[\s#:.\-no]*|#\s*)$/iu;

function hasWorkLabel(text: string, start: number): boolean {
  return WORK_ID_LABEL.test(text.slice(Math.max(0, start - 40), start));
}

function context(text: string, start: number, pattern: RegExp, span = 60): boolean {
  return pattern.test(text.slice(Math.max(0, start - span), start));
}

const SSN_CONTEXT =
  /\b(?:ssn|ss#|soc(?:ial)?\.?\s*sec(?:urity)?|seguro social|s[ée]curit[ée] sociale|sozialversicherung|seguridade social|previdenza|pesel|снилс|an sinh|tin|taxpayer)/i;
const CURRENT_YEAR = 2026;

const NUMERIC_DATES = DATE_PATTERNS.slice(0, 2);
const WORDED_DATES = DATE_PATTERNS.slice(2);
const YEARS = /(?:19|20)\d\d/g;

/** The year ends a numeric date ("02/17/1941"), which the numeric patterns find. */
function inNumericDate(text: string, index: number): boolean {
  const isDigit = (at: number) => {
    const code = text.charCodeAt(at);
    return code >= 48 && code <= 57;
  };
  const isSeparator = (at: number) => {
    const character = text.charAt(at);
    return character === '/' || character === '.' || character === '-';
  };
  // Only a year that ends a numeric date: one followed by "-3" may end a written one ("March 14, 1952-1953").
  return isSeparator(index - 1) && isDigit(index - 2);
}

/**
 * Where to look for dates: numeric patterns over the whole text; written dates ("March 14, 1952",
 * "14 de marzo de 1952") only in windows around a four-digit year, which every one of them carries, and not
 * around the year of a numeric date (a written date cannot share it).
 */
function dateScans(text: string): [number, string, RegExp[]][] {
  const scans: [number, string, RegExp[]][] = [[0, text, NUMERIC_DATES]];
  let windowStart = -1;
  let windowEnd = -1;
  for (const match of text.matchAll(YEARS)) {
    if (inNumericDate(text, match.index)) continue;
    const start = Math.max(0, match.index - 60);
    const end = Math.min(text.length, match.index + 12);
    if (start <= windowEnd) windowEnd = end;
    else {
      if (windowEnd > windowStart)
        scans.push([windowStart, text.slice(windowStart, windowEnd), WORDED_DATES]);
      windowStart = start;
      windowEnd = end;
    }
  }
  if (windowEnd > windowStart) scans.push([windowStart, text.slice(windowStart, windowEnd), WORDED_DATES]);
  return scans;
}

interface Candidate extends PiiFinding {
  rank: number;
}

function collect(text: string): Candidate[] {
  const candidates: Candidate[] = [];
  const add = (type: PiiType, start: number, end: number, rank: number) =>
    candidates.push({ type, start, end, rank });
  if (text.includes('@')) {
    for (const match of text.matchAll(EMAIL)) add('EMAIL', match.index, match.index + match[0].length, 0);
  }
  // Every other identifier needs digits: skip the scans on text with too few (most chat lines).
  const digitCount = text.match(/\d/g)?.length ?? 0;
  if (digitCount < 5) return candidates;
  for (const match of text.matchAll(MBI)) add('MBI', match.index, match.index + match[0].length, 1);
  if (digitCount < 6) return candidates;
  for (const match of [CARD, ...CARD_GROUPED].flatMap((pattern) => [...text.matchAll(pattern)])) {
    const digits = match[0].replace(/\D/g, '');
    if (!luhnValid(digits) || !/^[2-6]/.test(digits)) continue;
    if (
      hasWorkLabel(text, match.index) &&
      !context(
        text,
        match.index,
        /\b(?:card|visa|mastercard|amex|tarjeta|carte|karte|cart[aã]o|carta|karta|карт)/i,
      )
    )
      continue;
    add('CARD', match.index, match.index + match[0].length, 2);
  }
  for (const match of text.matchAll(SSN)) {
    const digits = match[0].replace(/\D/g, '');
    if (!ssnValid(digits)) continue;
    const separators = `${match[1]}${match[2]}`;
    if (separators === '' && hasWorkLabel(text, match.index) && !context(text, match.index, SSN_CONTEXT, 30))
      continue;
    if (separators.includes('.') && !context(text, match.index, SSN_CONTEXT)) continue;
    add('SSN', match.index, match.index + match[0].length, 3);
  }
  for (const match of text.matchAll(SSN_LABELED)) {
    const number = match[1] ?? '';
    if (!ssnValid(number.replace(/\D/g, ''))) continue;
    const start = match.index + match[0].length - number.length;
    add('SSN', start, start + number.length, 3);
  }
  for (const [offset, slice, patterns] of dateScans(text)) {
    for (const pattern of patterns) {
      for (const match of slice.matchAll(pattern)) {
        const start = offset + match.index;
        const year = Number(match[0].match(/(?:19|20)\d{2}(?!.*(?:19|20)\d{2})/)?.[0] ?? Number.NaN);
        const withContext = context(text, start, DOB_CONTEXT, 50);
        // A date with a year at least 15 years back is a birth date far more often than anything else.
        const oldEnough = Number.isFinite(year) && year >= 1900 && year <= CURRENT_YEAR - 15;
        if (!withContext && !oldEnough) continue;
        add('DOB', start, start + match[0].length, 4);
      }
    }
  }
  for (const match of text.matchAll(PHONE_INTL)) {
    const digits = match[0].replace(/\D/g, '');
    if (digits.length < 8) continue;
    add('PHONE', match.index, match.index + match[0].trimEnd().length, 5);
  }
  for (const match of text.matchAll(PHONE_US)) {
    const bare = /^\d{10}$/.test(match[0]);
    if (bare && hasWorkLabel(text, match.index) && !context(text, match.index, PHONE_CONTEXT, 30)) continue;
    if (!bare && hasWorkLabel(text, match.index) && !context(text, match.index, PHONE_CONTEXT, 30)) continue;
    add('PHONE', match.index, match.index + match[0].length, 6);
  }
  for (const match of text.matchAll(PHONE_LOCAL)) {
    if (context(text, match.index, PHONE_CONTEXT, 30))
      add('PHONE', match.index, match.index + match[0].length, 7);
  }
  return candidates;
}

/**
 * Each character that stands for an ASCII digit, letter, hyphen, space or sign in what members type
 * (full-width forms from Chinese, Japanese and Korean keyboards, Arabic-Indic and Devanagari digits,
 * typographic dashes, no-break and other fixed-width spaces), mapped to it. Every one of them is one
 * UTF-16 unit, as is its replacement, so offsets found in the mapped text hold in the original.
 */
function scanForm(text: string): string {
  return text.replace(
    /[\uff01-\uff5e\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u2010-\u2015\u2212\ufe58\ufe63\u00a0\u2000-\u200a\u202f\u205f\u3000]/g,
    (character) => {
      const code = character.charCodeAt(0);
      if (code >= 0xff01 && code <= 0xff5e) return String.fromCharCode(code - 0xfee0);
      if (code >= 0x0660 && code <= 0x0669) return String(code - 0x0660);
      if (code >= 0x06f0 && code <= 0x06f9) return String(code - 0x06f0);
      if (code >= 0x0966 && code <= 0x096f) return String(code - 0x0966);
      if ((code >= 0x2010 && code <= 0x2015) || code === 0x2212 || code === 0xfe58 || code === 0xfe63)
        return '-';
      return ' ';
    },
  );
}

/** Find PII and replace each finding with a typed placeholder such as `[SSN]`. Never throws. */
export function redactPii(text: string): Redaction {
  if (typeof text !== 'string' || text.length === 0) return { findings: [], redactedText: '' };
  const candidates = collect(scanForm(text)).sort((a, b) => a.rank - b.rank || a.start - b.start);
  const findings: PiiFinding[] = [];
  for (const candidate of candidates) {
    if (findings.some((taken) => candidate.start < taken.end && candidate.end > taken.start)) continue;
    findings.push({ type: candidate.type, start: candidate.start, end: candidate.end });
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
