import { type CueMatch, CueMatcher, type FoldedMessage, tokenize } from './cueMatcher.js';
import { EXPEDITED_CUES } from './lexicon/expedited.js';
import { foldForMatching } from './prepareText.js';
import type { Topic } from './taxonomy.js';

/**
 * Expedited requests. 42 CFR 423.570(c) (coverage determinations) and 423.584(c)
 * (redeterminations): a fast decision when the standard time frame "could seriously jeopardize
 * the life or health of the enrollee or the enrollee's ability to regain maximum function".
 * Strong cues (that wording, "expedite", "fast track" and their equivalents) count anywhere
 * except next to shipping words; plain urgency ("urgent", "ASAP", "rush") counts only on an
 * appeal or coverage request. A fax form's checkbox, when present, decides over free text.
 */

export interface ExpeditedOptions {
  /** Folded member text from `prepareText`, when the caller already has it. */
  matchText?: string;
  /** The decided topic; without it, plain urgency counts as a request for speed. */
  topic?: Topic;
  /** Subject and text folded and tokenized once (see `foldMessage`). */
  folded?: FoldedMessage;
}

export interface ExpeditedDecision {
  expedited: boolean;
  evidence: string[];
}

type ExpeditedCue = 'strong' | 'weak' | 'shipping';

const matcher = new CueMatcher<ExpeditedCue>(EXPEDITED_CUES);

const NEGATION_WORDS = new Set([
  'not',
  'no',
  'isn',
  't',
  'never',
  'without',
  'nothing',
  'sin',
  'nada',
  'nao',
  'sem',
  'pas',
  'non',
  'aucun',
  'aucune',
  'nicht',
  'kein',
  'keine',
  'keinen',
  'nie',
  'не',
  'нет',
  'khong',
  'hindi',
  'di',
  'pa',
  'ni',
]);
const NEGATION_BEFORE = /(?:不是|并不|並不|不|非|無|无|没|沒|ليس|غير|لا\s)\s*$/u;
const NEGATION_AFTER = /^\s*\S{0,6}?(?:ではな|じゃな|必要はな|必要な|아닙|아니|않|नहीं|ليس)/u;
const URGENCY_TOPICS: ReadonlySet<Topic> = new Set(['appeal', 'coverage']);

// Fax forms: a label about speed, then a ticked or plain yes/no within the same line.
const FORM_LABEL =
  /(?<![\p{L}])(expedit\w*|urgen\w*|fast[- ]track|acelerad\w*|accelere\w*|beschleunigt\w*|eil\w*|accelerat\w*|przyspieszon\w*|pilne|ускоренн\w*|срочн\w*|khan cap|cap toc|pinabilis|akselere|加急|緊急|紧急|至急|迅速|긴급|신속|عاجل|مستعجل|तत्काल|शीघ्र)/giu;
const YES = '(?:yes|y|si|sí|oui|ja|sim|tak|да|co|oo|wi|是|はい|예|نعم|हाँ|हां)';
const NO = '(?:no|n|non|nein|nao|nie|нет|khong|hindi|否|いいえ|아니오|لا|नहीं)';
const TICKED_YES = new RegExp(`\\[x\\]\\s*${YES}(?![\\p{L}])`, 'iu');
const TICKED_NO = new RegExp(`\\[x\\]\\s*${NO}(?![\\p{L}])`, 'iu');
const OPEN_YES = new RegExp(`\\[ \\]\\s*${YES}(?![\\p{L}])`, 'iu');
const YES_TICKED = new RegExp(`(?<![\\p{L}])${YES}\\s*\\[x\\]`, 'iu');
const NO_TICKED = new RegExp(`(?<![\\p{L}])${NO}\\s*\\[x\\]`, 'iu');
/** The first yes/no word comes before the first box: the boxes trail their options. */
const TRAILING_LAYOUT = new RegExp(`^[^\\[]*?(?<![\\p{L}])(?:${YES}|${NO})\\s*\\[[x ]\\]`, 'iu');
const PLAIN_ANSWER = new RegExp(`[:?=-]\\s*(?:${YES}|${NO})(?![\\p{L}])`, 'iu');
const PLAIN_YES = new RegExp(`^(?:\\s*\\p{L}+){0,3}\\s*[:\\-=?]\\s*${YES}(?![\\p{L}])`, 'iu');
const PLAIN_NO = new RegExp(`^(?:\\s*\\p{L}+){0,3}\\s*[:\\-=?]\\s*${NO}(?![\\p{L}])`, 'iu');

interface FormDecision {
  expedited: boolean;
  evidence: string;
  start: number;
  end: number;
}

