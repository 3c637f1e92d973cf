import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ChannelSchema, InboundHintsSchema } from '../../../lambdas/domain/inboundMessage.js';
import {
  PiiTypeSchema,
  ProgramSchema,
  TOPICS,
  type Topic,
  TopicSchema,
} from '../../../lambdas/domain/triage/taxonomy.js';
import type { TriageInput, TriageResult } from '../../../lambdas/domain/triage/types.js';

export const EvalMessageSchema = z.object({
  id: z.string(),
  channel: ChannelSchema,
  subject: z.string(),
  text: z.string(),
  hints: z.optional(InboundHintsSchema),
  expect: z.object({
    topic: TopicSchema,
    language: z.string(),
    expedited: z.boolean(),
    programs: z.array(ProgramSchema),
    pii: z.array(PiiTypeSchema),
  }),
});
export type EvalMessage = z.infer<typeof EvalMessageSchema>;

export const EVAL_DIR = new URL('../../fixtures/triage-eval/', import.meta.url);

export function loadEvalSet(name: string): EvalMessage[] {
  return readFileSync(new URL(name, EVAL_DIR), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => EvalMessageSchema.parse(JSON.parse(line)));
}

export interface EvalReport {
  count: number;
  topicMacroF1: number;
  topicF1: Record<Topic, number>;
  topicAccuracy: number;
  /** Wrong topic with confidence at or above 0.5 (the default policy's minimum): a silent misroute. */
  confidentErrors: number;
  expeditedRecall: number;
  expeditedPrecision: number;
  programAccuracy: number;
  languageAccuracy: number;
  piiTypeRecall: number;
  /** Identifiers from the message still present in the redacted text. */
  piiLeaks: { id: string; identifier: string }[];
  misses: string[];
}

// Identifier-like spans a human would call PII; used to check redaction independently of the redactor.
const IDENTIFIER_PATTERNS: RegExp[] = [
  /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu,
  /\b[1-9][A-Z][A-Z0-9]\d-?[A-Z][A-Z0-9]\d-?[A-Z]{2}\d{2}\b/g,
  /\b\d{3}-\d{2}-\d{4}\b/g,
  /\b(?:\d[ -]?){13,19}\b/g,
  /\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b/g,
  /\+\d[\d ().-]{7,18}\d/g,
];

function identifiersOf(message: EvalMessage): string[] {
  const found: string[] = [];
  const text = `${message.subject}\n${message.text}`;
  for (const pattern of IDENTIFIER_PATTERNS)
    for (const match of text.matchAll(pattern)) found.push(match[0].trim());
  return found;
}

function f1(tp: number, fp: number, fn: number): number {
  if (tp === 0) return fp === 0 && fn === 0 ? 1 : 0;
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  return (2 * precision * recall) / (precision + recall);
}

/** Run triage over labelled messages and compute topic macro-F1, expedited recall/precision and PII leakage. */
export function evaluate(messages: EvalMessage[], run: (input: TriageInput) => TriageResult): EvalReport {
  const counts = new Map<Topic, { tp: number; fp: number; fn: number }>(
    TOPICS.map((topic) => [topic, { tp: 0, fp: 0, fn: 0 }]),
  );
  let expTp = 0;
  let expFp = 0;
  let expFn = 0;
  let correct = 0;
  let confidentErrors = 0;
  let programsRight = 0;
  let languageRight = 0;
  let piiExpected = 0;
  let piiFound = 0;
  const piiLeaks: EvalReport['piiLeaks'] = [];
  const misses: string[] = [];
  for (const message of messages) {
    const result = run({
      channel: message.channel,
      subject: message.subject,
      text: message.text,
      hints: message.hints ?? {},
    });
    const want = message.expect;
    const got = result.topic;
    if (got === want.topic) {
      correct++;
      const entry = counts.get(got);
      if (entry) entry.tp++;
    } else {
      const fp = counts.get(got);
      if (fp) fp.fp++;
      if (result.topicConfidence >= 0.5) confidentErrors++;
      const fn = counts.get(want.topic);
      if (fn) fn.fn++;
      misses.push(
        `${message.id}: topic ${got} (${result.topicConfidence}) want ${want.topic} [${result.evidence.join('; ')}]`,
      );
    }
    if (result.expedited && want.expedited) expTp++;
    else if (result.expedited) {
      expFp++;
      misses.push(`${message.id}: expedited false positive [${result.evidence.join('; ')}]`);
    } else if (want.expedited) {
      expFn++;
      misses.push(`${message.id}: expedited missed`);
    }
    const programs = [...result.programs].sort().join(',');
    if (programs === [...want.programs].sort().join(',')) programsRight++;
    else misses.push(`${message.id}: programs [${programs}] want [${want.programs.join(',')}]`);
    if (result.language === want.language) languageRight++;
    const types = new Set(result.pii.map((finding) => finding.type));
    piiExpected += want.pii.length;
    piiFound += want.pii.filter((type) => types.has(type)).length;
    for (const type of want.pii) if (!types.has(type)) misses.push(`${message.id}: PII ${type} not found`);
    const redacted = `${result.redactedSubject}\n${result.redactedText}`;
    for (const identifier of identifiersOf(message)) {
      if (redacted.includes(identifier)) piiLeaks.push({ id: message.id, identifier });
    }
  }
  const topicF1 = Object.fromEntries(
    TOPICS.map((topic) => {
      const entry = counts.get(topic) ?? { tp: 0, fp: 0, fn: 0 };
      return [topic, f1(entry.tp, entry.fp, entry.fn)];
    }),
  ) as Record<Topic, number>;
  const present = TOPICS.filter((topic) => messages.some((message) => message.expect.topic === topic));
  return {
    count: messages.length,
    topicMacroF1: present.reduce((sum, topic) => sum + topicF1[topic], 0) / Math.max(1, present.length),
    topicF1,
    topicAccuracy: correct / Math.max(1, messages.length),
    confidentErrors,
    expeditedRecall: expTp + expFn === 0 ? 1 : expTp / (expTp + expFn),
    expeditedPrecision: expTp + expFp === 0 ? 1 : expTp / (expTp + expFp),
    programAccuracy: programsRight / Math.max(1, messages.length),
    languageAccuracy: languageRight / Math.max(1, messages.length),
    piiTypeRecall: piiExpected === 0 ? 1 : piiFound / piiExpected,
    piiLeaks,
    misses,
  };
}
