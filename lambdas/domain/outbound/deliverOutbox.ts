import { messageThreadKey } from '../cases/messageIdentity.js';
import { errorForLog } from '../errorForLog.js';
import type { CaseStore, Clock, Mailer, OutboxEntry, OutboxKind } from '../ports.js';

/**
 * Sending what the outbox holds: supervisor notices, acknowledgements and replies alike. Each
 * entry was written in the same transaction as the case change that caused it, so nothing is sent
 * for a change that did not happen, and nothing that happened goes unsent.
 *
 * Exactly once in effect. SES has no idempotency key, so the guarantee is built around the send:
 * 1. a sender first *claims* the entry (a conditional write holding it for {@link OUTBOX_HOLD_MS});
 *    while the hold lasts no other sender (sweeper, a retried request) can take it;
 * 2. the mailer makes one attempt, bounded by its own timeout (well inside the hold), and never
 *    retries inside the SDK — a retry is an outbox retry after the hold, never a blind resend;
 * 3. the sender marks the entry sent, retrying that write a few times.
 * A second copy can therefore only go out when a sender dies, or loses the table, in the instant
 * between SES accepting the mail and the "sent" mark landing — milliseconds per send — or when the
 * send's outcome is unknown (the 5 s request timeout fired, or the connection dropped, after SES had
 * the request: SES may have accepted it), and then only once per such failure, after the hold. An
 * unknown outcome is retried rather than dropped on purpose: a second acknowledgement or reply costs
 * less than a lost one. A send that failed before SES accepted it is simply retried.
 *
 * A request that sends what it just committed (an acknowledgement, a staff reply) writes the entry
 * already held by itself ({@link heldForSending}), so step 1 is part of the commit instead of a
 * write of its own: the same guarantee with one DynamoDB write fewer per mail.
 */
export const OUTBOX_HOLD_MS = 5 * 60_000;

/**
 * How much of its hold a sender must still have to start a send: the mailer's own timeout (5 s)
 * and the "sent" mark's retries fit well inside it, so the hold never lapses mid-send.
 */
export const SEND_MARGIN_MS = 60_000;

/**
 * The entry as its writer commits it when it will send it itself right after the commit
 * ({@link deliverNow}): held by that writer for {@link OUTBOX_HOLD_MS} from `now`. If the writer
 * dies before sending, the sweeper sends it once the hold is over, as after any failed send.
 */
export function heldForSending(entry: OutboxEntry, now: Date): OutboxEntry {
  return { ...entry, heldUntil: new Date(now.getTime() + OUTBOX_HOLD_MS).toISOString() };
}

/** The mail was refused for a reason that retrying cannot change (bad recipient, unverified sender). */
export class MailRejectedError extends Error {
  override readonly name = 'MailRejectedError';
}

export interface OutboxDeliveryServices {
  caseStore: Pick<
    CaseStore,
    'listOutbox' | 'claimOutboxEntry' | 'markOutboxEntrySent' | 'registerThreadKeys'
  >;
  mailer: Mailer;
  clock: Clock;
  /** Where delivery failures are reported (ids and error names only: mail text is PHI). */
  log?: (level: 'warn' | 'error', message: string, detail: Record<string, unknown>) => void;
  /** A From per kind where it differs from the mailer's desk address (supervisor notices). */
  fromByKind?: Partial<Record<OutboxKind, string>>;
}

export type DeliveryOutcome = 'sent' | 'held' | 'failed';

const MARK_ATTEMPTS = 3;

