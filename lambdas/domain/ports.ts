import type { Case, CaseEvent, CaseMessage, CaseState, CaseView, QueueSummary } from './cases/caseRecord.js';
import type { InboundMessage } from './inboundMessage.js';

/** One e-mail the desk sends (supervisor notice, acknowledgement, reply), as the outbox keeps it. */
export interface OutboundMail {
  /** Absent: the mailer's configured desk address. */
  from?: string;
  to: string[];
  subject: string;
  text: string;
  /** Message-ID, In-Reply-To, References, Auto-Submitted, Content-Language … as the raw MIME needs them. */
  headers: Record<string, string>;
  /**
   * `staff`: mail to the desk's own people (supervisor notices). It goes out through the staff
   * configuration set, which suppresses no address: one spam click or one bounce of a supervisor's
   * mailbox must not silence every later SLA notice, as the members' set's suppression would.
   */
  audience?: 'staff';
}

export type OutboxKind = 'supervisor_notice' | 'acknowledgement' | 'reply';

/** A mail kept in the outbox, written in the same transaction as the case change that caused it. */
export interface OutboxEntry {
  /** Deterministic: the same logical mail always has the same id (a retried write lands on the same item). */
  entryId: string;
  caseId: string;
  kind: OutboxKind;
  mail: OutboundMail;
  createdAt: string;
  /**
   * Set on an entry its writer sends itself right after the commit (see `heldForSending`): the
   * entry is written already held by that writer until this time, so sending it takes no claim
   * write of its own, and no other sender can take it before then. Never read back from the store.
   */
  heldUntil?: string;
}

/** Everything a new case needs, written in one all-or-nothing step. */
export interface NewCase {
  case: Case;
  message: CaseMessage;
  /**
   * The message's idempotency key (see `inboundKeyOf`): the same message delivered again finds the
   * case it made; a different message that reuses a Message-ID does not.
   */
  inboundKey: string;
  /**
   * Keys under which later messages find this case (its own Message-ID, a chat conversation). A key
   * another case already holds stays with that case (first writer wins).
   */
  threadKeys: string[];
  /**
   * The conversation the message names (References root first, then In-Reply-To). When another case
   * holds one of these, the message belongs to that case: nothing is written and the outcome is
   * `joins`. Otherwise the new case holds them all, so a reply that arrives before its parent, or
   * races it, still ends in one case.
   */
  referenceKeys?: string[];
  event: CaseEvent;
  /** Mail to send because the case opened (the acknowledgement), written with it. */
  outbox?: OutboxEntry[];
  /**
   * Write `outbox` only if no unexpired guard exists for `key`, and set the guard in the same
   * transaction (at most one acknowledgement per sender per window). When the guard is held, the
   * case is still created, without the outbox entries.
   */
  acknowledgementGuard?: { key: string; until: string };
}

export type CreateCaseOutcome =
  | { outcome: 'created'; acknowledged: boolean }
  | { outcome: 'duplicate'; caseId: string }
  /** Another case holds one of the message's reference keys: append to it instead. */
  | { outcome: 'joins'; caseId: string };

/**
 * What the domain decides when an inbound message reaches an existing case: join it (the case,
 * the stored message and the history as they become), follow a merge to the surviving case, or
 * decline (the case closed too long ago: a new linked case opens instead).
 */
export type InboundJoinDecision =
  | { decision: 'join'; after: Case; message: CaseMessage; events: CaseEvent[] }
  | { decision: 'forward'; caseId: string }
  | { decision: 'decline'; reason: string };

/**
 * How many merges a store follows to reach a surviving case. A chain is as long as the merges of
 * cases that had themselves absorbed duplicates (each a supervisor's act), so any real desk stays
 * far below this; a true loop is caught by meeting a case twice, not by this bound.
 */
export const MAX_MERGE_FORWARDS = 100;

