import { describe, expect, it } from 'vitest';
import { backoffDelay, WRITE_RACE_BACKOFF } from '../../../lambdas/adapters/dynamo/backoff.js';

describe('backoffDelay', () => {
  it('waits a random time under a ceiling that doubles each attempt up to the cap', () => {
    expect(backoffDelay(0, WRITE_RACE_BACKOFF, () => 0.999)).toBe(19);
    expect(backoffDelay(3, WRITE_RACE_BACKOFF, () => 0.999)).toBe(159);
    expect(backoffDelay(9, WRITE_RACE_BACKOFF, () => 0.999)).toBe(999);
    expect(backoffDelay(9, WRITE_RACE_BACKOFF, () => 0)).toBe(0);
  });
});
