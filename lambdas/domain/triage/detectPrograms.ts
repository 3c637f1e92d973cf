import { CueMatcher, type FoldedMessage } from './cueMatcher.js';
import { SPECIALTY_DRUGS } from './data/specialtyDrugs.js';
import { PROGRAM_CUES, QUOTED_PART_D_CUES } from './lexicon/programs.js';
import { foldForMatching } from './prepareText.js';
import { mbiValid } from './redactPii.js';
import { PROGRAMS, type Program } from './taxonomy.js';

export interface ProgramOptions {
  /** Folded member text from `prepareText`, when the caller already has it. */
  matchText?: string;
  /** Subject and text folded and tokenized once (see `foldMessage`). */
  folded?: FoldedMessage;
}

export interface ProgramDecision {
  programs: Program[];
  evidence: string[];
}

const matcher = new CueMatcher<Program>([
  ...PROGRAM_CUES,
  ...SPECIALTY_DRUGS.map((drug): [Program, string] => ['specialty', drug]),
]);

/**
 * The quoted-text Part D names as one pattern over folded text: a quote is long and read only for these few
 * names, so one regular-expression scan is cheaper than tokenizing it for the cue matcher. Words must be
 * adjacent here; `*` ends a word prefix.
 */
const QUOTED_PART_D = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${QUOTED_PART_D_CUES.map(([, cue]) =>
    foldForMatching(cue)
      .trim()
      .split(/\s+/)
      .map((word) =>
        word.endsWith('*') ? `${escapeRegExp(word.slice(0, -1))}[\\p{L}\\p{M}]*` : escapeRegExp(word),
      )
      .join('\\s+'),
  ).join('|')})(?![\\p{L}\\p{N}])`,
  'u',
);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const MBI_CANDIDATE =
  /(?<![A-Za-z0-9])[1-9][A-Za-z][A-Za-z0-9]\d[- ]?[A-Za-z][A-Za-z0-9]\d[- ]?[A-Za-z]{2}\d{2}(?![A-Za-z0-9])/g;
/** "LIS" only in capitals: the lower-case word is too common in other languages. */
const LIS = /(?<![\p{L}])LIS(?![\p{L}])/u;

/** Medicare Part D and specialty-pharmacy signals in a message. Never throws. */
export function detectPrograms(subject: string, text: string, options: ProgramOptions = {}): ProgramDecision {
  const found = new Map<Program, string>();
  const folded =
    options.folded?.text ?? `${foldForMatching(subject)}\n${options.matchText ?? foldForMatching(text)}`;
  for (const match of matcher.match(folded, options.folded?.tokens)) {
    if (!found.has(match.cue.label)) found.set(match.cue.label, `"${folded.slice(match.start, match.end)}"`);
  }
  const raw = `${subject}\n${text}`;
  if (!found.has('medicare_part_d')) {
    const identifier = partDIdentifierIn(raw);
    if (identifier) found.set('medicare_part_d', identifier);
  }
  const programs = PROGRAMS.filter((program) => found.has(program));
  return { programs, evidence: programs.map((program) => `program ${program}: ${found.get(program)}`) };
}

/** A valid Medicare Beneficiary Identifier or "LIS" in capitals, as evidence; undefined when neither is there. */
function partDIdentifierIn(raw: string): string | undefined {
  const mbi = /\d/.test(raw)
    ? [...raw.matchAll(MBI_CANDIDATE)].find((match) => mbiValid(match[0]))
    : undefined;
  if (mbi) return 'a Medicare Beneficiary Identifier';
  if (LIS.test(raw)) return '"LIS" (Low-Income Subsidy)';
  return undefined;
}

/**
 * Medicare Part D in quoted earlier messages: only Part D by name or subsidy, or a beneficiary identifier. A
 * bare "Medicare" or a drug name there may be the desk's own template or footer, not a fact about the member.
 */
export function detectQuotedPartD(quoted: string): ProgramDecision {
  const match = foldForMatching(quoted).match(QUOTED_PART_D);
  const evidence = match ? `"${match[0]}"` : partDIdentifierIn(quoted);
  return evidence === undefined
    ? { programs: [], evidence: [] }
    : { programs: ['medicare_part_d'], evidence: [`program medicare_part_d: ${evidence}`] };
}
