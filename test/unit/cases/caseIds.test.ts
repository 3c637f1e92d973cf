import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caseIdFor, caseIdFromReference, caseReference } from '../../../lambdas/domain/cases/caseIds.js';

describe('case ids', () => {
  it('derives the same id from the same channel and external id', () => {
    expect(caseIdFor('email', '<a@b>')).toBe(caseIdFor('email', '<a@b>'));
    expect(caseIdFor('email', '<a@b>')).not.toBe(caseIdFor('fax', '<a@b>'));
  });

  it('reads back every reference it writes, from any surrounding subject', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string({ minLength: 1 }), (before, after, externalId) => {
        const caseId = caseIdFor('chat', externalId);
        expect(caseId).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
        expect(caseIdFromReference(`${before} [${caseReference(caseId)}] ${after}`)).toBe(caseId);
      }),
      { numRuns: 300 },
    );
  });

  it('finds no reference in text without one', () => {
    expect(caseIdFromReference('Re: my refill (order 12345)')).toBeUndefined();
  });
});
