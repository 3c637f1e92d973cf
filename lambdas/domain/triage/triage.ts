import { classifyTopic } from './classifyTopic.js';
import { detectExpedited } from './detectExpedited.js';
import { detectLanguage } from './detectLanguage.js';
import { detectPrograms } from './detectPrograms.js';
import { redactPii } from './redactPii.js';
import type { PiiType } from './taxonomy.js';
import type { TriageInput, TriageResult } from './types.js';

/** Triage one message: language, topic, expedited flag, programs and PII. Pure and synchronous. */
export function triage(input: TriageInput): TriageResult {
  const language = detectLanguage(`${input.subject}\n${input.text}`, input.hints);
  const topic = classifyTopic(input.subject, input.text);
  const expedited = detectExpedited(input.subject, input.text);
  const programs = detectPrograms(input.subject, input.text);
  const body = redactPii(input.text);
  const subject = redactPii(input.subject);
  const piiTypes = new Set<PiiType>([...body.findings, ...subject.findings].map((finding) => finding.type));
  return {
    language: language.language,
    languageConfidence: language.confidence,
    ...(language.script ? { script: language.script } : {}),
    topic: topic.topic,
    topicConfidence: topic.confidence,
    expedited: expedited.expedited,
    programs: programs.programs,
    pii: [...piiTypes].map((type) => ({ type })),
    redactedText: body.redactedText,
    redactedSubject: subject.redactedText,
    evidence: [...topic.evidence, ...expedited.evidence, ...programs.evidence],
  };
}
