import * as z from '../zodMini.js';
import { isValidNpi } from './npi.js';
import type { OcrPage } from './ocr.js';

export const FaxRequestTypeSchema = z.enum([
  'redetermination',
  'coverage_determination',
  'prescription',
  'unknown',
]);
export type FaxRequestType = z.infer<typeof FaxRequestTypeSchema>;

/** What reading a faxed form found. Every field is optional: OCR misses, and people leave boxes blank. */
export const FaxFormFieldsSchema = z.object({
  requestType: FaxRequestTypeSchema,
  /** The form's expedited box is checked, or the sender asks for speed in their own words. */
  expedited: z.boolean(),
  /** The line that decided `expedited` (a checked box, "URGENT - expedited … request"). */
  expeditedEvidence: z.optional(z.string().check(z.maxLength(300))),
  /** A request form (redetermination, coverage determination) with its expedited section was read. */
  formRecognized: z.boolean(),
  coverSheet: z.boolean(),
  memberName: z.optional(z.string().check(z.maxLength(200))),
  memberId: z.optional(z.string().check(z.maxLength(40))),
  /** ISO 8601 date. */
  dateOfBirth: z.optional(z.string().check(z.maxLength(10))),
  prescriberName: z.optional(z.string().check(z.maxLength(200))),
  npi: z.optional(z.string().check(z.maxLength(10))),
  /** The NPI's check digit is right (45 CFR 162.406): a wrong one is a misread or a mistyped number. */
  npiValid: z.optional(z.boolean()),
  drug: z.optional(z.string().check(z.maxLength(300))),
});
export type FaxFormFields = z.infer<typeof FaxFormFieldsSchema>;

