import type { Program } from './taxonomy.js';

// Walking-skeleton cues; issue #3 moves the specialty drug list into data.
const MEDICARE = /\b(medicare|part d|extra help)\b/i;
const SPECIALTY = /\b(specialty pharmacy|biologic|humira|enbrel|stelara|injectable)\b/i;

export function detectPrograms(subject: string, text: string): { programs: Program[]; evidence: string[] } {
  const haystack = `${subject}\n${text}`;
  const programs: Program[] = [];
  const evidence: string[] = [];
  const medicare = haystack.match(MEDICARE);
  if (medicare) {
    programs.push('medicare_part_d');
    evidence.push(`program medicare_part_d: "${medicare[0]}"`);
  }
  const specialty = haystack.match(SPECIALTY);
  if (specialty) {
    programs.push('specialty');
    evidence.push(`program specialty: "${specialty[0]}"`);
  }
  return { programs, evidence };
}
