import { describe, expect, it } from 'vitest';
import { triage } from '../../../lambdas/domain/triage/triage.js';
import { evaluate, loadEvalSet } from './evalMetrics.js';

/**
 * Committed quality thresholds on the labelled set in test/fixtures/triage-eval/ (issue #3 targets:
 * macro-F1 ≥ 0.95, expedited recall 100 % with precision ≥ 0.9, no identifier left after redaction).
 * `dev.jsonl` was written after the first lexicon and used to fix general gaps. Each `holdoutN.jsonl`
 * was written after a lexicon freeze and run once before any fix it prompted; those first-contact
 * macro-F1 figures (0.787, 0.837, 0.865, 0.804, 0.807, 0.754, 0.868; mean ≈ 0.82) are the honest estimate of
 * the lexicon alone on unseen text and are below the 0.95 target. Sets 1–4 informed later lexicon rounds and
 * now act as regression sets at the target; 5–7 are gated near their measured figures.
 *
 * Since the trained topic model (topicModel.ts, corpus in lambdas/domain/triage/training/) is combined with
 * the lexicon, triage() scores (corpus v4, 3,136 messages; words and char 4-grams in 2^15 buckets): dev 0.982,
 * sets 1–7 1.0 / 0.987 / 0.981 / 0.979 / 0.969 / 0.960 / 0.957 (sets 6 + 7 pooled 0.958), and no wrong topic at
 * confidence ≥ 0.5 in any set. No held-out or dev message was used to train the model (dev only fits its
 * softmax temperature); the feature set and hash size were chosen on dev and sets 1–8 together.
 *
 * `holdout8.jsonl` (170 messages) was written by someone who never saw the corpus, the lexicons or the
 * classifier, committed before corpus v4 and this round's changes, and run once when they were done. First
 * contact: macro-F1 0.988, accuracy 98.8 % (2 misses, both below 0.5 confidence: triage queue), no confident
 * misroute, expedited recall and precision 100 %, no identifier left, programs 99.4 % (a Part D plan named only
 * in the quoted letter; triage() has read quoted letters for programs since).
 */
const THRESHOLDS = {
  'dev.jsonl': { topicMacroF1: 0.95, expeditedRecall: 1, expeditedPrecision: 0.9 },
  'holdout.jsonl': { topicMacroF1: 0.95, expeditedRecall: 1, expeditedPrecision: 0.9 },
  'holdout2.jsonl': { topicMacroF1: 0.95, expeditedRecall: 1, expeditedPrecision: 0.9 },
  // First contact 0.865; the v4 lexicon then added general vocabulary that overlaps it (lexicon ≈ 0.98,
  // with the topic model 0.981).
  'holdout3.jsonl': { topicMacroF1: 0.92, expeditedRecall: 1, expeditedPrecision: 0.9 },
  // First contact 0.804; the v5 lexicon then added paraphrase vocabulary that overlaps it (with the model 0.979).
  'holdout4.jsonl': { topicMacroF1: 0.95, expeditedRecall: 1, expeditedPrecision: 0.9 },
  // First contact 0.807 with every miss below 0.5 confidence; v6 then added general vocabulary.
  // With the topic model: 0.969.
  'holdout5.jsonl': { topicMacroF1: 0.95, expeditedRecall: 1, expeditedPrecision: 0.9 },
  // Written after the v6 freeze: first contact 0.754 (0.758 after a general stem fix). Untuned otherwise.
  // With the topic model: 0.960 (0.916 at its first run, corpus v1; 0.896 with corpus v3).
  'holdout6.jsonl': { topicMacroF1: 0.93, expeditedRecall: 1, expeditedPrecision: 0.9 },
  // Written before the trained topic model (topicModel.ts) existed and never used to build it. First contact,
  // lexicon alone: 0.868. No expedited message in it; its one false positive (h7-es-004, "cuánto pagaría
  // antes" read as the idiom "cuanto antes") went once expedited cues had to be adjacent words.
  // With the topic model: 0.957 (0.938 at its first run, corpus v1).
  'holdout7.jsonl': { topicMacroF1: 0.93, expeditedRecall: 1, expeditedPrecision: 0.9 },
  // Unseen until this round was done; first contact 0.988, 0.983 since (see above).
  'holdout8.jsonl': { topicMacroF1: 0.95, expeditedRecall: 1, expeditedPrecision: 0.9 },
} as const;

describe.each(Object.entries(THRESHOLDS))('triage evaluation on %s', (file, threshold) => {
  const messages = loadEvalSet(file);
  const report = evaluate(messages, triage);

  it('covers every topic', () => {
    expect(new Set(messages.map((message) => message.expect.topic)).size).toBe(12);
  });

  it(`reaches topic macro-F1 of at least ${threshold.topicMacroF1}`, () => {
    expect(report.topicMacroF1, report.misses.join('\n')).toBeGreaterThanOrEqual(threshold.topicMacroF1);
  });

  it('sends no message to a wrong team on its own (a wrong topic stays below the 0.5 routing minimum)', () => {
    expect(report.confidentErrors, report.misses.join('\n')).toBe(0);
  });

  it('recalls every expedited request with the committed precision', () => {
    expect(report.expeditedRecall, report.misses.join('\n')).toBeGreaterThanOrEqual(
      threshold.expeditedRecall,
    );
    expect(report.expeditedPrecision, report.misses.join('\n')).toBeGreaterThanOrEqual(
      threshold.expeditedPrecision,
    );
  });

  it('leaves no identifier from the message in the redacted text', () => {
    expect(report.piiLeaks).toEqual([]);
  });
});
