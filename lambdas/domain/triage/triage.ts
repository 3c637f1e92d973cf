import { classifyTopic } from './classifyTopic.js';
import { type FoldedMessage, foldMessage } from './cueMatcher.js';
import { detectExpedited } from './detectExpedited.js';
import { detectLanguage } from './detectLanguage.js';
import { detectPrograms, detectQuotedPartD, type ProgramDecision } from './detectPrograms.js';
import { type PreparedText, prepareText } from './prepareText.js';
import { redactPii } from './redactPii.js';
import { type PiiType, PROGRAMS } from './taxonomy.js';
import type { TopicDecision, TriageExplanation, TriageHints, TriageInput, TriageResult } from './types.js';

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
  const topic = withTopicHint(
    classifyTopic(subject, prepared.text, prepared.matchText, folded, confidentLanguage),
    input.hints,
  );
  const expedited = withExpeditedHint(
    detectExpedited(subject, prepared.text, { folded, topic: topic.topic }),
    input.hints,
  );
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
    ...(preferredLanguageOf(input.hints) ? { preferredLanguage: preferredLanguageOf(input.hints) } : {}),
    ...(input.hints?.possibleSpoofing ? { possibleSpoofing: true } : {}),
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

/** The ISO 639-1 code of a preferred-language hint (`es-MX` → `es`). */
function preferredLanguageOf(hints: TriageHints | undefined): string | undefined {
  const tag = hints?.preferredLanguage?.trim().toLowerCase().split(/[-_]/)[0];
  return tag && /^[a-z]{2,3}$/.test(tag) ? tag : undefined;
}

/** How sure a topic the channel states is: a form's printed title, or a member's pick from a list. */
export const TOPIC_HINT_CONFIDENCE = { document: 0.9, member: 0.6 } as const;

/**
 * A topic the channel states. A recognised form's title ("Request for Redetermination") is near
 * certain; a member's pick from a form's list is a hint that wins only over a less sure classifier
 * (members pick "Billing" for a denied drug). Agreement raises the confidence to the hint's.
 */
export function withTopicHint(decision: TopicDecision, hints: TriageHints | undefined): TopicDecision {
  if (!hints?.topic) return decision;
  const hintConfidence = TOPIC_HINT_CONFIDENCE[hints.topicSource ?? 'member'];
  const source = hints.topicSource === 'document' ? "the form's title" : 'the topic chosen on the form';
  if (hints.topic === decision.topic) {
    return {
      ...decision,
      confidence: Math.max(decision.confidence, hintConfidence),
      evidence: [...decision.evidence, `${source} agrees: ${hints.topic}`],
    };
  }
  if (decision.confidence >= hintConfidence) {
    return {
      ...decision,
      evidence: [...decision.evidence, `${source} says ${hints.topic}; the text says otherwise`],
    };
  }
  return {
    ...decision,
    topic: hints.topic,
    confidence: hintConfidence,
    evidence: [`${source}: ${hints.topic}`, ...decision.evidence],
  };
}

/**
 * A form's own expedited answer. A checked box is a request for an expedited decision (42 CFR
 * 423.570(a), 423.584(a): the enrollee or prescriber requests it), whatever the text says. An
 * unchecked box on a recognised form overrides the form's printed instructions about expedited
 * requests, which the text detector would otherwise read as a request on every form.
 */
export function withExpeditedHint(
  decision: { expedited: boolean; evidence: string[] },
  hints: TriageHints | undefined,
): { expedited: boolean; evidence: string[] } {
  if (hints?.expedited === true) {
    return { expedited: true, evidence: ["the form's expedited box is checked", ...decision.evidence] };
  }
  if (hints?.expedited === false && decision.expedited) {
    return {
      expedited: false,
      evidence: ["the form's expedited section is not checked (its printed instructions are not a request)"],
    };
  }
  return decision;
}

/** Triage one message: language, topic, expedited flag, programs and PII. Pure and synchronous. */
export function triage(input: TriageInput): TriageResult {
  return run(input, false).result;
}
