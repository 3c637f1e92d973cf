/**
 * The case rules the staff API calls, in one place: the routes map HTTP to these use cases and
 * their outcome values, and decide nothing about cases themselves.
 */
import type { CaseActionOutcome, CaseActionServices } from '../domain/cases/caseActions.js';
import type { ClaimServices } from '../domain/cases/claimQueue.js';
import { knownQueues } from '../domain/cases/claimQueue.js';
import type { ReplyOutcome } from '../domain/cases/replyToCase.js';
import type { DeskSettings } from '../domain/outbound/deskSettings.js';
import type { BlobStore, Mailer } from '../domain/ports.js';
import type { SignedOutSessions } from './signedOutSessions.js';

export { actOnCase, type CaseActionRequest } from '../domain/cases/caseActions.js';
export { caseIdFromReference } from '../domain/cases/caseIds.js';
export { boundedCaseView, listCases, redactCase, viewCase } from '../domain/cases/caseViews.js';
export { claimNextCase, listQueues } from '../domain/cases/claimQueue.js';
export { replyToCase } from '../domain/cases/replyToCase.js';

/**
 * Everything the staff API's use cases need. `desk` absent: replies answer 503 (nothing to send
 * from). `mailer` absent: replies wait in the outbox for the sweeper.
 */
export type StaffApiServices = CaseActionServices &
  ClaimServices & {
    desk?: DeskSettings;
    mailer?: Mailer;
    /** The raw-content bucket's fax page images; absent: page images answer 404. */
    faxPages?: Pick<BlobStore, 'get'>;
    /** Sessions signed out before their tokens expired; absent: sign-out answers 503. */
    signedOutSessions?: SignedOutSessions;
  };

export type ActionOutcome = CaseActionOutcome | ReplyOutcome;

export function isKnownQueue(queue: string, services: Pick<StaffApiServices, 'policy'>): boolean {
  return knownQueues(services.policy).includes(queue);
}
