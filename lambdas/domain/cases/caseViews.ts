import type { FaxDetails } from '../fax/faxDetails.js';
import type { CaseListQuery, CasePage, CaseStore } from '../ports.js';
import { redactPii } from '../triage/redactPii.js';
import { caseIdFromReference } from './caseIds.js';
import type { Case, CaseMessage, CaseView } from './caseRecord.js';

/**
 * What staff see of cases. Everything shown is redacted: the message text was redacted when it
 * was recorded; display names and attachment file names are redacted here too (they carry
 * identifiers as often as text does: "SSN 123-45-6789 card.pdf"), so records written before they
 * were redacted at recording are safe to show as well.
 */

export interface CaseViewServices {
  caseStore: CaseStore;
}

const redact = (text: string) => redactPii(text).redactedText;

function redactSender<T extends { name?: string }>(sender: T): T {
  return sender.name === undefined ? sender : { ...sender, name: redact(sender.name) };
}

/**
 * A fax's fields read off the form: the free-text ones (the sentence that asked for an expedited
 * decision, the drug line, names) are OCR text like the body and are redacted like it; the member ID,
 * date of birth and NPI are the structured values staff look the member up by.
 */
export function redactFaxDetails(fax: FaxDetails): FaxDetails {
  const fields = { ...fax.fields };
  for (const key of ['expeditedEvidence', 'drug', 'memberName', 'prescriberName'] as const) {
    const value = fields[key];
    if (value !== undefined) fields[key] = redact(value);
  }
  return { ...fax, fields };
}

function redactMessage(message: CaseMessage): CaseMessage {
  return {
    ...message,
    ...(message.sender ? { sender: redactSender(message.sender) } : {}),
    ...(message.fax ? { fax: redactFaxDetails(message.fax) } : {}),
    attachments: message.attachments.map((attachment) => ({
      ...attachment,
      filename: redact(attachment.filename),
    })),
  };
}

/** The case with every field shown to staff redacted. */
export function redactCase(kase: Case): Case {
  return { ...kase, sender: redactSender(kase.sender) };
}

/** The case, its messages (each with its unverified-sender mark) and its history. */
export async function viewCase(caseId: string, services: CaseViewServices): Promise<CaseView | undefined> {
  const view = await services.caseStore.getCase(caseId);
  if (!view) return undefined;
  return { case: redactCase(view.case), messages: view.messages.map(redactMessage), history: view.history };
}

/** `GET /cases/by-reference/CR-…`: the case a member's reference names. */
export async function findCaseByReference(
  reference: string,
  services: CaseViewServices,
): Promise<CaseView | undefined> {
  const caseId = caseIdFromReference(reference);
  return caseId ? viewCase(caseId, services) : undefined;
}

export const MAX_PAGE_SIZE = 100;

/**
 * Cases by assignee (claimed and pending, most urgent first), or by queue and state (queued in
 * queue order; other states most recently changed first), paged from an index, never a scan.
 */
export async function listCases(
  query: CaseListQuery,
  page: { limit: number; cursor?: string },
  services: CaseViewServices,
): Promise<CasePage> {
  const limit = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.trunc(page.limit)));
  const found = await services.caseStore.listCases(query, { ...page, limit });
  return { ...found, cases: found.cases.map(redactCase) };
}
