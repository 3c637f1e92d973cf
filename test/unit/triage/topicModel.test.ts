import { describe, expect, it } from 'vitest';
import {
  CombinedTopicClassifier,
  combinedTopicClassifier,
  LexiconTopicClassifier,
  lexiconDistribution,
} from '../../../lambdas/domain/triage/classifyTopic.js';
import { foldForMatching } from '../../../lambdas/domain/triage/prepareText.js';
import { TOPICS } from '../../../lambdas/domain/triage/taxonomy.js';
import {
  decodeTopicModel,
  FEATURE_BITS,
  featurize,
  predictTopic,
  wordsOf,
} from '../../../lambdas/domain/triage/topicModel.js';
import rawModel from '../../../lambdas/domain/triage/topicModel.model.json' with { type: 'json' };

const model = decodeTopicModel(rawModel);

describe('topic model features', () => {
  it('are deterministic, distinct and L2-normalized', () => {
    const first = featurize('please refill my lisinopril');
    const second = featurize('please refill my lisinopril');
    expect(Array.from(first.buckets)).toEqual(Array.from(second.buckets));
    const buckets = Array.from(first.buckets);
    expect(new Set(buckets).size).toBe(buckets.length);
    expect(buckets.every((bucket) => bucket < 1 << FEATURE_BITS)).toBe(true);
    const norm = Array.from(first.values).reduce((sum, value) => sum + value * value, 0);
    expect(norm).toBeCloseTo(1, 5);
  });

  it('handles empty text and scripts without spaces', () => {
    expect(featurize('').buckets.length).toBe(0);
    expect(featurize('我的包裹还没到').buckets.length).toBeGreaterThan(10);
    expect(wordsOf('où est ma commande?')).toEqual(['où', 'est', 'ma', 'commande']);
  });
});

describe('topic model', () => {
  it('decodes the bundled weights', () => {
    expect(model.topics).toEqual([...TOPICS]);
    expect(model.temperature).toBeGreaterThan(0);
    expect(model.weights.length).toBe((1 << FEATURE_BITS) * TOPICS.length);
  });

  it('rejects a malformed model file', () => {
    expect(() => decodeTopicModel({})).toThrow(/topicModel.model.json/);
    expect(() => decodeTopicModel({ ...rawModel, topics: ['appeal'] })).toThrow(/topics/);
    expect(() => decodeTopicModel({ ...rawModel, bias: [0] })).toThrow(/bias/);
    expect(() => decodeTopicModel({ ...rawModel, weights: '' })).toThrow(/rows|weights/);
    const runaway = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).toString('base64');
    expect(() => decodeTopicModel({ ...rawModel, rows: runaway })).toThrow(/topicModel.model.json: rows/);
    const unfinished = Buffer.from([0x01, 0x81]).toString('base64');
    expect(() => decodeTopicModel({ ...rawModel, rows: unfinished })).toThrow(/topicModel.model.json/);
  });

  it('decodes byte fields given as bytes (as a bundle reads its sidecar) as it decodes their base64', () => {
    const fromBytes = decodeTopicModel({
      ...rawModel,
      rows: Uint8Array.from(Buffer.from(rawModel.rows, 'base64')),
      weights: Uint8Array.from(Buffer.from(rawModel.weights, 'base64')),
    });
    expect(fromBytes).toEqual(model);
  });

  it('rejects byte fields that are neither base64 text nor bytes, or cut short', () => {
    expect(() => decodeTopicModel({ ...rawModel, rows: 7 })).toThrow(/topicModel.model.json: rows/);
    expect(() => decodeTopicModel({ ...rawModel, weights: [1, 2] })).toThrow(
      /topicModel.model.json: weights/,
    );
    const weights = Buffer.from(rawModel.weights, 'base64');
    expect(() => decodeTopicModel({ ...rawModel, weights: weights.subarray(1) })).toThrow(
      /topicModel.model.json: (rows|weights)/,
    );
  });

  it('gives a probability distribution', () => {
    const { probabilities } = predictTopic(
      model,
      foldForMatching('\nwhere is my package? tracking has not moved'),
    );
    const total = TOPICS.reduce((sum, topic) => sum + probabilities[topic], 0);
    expect(total).toBeCloseTo(1, 5);
  });

  it.each([
    ['can you refill my metformin, almost out', 'refill'],
    ['el paquete llegó roto y falta un frasco', 'lost_damaged'],
    ['我收到一条短信说要退款，要我的银行卡号，是诈骗吗', 'privacy_fraud'],
    ['Ich möchte Widerspruch gegen die Ablehnung einlegen', 'appeal'],
  ])('predicts "%s" as %s', (text, topic) => {
    expect(predictTopic(model, foldForMatching(`\n${text}`)).top).toBe(topic);
  });
});

describe('combined classifier', () => {
  const combined = combinedTopicClassifier();

  it('routes confidently where lexicon and model agree, with evidence from both', () => {
    const decision = combined.classify({ subject: 'Refill', text: 'Please refill my atorvastatin' });
    expect(decision.topic).toBe('refill');
    expect(decision.confidence).toBeGreaterThanOrEqual(0.5);
    expect(decision.evidence[0]).toMatch(/^refill: model \d\.\d\d, lexicon \d\.\d\d$/);
    expect(decision.evidence.some((line) => line.startsWith('refill: model "'))).toBe(true);
  });

  it('shows words a person can read as the model evidence, not short function words', () => {
    const decision = combined.classify({
      subject: 'RE: Determinación de cobertura',
      text: 'No estoy de acuerdo con esa decisión. Quiero pedir una redeterminación.',
    });
    const modelWords = decision.evidence
      .filter((line) => line.includes(': model "'))
      .map((line) => line.split('"')[1] ?? '');
    expect(modelWords.length).toBeGreaterThan(0);
    expect(modelWords.every((word) => word.length >= 4)).toBe(true);
  });

  it('stays below the routing threshold when the lexicon decided otherwise', () => {
    const alwaysOther = new LexiconTopicClassifier([]);
    const decision = new CombinedTopicClassifier(alwaysOther, model).classify({
      subject: '',
      text: 'the mailer bag came torn open and a bottle is gone',
    });
    expect(decision.confidence).toBeLessThan(0.5);
  });

  it('turns a lexicon decision into a distribution', () => {
    const distribution = lexiconDistribution({ topic: 'billing', confidence: 0.7, evidence: [] });
    expect(distribution.billing).toBe(0.7);
    expect(TOPICS.reduce((sum, topic) => sum + distribution[topic], 0)).toBeCloseTo(1, 5);
  });
});
