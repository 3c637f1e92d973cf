import { describe, expect, it } from 'vitest';
import { errorForLog } from '../../../lambdas/domain/errorForLog.js';

describe('errorForLog', () => {
  it('withholds what JSON.parse quotes of its input', () => {
    let thrown: unknown;
    try {
      JSON.parse('Maria Lopez');
    } catch (error) {
      thrown = error;
    }
    expect(String((thrown as Error).message)).toContain('Maria Lopez');
    const logged = errorForLog(thrown);
    expect(logged.name).toBe('SyntaxError');
    expect(JSON.stringify(logged)).not.toMatch(/Maria|Lopez/);
  });

  it('redacts identifiers an error message names, and keeps the rest of it', () => {
    const logged = errorForLog(
      new Error(
        'ValidationException: member 1EG4-TE5-MK73 with SSN 123-45-6789 and card 4111 1111 1111 1111',
      ),
    );
    expect(logged).toEqual({
      name: 'Error',
      message: 'ValidationException: member [MBI] with SSN [SSN] and card [CARD]',
    });
  });

  it('redacts before it cuts: an identifier straddling the cut leaves no part of itself', () => {
    const at = (identifier: string, cutAfter: number) =>
      `${'x'.repeat(300 - cutAfter - 1)} ${identifier} was rejected`;
    const email = errorForLog(new Error(at('john.smith@example.com', 'john.smith@exa'.length))).message;
    const ssn = errorForLog(new Error(at('123-45-6789', '123-45-6'.length))).message;
    expect(email).not.toMatch(/john|smith/);
    expect(ssn).not.toMatch(/123-45/);
    expect(email.length).toBeLessThanOrEqual(300);
    // Cut by code point: never half a surrogate pair.
    expect(errorForLog(new Error(`${'x'.repeat(299)}😀😀`)).message).toBe(`${'x'.repeat(299)}😀`);
  });

  it('cuts a long message and names what was thrown when it is no Error', () => {
    expect(errorForLog(new TypeError('x'.repeat(1_000))).message).toHaveLength(300);
    expect(errorForLog('a string with 123-45-6789')).toEqual({
      name: 'NonError',
      message: 'a thrown string',
    });
  });
});
