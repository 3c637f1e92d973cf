import type { Policy } from './policy.js';

/**
 * How well a staff member's languages fit a case, for claim-next: 2 when they speak the case's
 * language, 1 when the case is in English or undetermined (anyone can take it), 0 otherwise.
 * Claim-next takes the first case with the highest fit, so a Spanish case goes to a Spanish
 * speaker first but is never stranded when none is on shift.
 */
export function languageFit(caseLanguage: string, staffLanguages: readonly string[]): 0 | 1 | 2 {
  const language = caseLanguage.toLowerCase();
  if (staffLanguages.some((skill) => skill.toLowerCase() === language)) return 2;
  return language === 'en' || language === 'und' ? 1 : 0;
}

/** The languages the policy says a queue's staff cover (empty for a queue the policy does not declare). */
export function queueLanguageSkills(policy: Policy, queue: string): readonly string[] {
  return policy.queues[queue]?.languageSkills ?? [];
}
