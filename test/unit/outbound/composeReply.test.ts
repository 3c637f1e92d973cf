import { describe, expect, it } from 'vitest';
import type { Case } from '../../../lambdas/domain/cases/caseRecord.js';
import { replySubject } from '../../../lambdas/domain/outbound/composeReply.js';

const kase = (subject: string) =>
  ({ subject, reference: 'CR-0123456789', language: 'en', caseId: '0123456789' }) as unknown as Case;

describe('reply subject', () => {
  it('cuts a long subject by code point, never inside a surrogate pair', () => {
    const subject = replySubject(kase(`${'a'.repeat(199)}😀 thanks`));
    // A lone surrogate would reach the member as U+FFFD and is not valid UTF-8 for the store.
    expect(subject).not.toMatch(/[\uD800-\uDFFF]/u);
    expect(subject).toBe(`Re: ${'a'.repeat(199)}😀 [CR-0123456789]`);
  });

  it('keeps the reference once and strips the member’s reply prefixes', () => {
    expect(replySubject(kase('RE: AW: Refill [CR-0123456789]'))).toBe('Re: Refill [CR-0123456789]');
  });
});
