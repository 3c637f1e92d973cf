import type { Case, CaseEvent, CaseMessage, CaseView, QueueSummary } from './cases/caseRecord.js';
import type { Channel, InboundMessage } from './inboundMessage.js';

/** Everything a new case needs, written in one all-or-nothing step. */
export interface NewCase {
  case: Case;
  message: CaseMessage;
  /** Keys that let later replies find this case (Message-ID, chat conversation). */
  threadKeys: string[];
  event: CaseEvent;
}

export type CreateCaseOutcome = { outcome: 'created' } | { outcome: 'duplicate'; caseId: string };
export type AppendOutcome =
  | { outcome: 'appended'; case: Case }
  | { outcome: 'duplicate' }
  | { outcome: 'missing' };

/** A case as it was read and as it should be after one unit of work, written only if nobody changed it since. */
export interface CaseRevision {
  before: Case;
  after: Case;
  events: CaseEvent[];
}

/** A supervisor e-mail kept in the outbox until it is sent. */
export interface OutboxNotice {
  noticeId: string;
  caseId: string;
  to: string[];
  subject: string;
  text: string;
  createdAt: string;
}

export interface ClaimRequest {
  queue: string;
  /** The domain's claim of a queue head: the case as claimed, and its history event. */
  take: (head: Case) => { after: Case; events: CaseEvent[] };
}

/** The case store: owns every key of the single table. */
export interface CaseStore {
  findCaseIdByInbound(channel: Channel, externalId: string): Promise<string | undefined>;
  findCaseIdByThread(threadKeys: string[]): Promise<string | undefined>;
  /** Idempotent: the same inbound message twice makes one case. */
  createCase(newCase: NewCase): Promise<CreateCaseOutcome>;
  /**
   * Adds a message to an existing case. `revise` (domain logic: wake, clocks) turns the current
   * case into the new one; the store retries it on a concurrent change.
   */
  appendMessage(
    caseId: string,
    message: CaseMessage,
    threadKeys: string[],
    event: CaseEvent,
    revise: (current: Case) => Case,
  ): Promise<AppendOutcome>;
  getCase(caseId: string): Promise<CaseView | undefined>;
  /** The case record alone (consistent read), without its messages and history. */
  getCaseRecord(caseId: string): Promise<Case | undefined>;
  listQueues(queues: readonly string[]): Promise<QueueSummary[]>;
  /** Atomically gives the head of the queue to one staff member; undefined when the queue is empty. */
  claimNext(request: ClaimRequest): Promise<Case | undefined>;
  /** Cases whose next timer is due at `now`, read from the sparse timer index (never a scan). */
  listDueTimers(now: Date, limit: number): Promise<Case[]>;
  /**
   * Writes a revision only if the case is still at `before.version`, with its history events and
   * outbox notices, in one transaction. `conflict` means another writer got there first.
   */
  applyRevision(revision: CaseRevision, notices: OutboxNotice[]): Promise<'applied' | 'conflict'>;
  /** Notices not yet sent, oldest first. */
  listOutbox(limit: number): Promise<OutboxNotice[]>;
  /** Takes a notice for sending (so two sweepers never both send it); false when someone else has it. */
  claimNotice(noticeId: string, now: Date, holdMs: number): Promise<boolean>;
  markNoticeSent(noticeId: string): Promise<void>;
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
  send(message: { to: string[]; subject: string; text: string }): Promise<void>;
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

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