/** Labels are the fixed form words plus every expedited cue ("¿decisión rápida? [ ] sí [x] no"). */
function readForm(folded: string, cues: CueMatch<ExpeditedCue>[]): FormDecision[] {
  const decisions: FormDecision[] = [];
  const spans = new Map<number, number>();
  for (const match of folded.matchAll(FORM_LABEL)) spans.set(match.index, match.index + match[0].length);
  for (const cue of cues) spans.set(cue.start, Math.max(cue.end, spans.get(cue.start) ?? 0));
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    const lineEnd = folded.indexOf('\n', end);
    const after = folded
      .slice(end, Math.min(lineEnd < 0 ? folded.length : lineEnd, end + 60))
      .replace(/^[\w-]*/u, '');
    const before = folded.slice(Math.max(0, start - 6), start);
    const label = folded.slice(start, end);
    // "[x] EXPEDITED" / "[ ] EXPEDITED": the box before the label is the answer.
    if (/\[x\]\s*$/.test(before)) {
      decisions.push({ expedited: true, evidence: `form: "[x] ${label}"`, start, end });
      continue;
    }
    if (/\[ \]\s*$/.test(before)) {
      decisions.push({ expedited: false, evidence: `form: "[ ] ${label}" (unticked)`, start, end });
      continue;
    }
    // Boxes lead their options ("[x] yes [ ] no") or trail them ("yes [x] no [ ]").
    const trailing = TRAILING_LAYOUT.test(after);
    const tickedYes = trailing ? YES_TICKED.test(after) : TICKED_YES.test(after);
    const tickedNo = trailing ? NO_TICKED.test(after) : TICKED_NO.test(after);
    if (tickedYes && !tickedNo) {
      decisions.push({ expedited: true, evidence: `form: "${label}${after.trimEnd()}"`, start, end });
    } else if (tickedNo || (!trailing && OPEN_YES.test(after) && !tickedYes)) {
      decisions.push({
        expedited: false,
        evidence: `form: "${label}${after.trimEnd()}" (not ticked)`,
        start,
        end,
      });
    } else if (PLAIN_YES.test(after)) {
      decisions.push({ expedited: true, evidence: `form: "${label}${after.trimEnd()}"`, start, end });
    } else if (PLAIN_NO.test(after)) {
      decisions.push({ expedited: false, evidence: `form: "${label}${after.trimEnd()}" (no)`, start, end });
    }
  }
  return decisions;
}

function negated(folded: string, match: CueMatch<ExpeditedCue>): boolean {
  const before = folded.slice(Math.max(0, match.start - 40), match.start);
  const words = tokenize(before)
    .slice(-4)
    .map((token) => token.text);
  if (words.some((word) => NEGATION_WORDS.has(word))) return true;
  if (NEGATION_BEFORE.test(before.slice(-6))) return true;
  return NEGATION_AFTER.test(folded.slice(match.end, match.end + 12));
}

function nearShipping(match: CueMatch<ExpeditedCue>, shipping: CueMatch<ExpeditedCue>[]): boolean {
  return shipping.some(
    (ship) => Math.abs(ship.start - match.end) < 30 || Math.abs(match.start - ship.end) < 30,
  );
}

/** Does the member ask for an expedited (fast) decision? Never throws. */
export function detectExpedited(
  subject: string,
  text: string,
  options: ExpeditedOptions = {},
): ExpeditedDecision {
  const folded =
    options.folded?.text ?? `${foldForMatching(subject)}\n${options.matchText ?? foldForMatching(text)}`;
  const matches = matcher.match(folded, options.folded?.tokens);
  // Without a box or a "label: yes/no" answer there is no form to read.
  const form =
    folded.includes('[') || PLAIN_ANSWER.test(folded)
      ? readForm(
          folded,
          matches.filter((match) => match.cue.label !== 'shipping'),
        )
      : [];
  if (form.length > 0) {
    const ticked = form.find((decision) => decision.expedited);
    if (ticked) return { expedited: true, evidence: [`expedited: ${ticked.evidence}`] };
    return { expedited: false, evidence: form.map((decision) => `not expedited: ${decision.evidence}`) };
  }
  const shipping = matches.filter((match) => match.cue.label === 'shipping');
  const urgencyCounts = options.topic === undefined || URGENCY_TOPICS.has(options.topic);
  const evidence: string[] = [];
  const ignored: string[] = [];
  for (const match of matches) {
    if (match.cue.label === 'shipping') continue;
    const quoted = `"${folded.slice(match.start, match.end)}"`;
    if (negated(folded, match)) {
      ignored.push(`not expedited: ${quoted} is negated`);
      continue;
    }
    if (match.cue.label === 'strong' && !nearShipping(match, shipping)) evidence.push(`expedited: ${quoted}`);
    else if (match.cue.label === 'weak' && urgencyCounts && !nearShipping(match, shipping))
      evidence.push(
        `expedited: ${quoted} on ${options.topic === 'appeal' ? 'an appeal' : `a ${options.topic ?? 'decision'}`} request`,
      );
  }
  if (evidence.length > 0) return { expedited: true, evidence: [...new Set(evidence)] };
  return { expedited: false, evidence: [...new Set(ignored)] };
}
