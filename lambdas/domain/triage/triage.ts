import { classifyTopic } from './classifyTopic.js';
import { type FoldedMessage, foldMessage } from './cueMatcher.js';
import { detectExpedited } from './detectExpedited.js';
import { detectLanguage } from './detectLanguage.js';
import { detectPrograms, detectQuotedPartD, type ProgramDecision } from './detectPrograms.js';
import { type PreparedText, prepareText } from './prepareText.js';
import { redactPii } from './redactPii.js';
import { type PiiType, PROGRAMS } from './taxonomy.js';
import type { TriageExplanation, TriageInput, TriageResult } from './types.js';

/** Above this language confidence, topic cues of other languages count less (see classifyTopic). */
export const LANGUAGE_TRUST = 0.6;

/** Triage one message and keep every intermediate decision, for the `explain` CLI. Pure, never throws. */
export function explainTriage(input: TriageInput): TriageExplanation {
  return run(input, true);
}

function run(input: TriageInput, forDisplay: boolean): TriageExplanation {
  const subject = typeof input.subject === 'string' ? input.subject.slice(0, 2_000) : '';
  const prepared: PreparedText = prepareText(input.text);
  const language = detectLanguage(`${subject}\n${prepared.text}`, input.hints ?? {});
  // Folded and tokenized once; topic, expedited and programs all read the same tokens.
  const folded = foldMessage(subject, prepared.matchText);
  const confidentLanguage = language.confidence >= LANGUAGE_TRUST ? language.language : undefined;
  const topic = classifyTopic(subject, prepared.text, prepared.matchText, folded, confidentLanguage);
  const expedited = detectExpedited(subject, prepared.text, { folded, topic: topic.topic });
  const programs = programsOfThread(subject, prepared, folded);
  const body = redactPii(prepared.text);
  const redactedSubject = redactPii(subject);
  // PII the member wrote in cut parts (a signature with a phone number) is reported too. A quoted
  // earlier message is someone else's words: redacted only when a person will read it (explain).
  const stripped = prepared.stripped
    .filter((part) => forDisplay || part.kind !== 'quote')
    .map((part) => ({ part, redaction: redactPii(part.text) }));
  const piiTypes = new Set<PiiType>(
    [
      ...body.findings,
      ...redactedSubject.findings,
      ...stripped.flatMap((entry) => (entry.part.kind === 'quote' ? [] : entry.redaction.findings)),
    ].map((finding) => finding.type),
  );
  const result: TriageResult = {
    language: language.language,
    languageConfidence: language.confidence,
    ...(language.script ? { script: language.script } : {}),
    topic: topic.topic,
    topicConfidence: topic.confidence,
    expedited: expedited.expedited,
    programs: programs.programs,
    pii: [...piiTypes].map((type) => ({ type })),
    redactedText: body.redactedText,
    redactedSubject: redactedSubject.redactedText,
    evidence: [...topic.evidence, ...(expedited.expedited ? expedited.evidence : []), ...programs.evidence],
  };
  return {
    result,
    // What was cut, as a person reads it in `explain`; triage() drops it, so it is not built there.
    stripped: forDisplay
      ? stripped.map(({ part, redaction }) => ({
          ...part,
          reason: redactPii(part.reason).redactedText,
          text: redaction.redactedText,
        }))
      : [],
    language,
    topic,
    expedited,
    programs,
  };
}

/**
 * Programs of the member's own words and, when they do not name Medicare Part D, of the quoted earlier
 * messages: membership is a fact about the member wherever the thread states it, and a quoted plan letter that
 * says "Medicare Part D" makes the reply a Part D case (its clocks, 42 CFR 423 subpart M, known rather than
 * assumed; policy rules on programs) even when the reply does not repeat it. Quoted text counts only Part D by
 * name, its subsidy or an identifier (see detectQuotedPartD).
 * Topic and language stay with the member's own words.
 */
function programsOfThread(subject: string, prepared: PreparedText, folded: FoldedMessage): ProgramDecision {
  const own = detectPrograms(subject, prepared.text, { folded });
  if (own.programs.includes('medicare_part_d')) return own;
  const quoted = prepared.stripped.filter((part) => part.kind === 'quote').map((part) => part.text);
  if (quoted.length === 0) return own;
  const fromQuotes = detectQuotedPartD(quoted.join('\n'));
  if (fromQuotes.programs.length === 0) return own;
  return {
    programs: PROGRAMS.filter((program) => own.programs.includes(program) || program === 'medicare_part_d'),
    evidence: [
      ...own.evidence,
      ...fromQuotes.evidence.map((line) => `${line} (in the quoted earlier message)`),
    ],
  };
}

/** Triage one message: language, topic, expedited flag, programs and PII. Pure and synchronous. */
export function triage(input: TriageInput): TriageResult {
  return run(input, false).result;
}
