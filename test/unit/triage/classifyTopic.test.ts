import { describe, expect, it } from 'vitest';
import {
  calibrate,
  classifyTopic,
  LexiconTopicClassifier,
} from '../../../lambdas/domain/triage/classifyTopic.js';

describe('classifyTopic', () => {
  it.each([
    ['I want to appeal the denial of my medication', 'appeal'],
    ['Is Eliquis on the formulary and what tier?', 'coverage'],
    ['Necesito un resurtido de mi receta', 'refill'],
    ['Où en est ma commande ? Le suivi ne bouge plus', 'delivery'],
    ['Das Paket kam beschädigt an', 'lost_damaged'],
    ['我被重复扣款了，请退款', 'billing'],
    ['パスワードを忘れてログインできません', 'account'],
    ['부작용이 있나요?', 'clinical'],
    ['أعيش في الخارج، هل تشحنون إلى بلد آخر؟', 'international'],
    ['Я хочу подать жалобу, оператор был груб', 'complaint'],
    ['Nakatanggap ako ng scam na text', 'privacy_fraud'],
  ])('classifies "%s" as %s', (text, topic) => {
    expect(classifyTopic('', text).topic).toBe(topic);
  });

  it('gives the evidence that decided it', () => {
    const decision = classifyTopic('Appeal', 'please reconsider');
    expect(decision.evidence.some((line) => line.startsWith('appeal:'))).toBe(true);
    expect(decision.scores?.appeal).toBeGreaterThan(0);
  });

  it('scores empty and ambiguous text below the policy threshold', () => {
    expect(classifyTopic('', '').confidence).toBeLessThan(0.5);
    expect(classifyTopic('', '').topic).toBe('other');
    expect(classifyTopic('', 'my refill was charged twice').confidence).toBeLessThan(0.5);
    expect(classifyTopic('', 'asdf qwerty zxcv').confidence).toBeLessThan(0.5);
  });

  it('gives one decisive cue a confidence above the threshold', () => {
    expect(classifyTopic('', 'Please send me the tracking number').confidence).toBeGreaterThan(0.5);
  });

  it('calibrates a tie at or below one half', () => {
    expect(calibrate(3, 3)).toBeLessThanOrEqual(0.5);
    expect(calibrate(6, 0)).toBeGreaterThan(calibrate(3, 0));
    expect(calibrate(0, 0)).toBeLessThan(0.5);
  });

  it('plugs a different lexicon into the same port', () => {
    const classifier = new LexiconTopicClassifier([['refill', 'zzmagic=3']]);
    expect(classifier.classify({ subject: '', text: 'zzmagic' }).topic).toBe('refill');
    expect(classifier.classify({ subject: '', text: 'appeal' }).topic).toBe('other');
  });
});