/** An inbound message to add to an existing case. */
export interface InboundAppend {
  caseId: string;
  /** As in {@link NewCase.inboundKey}. */
  inboundKey: string;
  /** Keys under which later messages find the case (first writer wins, as on creation). */
  threadKeys: string[];
  /** Domain logic, given the case as it is now; the store calls it again if the case changes meanwhile. */
  decide: (current: Case) => InboundJoinDecision;
}

export type AppendOutcome =
  | { outcome: 'appended'; case: Case }
  | { outcome: 'duplicate'; caseId: string }
  | { outcome: 'missing' }
  | { outcome: 'declined'; case: Case; reason: string };

/** A case as it was read and as it should be after one unit of work, written only if nobody changed it since. */
export interface CaseRevision {
  before: Case;
  after: Case;
  events: CaseEvent[];
  /** Messages added by this change (e.g. an outbound reply). */
  messages?: CaseMessage[];
  /** Keys under which later messages find the case (e.g. our reply's own Message-ID). */
  threadKeys?: string[];
}

/**
 * Claim-next as the case rules define it (see `claimQueue.ts`); the store reads the head of the
 * queue and writes the claim.
 */
/** What claim-next's rules read of a queued case to choose one (a store may read only these). */
export type QueueEntry = Pick<
  Case,
  | 'caseId'
  | 'version'
  | 'state'
  | 'queue'
  | 'priority'
  | 'language'
  | 'receivedAt'
  | 'queuedAt'
  | 'sla'
  | 'clocks'
>;

export interface ClaimRequest {
  queue: string;
  /**
   * The claimer's choice among the head of the queue (in queue order; `complete` is false when
   * more cases wait beyond it): tiers of cases, best first. Within a tier any case will do, and
   * the store spreads concurrent claimers over it instead of racing them for one.
   */
  choose: (head: readonly QueueEntry[], complete: boolean) => QueueEntry[][];
  /** The chosen case, read whole and still queued at the version chosen, as claimed, and its history event. */
  take: (current: Case) => { after: Case; events: CaseEvent[] };
}

/** What the case rules say a case counts toward in its queue's figures (see `queueFigures`). */
export interface QueueTally {
  queue: string;
  /** Waiting in the queue: counts toward depth and oldest. */
  waiting: boolean;
  atRisk: boolean;
  breached: boolean;
}

/**
 * What the store is told about queues by the case rules: the order of a queue, and what a case
 * counts toward. Storage follows them; it never decides them.
 */
export interface QueueRules {
  /** A sort key: the queue serves cases in ascending order of it. */
  orderKey: (kase: QueueEntry) => string;
  /** What the case counts toward; undefined when it counts toward nothing. */
  tally: (kase: Case) => QueueTally | undefined;
}

export type CaseListQuery = { assignee: string } | { queue: string; state: CaseState };

