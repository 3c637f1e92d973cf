import { describe, expect, it } from 'vitest';
import { triage } from '../../../lambdas/domain/triage/triage.js';

const run = (text: string, subject = '') => triage({ channel: 'email', subject, text });

describe('triage on bad input', () => {
  it('returns other with low confidence for empty text', () => {
    const result = run('');
    expect(result.topic).toBe('other');
    expect(result.topicConfidence).toBeLessThan(0.5);
    expect(result.language).toBe('und');
    expect(result.redactedText).toBe('');
  });

  it('survives binary junk', () => {
    const junk = Array.from({ length: 4096 }, (_, index) =>
      String.fromCharCode((index * 7919) % 65_536),
    ).join('');
    const result = run(junk);
    expect(result.topicConfidence).toBeLessThan(0.5);
  });

  it('handles 1 MB of text within a bounded time', () => {
    const big = 'Where is my package? '.repeat(50_000);
    const started = performance.now();
    const result = run(big);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.topic).toBe('delivery');
    expect(result.redactedText.length).toBeLessThan(100_000);
  });

  it('does not throw on mixed scripts', () => {
    expect(() => run('Hello 你好 Привет مرحبا नमस्ते 안녕하세요 こんにちは')).not.toThrow();
    expect(run('Hello 你好 Привет مرحبا नमस्ते').topic).toBe('other');
  });

  it('gives an unsupported language other and low confidence', () => {
    const result = run('Habari, nataka kujua kama dawa yangu imefika. Asante sana kwa msaada wenu.');
    expect(result.topic).toBe('other');
    expect(result.topicConfidence).toBeLessThan(0.5);
  });

  it('does not throw on lone surrogates and control characters', () => {
    expect(() => run('\ud800\udfff\ud800 \u0000\u0007 refill', '\u0000')).not.toThrow();
  });
});
