import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { languageFit, queueLanguageSkills } from '../../../lambdas/domain/policy/languageSkills.js';

describe('languageFit', () => {
  it('prefers a Spanish speaker for a Spanish case', () => {
    expect(languageFit('es', ['en', 'es'])).toBe(2);
    expect(languageFit('es', ['en'])).toBe(0);
  });

  it('lets anyone take an English or undetermined case, ranking it below a scarce skill', () => {
    expect(languageFit('en', ['es'])).toBe(1);
    expect(languageFit('und', [])).toBe(1);
    expect(languageFit('en', ['EN'])).toBe(1);
    expect(languageFit('ES', ['en', 'es'])).toBe(2);
  });
});

describe('queueLanguageSkills', () => {
  it('reads the skills a queue declares and none for an undeclared queue', () => {
    expect(queueLanguageSkills(DEFAULT_POLICY, 'appeals')).toContain('es');
    expect(queueLanguageSkills(DEFAULT_POLICY, 'suspended')).toEqual([]);
  });
});
