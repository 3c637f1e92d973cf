// Walking-skeleton cue list; issue #3 extends it to every supported language.
// 42 CFR 423.570(c) / 423.584(c): expedited review when the standard time frame "could seriously
// jeopardize the life or health of the enrollee or the enrollee's ability to regain maximum function".
const EXPEDITED = /\b(expedite[d]?|urgent|seriously jeopardi[sz]e|urgente)\b/i;

export function detectExpedited(subject: string, text: string): { expedited: boolean; evidence: string[] } {
  const match = `${subject}\n${text}`.match(EXPEDITED);
  return match ? { expedited: true, evidence: [`expedited: "${match[0]}"`] } : { expedited: false, evidence: [] };
}
