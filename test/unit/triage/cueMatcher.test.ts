import { describe, expect, it } from 'vitest';
import { CueMatcher, foldMessage, tokenize } from '../../../lambdas/domain/triage/cueMatcher.js';

const sources = (matcher: CueMatcher<string>, text: string) =>
  matcher.match(text).map((match) => match.cue.source);

describe('CueMatcher', () => {
  it('matches whole words, prefixes and phrases with one word of gap', () => {
    const matcher = new CueMatcher<string>([
      ['a', 'refill=3'],
      ['b', 'appeal*=3'],
      ['c', 'never arrived=3'],
    ]);
    expect(sources(matcher, 'i appealed; it never really arrived, refill')).toEqual([
      'appeal*',
      'never arrived',
      'refill',
    ]);
    expect(sources(matcher, 'refilling')).toEqual([]);
  });

  it('drops a match inside a longer one', () => {
    const matcher = new CueMatcher<string>([
      ['lost', 'stolen=3'],
      ['fraud', 'stolen identity=3'],
    ]);
    expect(sources(matcher, 'my stolen identity')).toEqual(['stolen identity']);
  });

  it('matches scripts without spaces as substrings', () => {
    const matcher = new CueMatcher<string>([['refill', '续药=3']]);
    expect(sources(matcher, '我需要续药谢谢')).toEqual(['续药']);
  });

  it('matches inflected endings of one-word cues in inflecting languages only', () => {
    const matcher = new CueMatcher<string>([
      ['clinical', 'алкоголь=2', 'ru'],
      ['clinical', 'refrigerator=2', 'en'],
    ]);
    expect(sources(matcher, 'с алкоголем')).toEqual(['алкоголь']);
    expect(sources(matcher, 'refrigerators')).toEqual([]);
  });

  it('tokenizes mixed scripts into separate words', () => {
    expect(tokenize('medicare号码 abc').map((token) => token.text)).toEqual(['medicare', '号码', 'abc']);
  });

  it('folds subject and text once, without reply prefixes', () => {
    const folded = foldMessage('RE: Fwd: Refill', 'please');
    expect(folded.text).toBe('refill\nplease');
    expect(folded.subjectEnd).toBe(6);
  });
});
