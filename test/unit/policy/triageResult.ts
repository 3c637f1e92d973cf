import type { TriageResult } from '../../../lambdas/domain/triage/types.js';

/** A confident English triage result; override what the test is about. */
export function triageResult(overrides: Partial<TriageResult> = {}): TriageResult {
  return {
    language: 'en',
    languageConfidence: 0.95,
    topic: 'other',
    topicConfidence: 0.9,
    expedited: false,
    programs: [],
    pii: [],
    redactedText: '',
    redactedSubject: '',
    evidence: [],
    ...overrides,
  };
}