export interface CasePage {
  cases: Case[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

/** The case store: owns every key of the single table. */
export interface CaseStore {
  /** The case holding any of these thread keys, the first key (References root) first. */
  findCaseIdByThread(threadKeys: string[]): Promise<string | undefined>;
  /**
   * The case whose mail the desk sent under this thread key ({@link registerThreadKeys}), or
   * undefined when no case sent one under it (a member's own Message-ID is no mail of the desk's).
   */
  findCaseIdByDeskMail(threadKey: string): Promise<string | undefined>;
  /** Idempotent: the same inbound message twice makes one case. */
  createCase(newCase: NewCase): Promise<CreateCaseOutcome>;
  /**
   * Adds an inbound message to an existing case. The domain's `decide` turns the current case into
   * the new one; the store retries it, with backoff, when the case changes concurrently.
   */
  appendMessage(append: InboundAppend): Promise<AppendOutcome>;
  getCase(caseId: string): Promise<CaseView | undefined>;
  /** The case record alone (consistent read), without its messages and history. */
  getCaseRecord(caseId: string): Promise<Case | undefined>;
  /** Depth, oldest, at-risk and breached of every queue named, at a cost that does not grow with their number. */
  listQueues(queues: readonly string[]): Promise<QueueSummary[]>;
  /** Atomically gives one case of the queue to one staff member; undefined when none is there for them. */
  claimNext(request: ClaimRequest): Promise<Case | undefined>;
  /** Cases by assignee, or by queue and state, from an index (never a scan), paged. */
  listCases(query: CaseListQuery, page: { limit: number; cursor?: string }): Promise<CasePage>;
  /** Cases whose next timer is due at `now`, read from the sparse timer index (never a scan). */
  listDueTimers(now: Date, limit: number): Promise<Case[]>;
  /**
   * Writes a revision only if the case is still at `before.version`, with its history events,
   * messages, thread keys and outbox entries, in one transaction. `conflict`: another writer got there first.
   */
  applyRevision(revision: CaseRevision, outbox: OutboxEntry[]): Promise<'applied' | 'conflict'>;
  /** Several cases in one transaction (merge): all applied, or none and `conflict`. */
  applyRevisions(revisions: CaseRevision[], outbox: OutboxEntry[]): Promise<'applied' | 'conflict'>;
  /**
   * Unsent entries, oldest first; with `after` (the last entry of the previous page), those listed
   * after it, so a sender can page past entries it cannot send yet.
   */
  listOutbox(limit: number, after?: OutboxEntry): Promise<OutboxEntry[]>;
  /** Takes an entry for sending (conditional: only one sender holds it); false when someone else has it or it was sent. */
  claimOutboxEntry(entryId: string, now: Date, holdMs: number): Promise<boolean>;
  /** Records the send; false when there is no such entry (nothing was ever committed for this mail). */
  markOutboxEntrySent(entryId: string, sent: { at: string; providerMessageId?: string }): Promise<boolean>;
  /**
   * Makes `threadKeys` the case's own where no case holds them yet (a key another case holds stays
   * its): the Message-IDs a sent mail reached the member with, so the member's answer finds the case.
   * They are marked as the desk's mail, which a bounce of it must name ({@link findCaseIdByDeskMail}).
   */
  registerThreadKeys(caseId: string, threadKeys: readonly string[]): Promise<void>;
}

/** SLA metrics (CloudWatch embedded metric format in AWS). Names and dimensions carry no PHI. */
export interface SlaMetrics {
  count(
    name: 'SlaWarning' | 'SlaBreach' | 'SlaEscalation' | 'LeaseExpired' | 'SlaMet' | 'SlaMissed',
    dimensions: { queue: string; clock?: string },
  ): void;
}

/** Sends supervisor notices (SES in AWS and locally). */
export interface Mailer {
  /**
   * Sends one mail, one attempt (the outbox retries); resolves with the provider's message id
   * when it gives one, and the Message-ID values the recipient's copy may carry when the provider
   * replaces the one the mail set (SES does): a member's answer cites those. Throws
   * `MailRejectedError` when retrying cannot help.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a mailer that reports no id may resolve with nothing.
  send(mail: OutboundMail): Promise<{ providerMessageId?: string; deliveredMessageIds?: string[] } | void>;
}

/** Hands a normalized message to the routing stage (SQS in AWS and locally). */
export interface InboundQueue {
  enqueue(message: InboundMessage): Promise<void>;
}

/** Raw content storage (S3, encrypted). */
export interface BlobStore {
  put(key: string, body: Uint8Array | string, metadata?: Record<string, string>): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  move(fromKey: string, toKey: string, metadata?: Record<string, string>): Promise<void>;
}

/** A blob store that can also write a key only when it does not exist yet (S3 `If-None-Match: *`). */
export interface ConditionalBlobStore extends BlobStore {
  /** Writes the object if no object has this key; `false`, and nothing written, when one has. */
  create(key: string, body: Uint8Array | string, metadata?: Record<string, string>): Promise<boolean>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A list cursor that this store did not hand out (or that was altered): the caller's request is wrong. */
export class InvalidCursorError extends Error {
  constructor(message = 'the cursor is not one this list handed out') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

/**
 * The store can never write this (it breaks a limit of the database, such as the size of an item):
 * retrying cannot help, so the message goes to the dead-letter queue with this reason at once.
 */
export class CaseRejectedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaseRejectedError';
  }
}
