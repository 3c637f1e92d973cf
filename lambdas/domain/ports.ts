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

export interface ClaimRequest {
  queue: string;
  staffId: string;
  now: Date;
  leaseMs: number;
}

/** The case store: owns every key of the single table. */
export interface CaseStore {
  findCaseIdByInbound(channel: Channel, externalId: string): Promise<string | undefined>;
  findCaseIdByThread(threadKeys: string[]): Promise<string | undefined>;
  /** Idempotent: the same inbound message twice makes one case. */
  createCase(newCase: NewCase): Promise<CreateCaseOutcome>;
  /** Adds a message to an existing case; `wake` moves a pending case back to its queue. */
  appendMessage(
    caseId: string,
    message: CaseMessage,
    threadKeys: string[],
    event: CaseEvent,
    options: { wake: boolean; now: Date },
  ): Promise<AppendOutcome>;
  getCase(caseId: string): Promise<CaseView | undefined>;
  listQueues(queues: readonly string[]): Promise<QueueSummary[]>;
  /** Atomically gives the head of the queue to one staff member; undefined when the queue is empty. */
  claimNext(request: ClaimRequest): Promise<Case | undefined>;
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
