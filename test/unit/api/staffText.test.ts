import { describe, expect, it } from 'vitest';
import { NoteBodySchema, PendBodySchema, ReplyBodySchema } from '../../../lambdas/api/schemas.js';

describe('staff text', () => {
  it.each([
    // C1 controls are control characters too: CSI (U+009B) starts a terminal escape as ESC [ does,
    // NEL (U+0085) breaks a line where nobody sees one.
    ['a C1 control sequence introducer', 'Hello\u009B2Jthere'],
    ['a C1 next-line', 'Your refill\u0085ships today'],
    // Nothing a person can read: marks with no letter to sit on, fillers that draw nothing.
    ['a combining mark alone', '\u0301'],
    ['combining marks and a zero-width joiner', '\u0301\u20DD\u200D'],
    ['a Hangul filler', '\u3164'],
    ['variation selectors', '\uFE0F\uFE0E'],
    // Half a UTF-16 pair is no character: the mail would carry U+FFFD in its place.
    ['a lone surrogate in real text', 'Your refill ships \uD83D today'],
  ])('refuses %s', (_name, text) => {
    expect(ReplyBodySchema.safeParse({ text }).success).toBe(false);
    expect(NoteBodySchema.safeParse({ text }).success).toBe(false);
  });

  it('refuses a C1 control in an optional reason', () => {
    expect(PendBodySchema.safeParse({ reason: 'waiting\u009B' }).success).toBe(false);
  });

  it.each([
    ['an accent written as a combining mark', 'Jose\u0301 called'],
    ['an emoji with its variation selector and a pair of surrogates', 'Thanks \u2764\uFE0F \uD83D\uDE00'],
    ['Hebrew with a right-to-left mark', 'שלום \u200Fagain'],
    ['tabs and line breaks', 'Called:\tno answer.\r\nAgain tomorrow.'],
  ])('accepts %s', (_name, text) => {
    expect(ReplyBodySchema.safeParse({ text }).success).toBe(true);
  });
});