async function markSent(
  services: OutboxDeliveryServices,
  entryId: string,
  sent: { at: string; providerMessageId?: string },
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await services.caseStore.markOutboxEntrySent(entryId, sent);
    } catch (error) {
      // The mail is out: losing this mark is what could send it twice, so try again before giving up.
      if (attempt >= MARK_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

/** Claims, sends and marks one entry. `held`: another sender has it (or it was sent already). */
export async function deliverOutboxEntry(
  entry: OutboxEntry,
  services: OutboxDeliveryServices,
): Promise<DeliveryOutcome> {
  const claimedAt = services.clock.now();
  if (!(await services.caseStore.claimOutboxEntry(entry.entryId, claimedAt, OUTBOX_HOLD_MS))) return 'held';
  return sendHeldEntry(entry, services);
}

/**
 * The Message-IDs a member-facing mail reached the member with, where the provider replaced ours
 * (SES does: AWS docs, "Amazon SES header fields"), become thread keys of its case, so an answer
 * that cites only them (a form or chat case's first mail, the subject's reference edited away)
 * still joins the case. After the send is marked, and best effort: the mail is out either way, and
 * the answer can still find its case by the subject's reference.
 */
async function registerDeliveredIds(
  entry: OutboxEntry,
  deliveredMessageIds: readonly string[],
  services: OutboxDeliveryServices,
): Promise<void> {
  if (entry.kind === 'supervisor_notice' || deliveredMessageIds.length === 0) return;
  try {
    await services.caseStore.registerThreadKeys(entry.caseId, deliveredMessageIds.map(messageThreadKey));
  } catch (error) {
    services.log?.('warn', "the sent mail's provider Message-ID could not be registered as a thread key", {
      entryId: entry.entryId,
      caseId: entry.caseId,
      error: errorForLog(error),
    });
  }
}

/** Sends and marks an entry this sender holds. */
async function sendHeldEntry(entry: OutboxEntry, services: OutboxDeliveryServices): Promise<DeliveryOutcome> {
  const from = entry.mail.from ?? services.fromByKind?.[entry.kind];
  let providerMessageId: string | undefined;
  let deliveredMessageIds: string[] = [];
  try {
    const mail = {
      ...entry.mail,
      ...(from ? { from } : {}),
      ...(entry.kind === 'supervisor_notice' ? { audience: 'staff' as const } : {}),
    };
    const result = await services.mailer.send(mail);
    providerMessageId = result?.providerMessageId;
    deliveredMessageIds = result?.deliveredMessageIds ?? [];
  } catch (error) {
    services.log?.(
      error instanceof MailRejectedError ? 'error' : 'warn',
      'outbox entry not sent; retried after the hold',
      {
        entryId: entry.entryId,
        caseId: entry.caseId,
        kind: entry.kind,
        error: errorForLog(error),
      },
    );
    return 'failed';
  }
  const marked = await markSent(services, entry.entryId, {
    at: services.clock.now().toISOString(),
    ...(providerMessageId ? { providerMessageId } : {}),
  });
  if (!marked) {
    // Only a sender skipping the claim can get here: it sent a mail nothing was committed for.
    services.log?.('error', 'sent a mail that has no outbox entry', {
      entryId: entry.entryId,
      caseId: entry.caseId,
      kind: entry.kind,
    });
  }
  await registerDeliveredIds(entry, deliveredMessageIds, services);
  return 'sent';
}

export interface OutboxReport {
  sent: number;
  failed: number;
  held: number;
}

const PAGE = 50;

/**
 * Sends every unsent entry, oldest first, within `budget` sends: the sweeper's pass, which retries
 * whatever the request that wrote an entry did not send at once. It pages past the entries it could
 * not send (held elsewhere, failed, or refused by SES, which stay unsent so an account-level
 * rejection loses nothing): re-reading the first page instead would let a page of mails SES keeps
 * refusing starve every younger entry, supervisor notices included. Only sends count toward the
 * budget: an entry held since a failed send costs one conditional write and no send, so a run of
 * entries SES keeps refusing (each held for {@link OUTBOX_HOLD_MS} after its attempt) holds back
 * younger mail for one pass in each hold, not for good. Entries looked at are capped too (five per
 * send of the budget), so an outage that leaves thousands unsent costs each pass a bounded scan.
 */
export async function deliverOutbox(
  services: OutboxDeliveryServices,
  options: { budget?: number } = {},
): Promise<OutboxReport> {
  const budget = options.budget ?? 500;
  const lookLimit = 5 * budget;
  const report: OutboxReport = { sent: 0, failed: 0, held: 0 };
  const seen = new Set<string>();
  let after: OutboxEntry | undefined;
  for (;;) {
    const page = await services.caseStore.listOutbox(PAGE, after);
    for (const entry of page) {
      if (seen.has(entry.entryId)) continue;
      if (report.sent + report.failed >= budget || seen.size >= lookLimit) return report;
      seen.add(entry.entryId);
      report[await deliverOutboxEntry(entry, services)] += 1;
    }
    // Drained: whatever is left unsent waits for the next pass.
    if (page.length < PAGE) return report;
    after = page[page.length - 1];
  }
}

/**
 * Sends the entries a request just committed, right after the commit; whatever fails waits for the
 * sweeper. An entry committed {@link heldForSending} is sent without a claim while enough of its
 * hold is left (else it is left to the sweeper, `held`); any other entry is claimed first.
 */
export async function deliverNow(
  entries: readonly OutboxEntry[],
  services: OutboxDeliveryServices,
): Promise<Record<string, DeliveryOutcome>> {
  const outcomes: Record<string, DeliveryOutcome> = {};
  for (const entry of entries) {
    // One send per entry, even if a caller lists it twice.
    if (entry.entryId in outcomes) continue;
    try {
      if (entry.heldUntil === undefined) {
        outcomes[entry.entryId] = await deliverOutboxEntry(entry, services);
      } else if (services.clock.now().getTime() < Date.parse(entry.heldUntil) - SEND_MARGIN_MS) {
        outcomes[entry.entryId] = await sendHeldEntry(entry, services);
      } else {
        outcomes[entry.entryId] = 'held';
      }
    } catch (error) {
      // The commit stands; the sweeper finds the entry unsent (or held) and finishes the job.
      services.log?.('warn', 'immediate delivery failed; the sweeper retries it', {
        entryId: entry.entryId,
        error: errorForLog(error),
      });
      outcomes[entry.entryId] = 'failed';
    }
  }
  return outcomes;
}
