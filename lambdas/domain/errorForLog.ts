import { redactPii } from './triage/redactPii.js';

/** How much of an error's message a log line keeps. */
const MAX_MESSAGE = 300;

/**
 * An error as a log line, a dead-letter reason or an alarm may carry it: its name, and its message
 * with member data taken out. A `SyntaxError` from `JSON.parse` quotes the text it read (V8:
 * `Unexpected token 'a', "{"from":"+1…" is not valid JSON`), so its message is withheld; any other
 * message (an SDK error naming a value, a parser's complaint) goes through the PII redactor (SSN,
 * MBI, card, e-mail, phone, date of birth) and is then cut to 300 characters.
 */
export function errorForLog(error: unknown): { name: string; message: string } {
  if (!(error instanceof Error)) return { name: 'NonError', message: `a thrown ${typeof error}` };
  if (error instanceof SyntaxError) {
    return { name: error.name, message: 'malformed input (message withheld: it quotes the input)' };
  }
  // Redacted whole, then cut: cut first, an identifier straddling the cut (`john.smith@exa`,
  // `123-45-6`) no longer looks like one and would be logged. Cut by code point, never inside a
  // surrogate pair.
  return {
    name: error.name,
    message: Array.from(redactPii(error.message).redactedText).slice(0, MAX_MESSAGE).join(''),
  };
}