/** OCR's usual confusions and typographic quotes, folded so the labels below match. */
function normalizeLine(line: string): string {
  return line
    .replace(/[‘’`´]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[|]/g, ' ')
    .replace(/{/g, '(')
    .replace(/}/g, ')')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The value after a label on the same line, up to a second label (`Date of Birth: … Phone: …`). */
function valueAfter(line: string, label: RegExp): string | undefined {
  const match = label.exec(line);
  if (!match) return undefined;
  let value = line.slice(match.index + match[0].length).replace(/^\s*[:;.,#-]*\s*/, '');
  value = value
    .replace(/\s{2,}.*$/, '')
    .replace(/\s+(?:date|fecha|phone|tel[eé]fono|fax|dob|signature|firma)\b.*$/i, '');
  value = value.replace(/[\s.,:;'"~_-]+$/, '').trim();
  return value.length > 0 ? value : undefined;
}

function firstValue(lines: string[], labels: RegExp[]): string | undefined {
  for (const label of labels) {
    for (const line of lines) {
      const value = valueAfter(line, label);
      if (value) return value;
    }
  }
  return undefined;
}

const DIGIT_LOOKALIKES: Record<string, string> = {
  O: '0',
  o: '0',
  D: '0',
  Q: '0',
  l: '1',
  I: '1',
  i: '1',
  '|': '1',
  S: '5',
  s: '5',
  B: '8',
  Z: '2',
  z: '2',
  G: '6',
};

/** Reads a digits-only field the way a person would through OCR noise: O is 0, l is 1. */
function digitsOf(value: string): string {
  return [...value]
    .map((character) => DIGIT_LOOKALIKES[character] ?? character)
    .join('')
    .replace(/\D/g, '');
}

function isoDate(value: string): string | undefined {
  const match = /(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{2,4})/.exec(digitsLookalikeDate(value));
  if (!match) return undefined;
  let [first, second] = [Number(match[1]), Number(match[2])];
  let year = Number(match[3]);
  if (year < 100) year += year > 30 ? 1900 : 2000;
  // US forms write month/day; a first number above 12 can only be a day (a form filled in abroad).
  if (first > 12 && second <= 12) [first, second] = [second, first];
  if (first < 1 || first > 12 || second < 1 || second > 31 || year < 1880 || year > 2100) return undefined;
  return `${year}-${String(first).padStart(2, '0')}-${String(second).padStart(2, '0')}`;
}

function digitsLookalikeDate(value: string): string {
  return value.replace(/[OoDQlI|SBZ]/g, (character) => DIGIT_LOOKALIKES[character] ?? character);
}

function cleanPersonName(value: string): string | undefined {
  const name = value
    .replace(/^(?:dr|dra|doctor|doctora)\.?\s+/i, '')
    .replace(/,?\s*(?:m\.?d\.?|d\.?o\.?|n\.?p\.?|p\.?a\.?|pharm\.?d\.?|rn)\.?$/i, '')
    .replace(/[^\p{L}\p{M}\s.'-]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return name.length >= 3 && /\p{L}{2}/u.test(name) ? name.slice(0, 200) : undefined;
}

const MEMBER_NAME_LABELS = [
  /\benrollee'?s?\s+name\b/i,
  /\bmember'?s?\s+name\b/i,
  /\bpatient'?s?\s+name\b/i,
  /\bnombre del (?:afiliado|miembro|paciente)\b/i,
  /^patient\b/i,
  /^paciente\b/i,
];
const MEMBER_ID_LABELS = [
  /\b(?:enrollee'?s?\s+)?member\s*id(?:entification)?(?:\s*(?:number|no\.?|#))?/i,
  /\bn[uú]mero de identificaci[oó]n del (?:afiliado|miembro)\b/i,
  /\bid del (?:afiliado|miembro)\b/i,
  /\bsubscriber\s*id\b/i,
];
const DOB_LABELS = [
  /\bdate of birth\b/i,
  /\bd\.?o\.?b\b\.?/i,
  /\bfecha de nacimiento\b/i,
  /\bbirth\s*date\b/i,
];
const DRUG_LABELS = [
  /\bname of (?:the )?(?:prescription )?drug\b/i,
  /\bdrug name\b/i,
  /\bnombre del medicamento\b/i,
  /\bmedication\b/i,
  /^rx\b/i,
];
const PRESCRIBER_SECTION =
  /\b(?:prescriber|physician|m[eé]dico|doctor)(?:'s)?\s+(?:information|informaci[oó]n)|informaci[oó]n del (?:m[eé]dico|recetador)/i;

function prescriberName(lines: string[]): string | undefined {
  const section = lines.findIndex((line) => PRESCRIBER_SECTION.test(line));
  if (section >= 0) {
    for (const line of lines.slice(section + 1, section + 5)) {
      const value = valueAfter(line, /^(?:name|nombre)\b/i);
      if (value) return cleanPersonName(value);
    }
  }
  const labelled = firstValue(lines, [
    /\bprescriber(?:'s)?\s*(?:name)?\b/i,
    /\bprescribing (?:physician|doctor)\b/i,
    /\bm[eé]dico que receta\b/i,
  ]);
  if (labelled && !/information|informaci/i.test(labelled)) return cleanPersonName(labelled);
  // A prescriber's own cover sheet: "From: Dr. Alan Brooks, DO".
  for (const line of lines) {
    const from = valueAfter(line, /^(?:from|de)\b/i);
    if (from && /^(?:dr|dra)\.?\s/i.test(from)) return cleanPersonName(from);
  }
  return undefined;
}

function npiOf(lines: string[]): string | undefined {
  for (const line of lines) {
    const match = /\bN\s?P\s?I\b\s*(?:number|no\.?|#)?\s*[:;.#-]*\s*([0-9OolIS|BZ\s-]{10,16})/i.exec(line);
    if (!match?.[1]) continue;
    const digits = digitsOf(match[1]);
    if (digits.length >= 10) return digits.slice(0, 10);
  }
  return undefined;
}

/** The drug: a labelled line, or the line under "Name of prescription drug you are requesting:". */
function drugOf(lines: string[]): string | undefined {
  const labelled = firstValue(lines, DRUG_LABELS);
  if (labelled && !/you are requesting|que solicita/i.test(labelled)) return labelled.slice(0, 300);
  const heading = lines.findIndex((line) =>
    /(?:drug|medicamento)[^:]*(?:requesting|solicita)\s*:?\s*$/i.test(line),
  );
  const next = heading >= 0 ? lines[heading + 1] : undefined;
  if (next && !/:/.test(next.slice(0, 20))) return next.replace(/[\s.,:;]+$/, '').slice(0, 300);
  return undefined;
}

const REDETERMINATION =
  /\bredetermination\b|\breconsideration\b|\bappeal\b|\bredeterminaci[oó]n\b|\bapelaci[oó]n\b/i;
const COVERAGE =
  /\bcoverage determination\b|\bdeterminaci[oó]n de cobertura\b|\bprior authori[sz]ation\b|\bformulary exception\b|\bautorizaci[oó]n previa\b/i;
const PRESCRIPTION = /\bnew prescription\b|\brefills?\s*[:#]|\bsig\s*:|\bnueva receta\b/i;

function requestTypeOf(text: string): FaxRequestType {
  // The form's title decides; a cover sheet's "Re:" line says the same in other words.
  if (/request for redetermination|redetermination request|solicitud de redeterminaci[oó]n/i.test(text))
    return 'redetermination';
  if (/coverage determination|determinaci[oó]n de cobertura/i.test(text)) return 'coverage_determination';
  if (REDETERMINATION.test(text)) return 'redetermination';
  if (COVERAGE.test(text)) return 'coverage_determination';
  if (PRESCRIPTION.test(text)) return 'prescription';
  return 'unknown';
}

/** A box OCR read as checked: [X], [x], (X), [✓], [%] (an X through fax noise). */
const CHECKED_BOX = /[[(|{]\s*[xX×✗✘✓✔%*]\s*[\])|}]/;
const EXPEDITED_BOX_LABEL =
  /expedit|fast|72 hours|24 hours|decision within|urgent|r[aá]pida|urgente|24 horas|72 horas/i;
/** The form's own instructions about expedited requests: they describe the option, they do not ask for it. */
const BOILERPLATE =
  /\bif you\b|\bsi usted\b|\byou can ask\b|\bpuede pedir\b|\bcheck this box\b|\bmarque esta casilla\b|\binformation for expedited\b|\bexpedited decision\s*$|^decisi[oó]n r[aá]pida/i;
const URGENT_WORDING =
  /\burgent\b|\bexpedited (?:review|redetermination|appeal|request|coverage)\b|\brequest(?:s|ing)? an? expedited\b|\bsupports an expedited\b|\bplease expedite\b|\bes urgente\b|\bsolicitud urgente\b|\burgentemente\b/i;

function expeditedOf(lines: string[]): { expedited: boolean; evidence?: string; sectionSeen: boolean } {
  let sectionSeen = false;
  for (const line of lines) {
    if (!EXPEDITED_BOX_LABEL.test(line) || !/[[(|{]/.test(line)) continue;
    sectionSeen = true;
    if (CHECKED_BOX.test(line)) return { expedited: true, evidence: line.slice(0, 300), sectionSeen };
  }
  const sentences = lines
    .join(' ')
    .split(/(?<=[.!?])\s+/)
    .map((sentence) => sentence.trim());
  for (const sentence of sentences) {
    if (BOILERPLATE.test(sentence)) continue;
    if (URGENT_WORDING.test(sentence))
      return { expedited: true, evidence: sentence.slice(0, 300), sectionSeen };
  }
  return { expedited: false, sectionSeen };
}

/**
 * Reads a faxed cover sheet and request form (the CMS model redetermination and coverage
 * determination forms and their look-alikes, in English and Spanish): member, prescriber and NPI,
 * drug, request type and whether an expedited decision is asked for. Pure: takes OCR text, never throws.
 */
export function readFaxForm(pages: readonly OcrPage[]): FaxFormFields {
  const lines = pages
    .flatMap((page) => page.text.split(/\r?\n/))
    .map(normalizeLine)
    .filter(Boolean);
  const text = lines.join('\n');
  const requestType = requestTypeOf(text);
  const expedited = expeditedOf(lines);
  const firstPage = (pages[0]?.text ?? '').slice(0, 600);
  const memberName = firstValue(lines, MEMBER_NAME_LABELS);
  const memberIdRaw = firstValue(lines, MEMBER_ID_LABELS);
  const memberId = memberIdRaw
    ?.split(/\s+/)[0]
    ?.replace(/[^A-Za-z0-9-]/g, '')
    .toUpperCase();
  const dobRaw = firstValue(lines, DOB_LABELS);
  const npi = npiOf(lines);
  const prescriber = prescriberName(lines);
  const drug = drugOf(lines);
  const cleanMember = memberName ? cleanPersonName(memberName) : undefined;
  const dateOfBirth = dobRaw ? isoDate(dobRaw) : undefined;
  return {
    requestType,
    expedited: expedited.expedited,
    ...(expedited.evidence ? { expeditedEvidence: expedited.evidence } : {}),
    formRecognized:
      (requestType === 'redetermination' || requestType === 'coverage_determination') &&
      expedited.sectionSeen,
    coverSheet: /\bfax cover\b|\bcover sheet\b|\bhoja de env[ií]o\b|\bportada de fax\b/i.test(firstPage),
    ...(cleanMember ? { memberName: cleanMember } : {}),
    ...(memberId && memberId.length >= 5 ? { memberId: memberId.slice(0, 40) } : {}),
    ...(dateOfBirth ? { dateOfBirth } : {}),
    ...(prescriber ? { prescriberName: prescriber } : {}),
    ...(npi ? { npi, npiValid: isValidNpi(npi) } : {}),
    ...(drug ? { drug } : {}),
  };
}
