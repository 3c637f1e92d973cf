import type { Policy } from './policy.js';

/**
 * How well a staff member's languages fit a case, for claim-next: 1 when the case is in English
 * or undetermined (anyone can take it), 2 when it is in another language they read (a scarce
 * skill: a bilingual agent takes the Spanish case first and leaves the English one to colleagues
 * who read only English), 0 otherwise. Claim-next relaxes 0 to 1 after the policy's timeout, so a
 * case is never stranded when nobody on shift reads its language.
 */
export function languageFit(caseLanguage: string, staffLanguages: readonly string[]): 0 | 1 | 2 {
  const language = caseLanguage.toLowerCase();
  if (language === 'en' || language === 'und') return 1;
  return staffLanguages.some((skill) => skill.toLowerCase() === language) ? 2 : 0;
}

/** The languages the policy says a queue's staff cover (empty for a queue the policy does not declare). */
export function queueLanguageSkills(policy: Policy, queue: string): readonly string[] {
  return policy.queues[queue]?.languageSkills ?? [];
}
