import type {
  Case,
  CaseEvent,
  CaseMessage,
  CaseView,
  QueueSummary,
} from '../../lambdas/domain/cases/caseRecord.js';
import { QUEUE_RULES } from '../../lambdas/domain/cases/claimQueue.js';
import {
  type AppendOutcome,
  type CaseListQuery,
  type CasePage,
  type CaseRevision,
  type CaseStore,
  type ClaimRequest,
  type CreateCaseOutcome,
  type InboundAppend,
  InvalidCursorError,
  MAX_MERGE_FORWARDS,
  type NewCase,
  type OutboxEntry,
  type QueueRules,
} from '../../lambdas/domain/ports.js';

function decodeCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'k' in parsed && typeof parsed.k === 'string')
      return parsed.k;
  } catch {
    // reported below
  }
  throw new InvalidCursorError();
}

interface StoredEntry extends OutboxEntry {
  claimedUntil?: string;
  sentAt?: string;
  providerMessageId?: string;
}

/**
 * A hand-written fake of the CaseStore port for domain unit tests. It keeps the port's contract
 * (the same suite runs against it and against DynamoCaseStore on DynamoDB Local, see
 * test/contract/caseStoreContract.ts), so the domain tests exercise the semantics the real store has.
 */
export class InMemoryCaseStore implements CaseStore {
  readonly cases = new Map<string, Case>();
  readonly messages = new Map<string, CaseMessage[]>();
  readonly history = new Map<string, CaseEvent[]>();
  readonly inbound = new Map<string, string>();
  readonly threads = new Map<string, { caseId: string; heldAs: 'own' | 'reference' }>();
  /** Thread keys the desk sent mail under (registerThreadKeys). */
  readonly deskMail = new Set<string>();
  readonly outbox = new Map<string, StoredEntry>();
  readonly guards = new Map<string, string>();
  readonly #rules: QueueRules;

  constructor(rules: QueueRules = QUEUE_RULES) {
    this.#rules = rules;
  }

  async findCaseIdByThread(threadKeys: string[]) {
    for (const key of threadKeys) {
      const holder = this.threads.get(key);
      if (holder) return holder.caseId;
    }
    return undefined;
  }

  /** First writer wins; a case may turn a key it holds as a reference into its own. */
  #claimThreadKeys(caseId: string, keys: readonly string[], heldAs: 'own' | 'reference') {
    for (const key of keys) {
      const holder = this.threads.get(key);
      if (!holder || (holder.caseId === caseId && heldAs === 'own'))
        this.threads.set(key, { caseId, heldAs });
    }
  }

  #putOutbox(entries: readonly OutboxEntry[]) {
    for (const { heldUntil, ...entry } of entries)
      if (!this.outbox.has(entry.entryId))
        this.outbox.set(entry.entryId, { ...entry, ...(heldUntil ? { claimedUntil: heldUntil } : {}) });
  }

  async createCase(newCase: NewCase): Promise<CreateCaseOutcome> {
    const existing = this.inbound.get(newCase.inboundKey);
    if (existing) return { outcome: 'duplicate', caseId: existing };
    for (const key of newCase.referenceKeys ?? []) {
      const holder = this.threads.get(key);
      if (holder) return { outcome: 'joins', caseId: holder.caseId };
    }
    for (const key of newCase.threadKeys) {
      const holder = this.threads.get(key);
      if (holder?.heldAs === 'reference') return { outcome: 'joins', caseId: holder.caseId };
    }
    if (this.cases.has(newCase.case.caseId)) return { outcome: 'joins', caseId: newCase.case.caseId };
    const caseId = newCase.case.caseId;
    this.inbound.set(newCase.inboundKey, caseId);
    this.cases.set(caseId, newCase.case);
    this.messages.set(caseId, [newCase.message]);
    this.history.set(caseId, [newCase.event]);
    this.#claimThreadKeys(caseId, newCase.referenceKeys ?? [], 'reference');
    this.#claimThreadKeys(caseId, newCase.threadKeys, 'own');
    let acknowledged = false;
    // As DynamoDB: an entry that exists already fails its condition, and the case opens without any.
    const outboxExists = (newCase.outbox ?? []).some((entry) => this.outbox.has(entry.entryId));
    if (newCase.outbox && newCase.outbox.length > 0 && !outboxExists) {
      const guard = newCase.acknowledgementGuard;
      const heldUntil = guard ? this.guards.get(guard.key) : undefined;
      if (!guard || heldUntil === undefined || heldUntil <= newCase.case.createdAt) {
        if (guard) this.guards.set(guard.key, guard.until);
        this.#putOutbox(newCase.outbox);
        acknowledged = true;
      }
    }
    return { outcome: 'created', acknowledged };
  }

  async appendMessage(append: InboundAppend): Promise<AppendOutcome> {
    let caseId = append.caseId;
    for (let hop = 0; hop <= MAX_MERGE_FORWARDS; hop++) {
      const current = this.cases.get(caseId);
      if (!current) return { outcome: 'missing' };
      const existing = this.inbound.get(append.inboundKey);
      if (existing) return { outcome: 'duplicate', caseId: existing };
      const decision = append.decide(current);
      if (decision.decision === 'forward') {
        caseId = decision.caseId;
        continue;
      }
      if (decision.decision === 'decline')
        return { outcome: 'declined', case: current, reason: decision.reason };
      this.inbound.set(append.inboundKey, caseId);
      this.cases.set(caseId, decision.after);
      this.messages.get(caseId)?.push(decision.message);
      this.history.get(caseId)?.push(...decision.events);
      this.#claimThreadKeys(caseId, append.threadKeys, 'own');
      return { outcome: 'appended', case: decision.after };
    }
    throw new Error('merge chain too long');
  }

  async getCase(caseId: string): Promise<CaseView | undefined> {
    const kase = this.cases.get(caseId);
    if (!kase) return undefined;
    const byTime = <T extends { receivedAt?: string; at?: string }>(items: T[]) =>
      [...items].sort((a, b) => (a.receivedAt ?? a.at ?? '').localeCompare(b.receivedAt ?? b.at ?? ''));
    return {
      case: kase,
      messages: byTime(this.messages.get(caseId) ?? []),
      history: byTime(this.history.get(caseId) ?? []),
    };
  }

  async getCaseRecord(caseId: string): Promise<Case | undefined> {
    return this.cases.get(caseId);
  }

  async listQueues(queues: readonly string[]): Promise<QueueSummary[]> {
    const tallies = [...this.cases.values()].flatMap((kase) => {
      const tally = this.#rules.tally(kase);
      return tally ? [{ tally, kase }] : [];
    });
    return queues.map((queue) => {
      const mine = tallies.filter(({ tally }) => tally.queue === queue);
      const waiting = mine.filter(({ tally }) => tally.waiting);
      const oldest = waiting.map(({ kase }) => new Date(kase.receivedAt).toISOString()).sort()[0];
      return {
        queue,
        depth: waiting.length,
        ...(oldest ? { oldestReceivedAt: oldest } : {}),
        atRisk: mine.filter(({ tally }) => tally.atRisk).length,
        breached: mine.filter(({ tally }) => tally.breached).length,
      };
    });
  }

  #queued(queue: string): Case[] {
    return [...this.cases.values()]
      .filter((kase) => kase.queue === queue && kase.state === 'queued')
      .sort((a, b) => this.#rules.orderKey(a).localeCompare(this.#rules.orderKey(b)));
  }

  async claimNext(request: ClaimRequest): Promise<Case | undefined> {
    const head = this.#queued(request.queue);
    for (const tier of request.choose(head, true)) {
      for (const entry of tier) {
        const current = this.cases.get(entry.caseId);
        if (current?.state !== 'queued' || current.version !== entry.version) continue;
        const { after, events } = request.take(current);
        if ((await this.applyRevision({ before: current, after, events }, [])) === 'applied') return after;
      }
    }
    return undefined;
  }

  async listCases(query: CaseListQuery, page: { limit: number; cursor?: string }): Promise<CasePage> {
    const all = [...this.cases.values()];
    let ordered: { kase: Case; key: string }[];
    if ('assignee' in query) {
      ordered = all
        .filter(
          (kase) =>
            kase.assignee === query.assignee && (kase.state === 'claimed' || kase.state === 'pending'),
        )
        .map((kase) => ({ kase, key: this.#rules.orderKey(kase) }))
        .sort((a, b) => a.key.localeCompare(b.key));
    } else if (query.state === 'queued') {
      ordered = this.#queued(query.queue).map((kase) => ({ kase, key: this.#rules.orderKey(kase) }));
    } else {
      ordered = all
        .filter((kase) => kase.queue === query.queue && kase.state === query.state)
        .map((kase) => ({ kase, key: `${kase.updatedAt}#${kase.caseId}` }))
        .sort((a, b) => b.key.localeCompare(a.key));
    }
    const descending = !('assignee' in query) && query.state !== 'queued';
    const after = page.cursor ? decodeCursor(page.cursor) : undefined;
    const rest =
      after === undefined
        ? ordered
        : ordered.filter(({ key }) =>
            descending ? key.localeCompare(after) < 0 : key.localeCompare(after) > 0,
          );
    const slice = rest.slice(0, page.limit);
    const last = slice.at(-1);
    return {
      cases: slice.map(({ kase }) => kase),
      ...(last && rest.length > page.limit
        ? { nextCursor: Buffer.from(JSON.stringify({ k: last.key })).toString('base64url') }
        : {}),
    };
  }

  async listDueTimers(now: Date, limit: number): Promise<Case[]> {
    return [...this.cases.values()]
      .filter((kase) => kase.nextTimerAt !== undefined && Date.parse(kase.nextTimerAt) <= now.getTime())
      .sort((a, b) => Date.parse(a.nextTimerAt ?? '') - Date.parse(b.nextTimerAt ?? ''))
      .slice(0, limit);
  }

  async applyRevision(revision: CaseRevision, outbox: OutboxEntry[]): Promise<'applied' | 'conflict'> {
    return this.applyRevisions([revision], outbox);
  }

  async applyRevisions(revisions: CaseRevision[], outbox: OutboxEntry[]): Promise<'applied' | 'conflict'> {
    for (const revision of revisions) {
      const current = this.cases.get(revision.before.caseId);
      if (!current || current.version !== revision.before.version) return 'conflict';
    }
    if (outbox.some((entry) => this.outbox.has(entry.entryId))) return 'conflict';
    for (const revision of revisions) {
      const caseId = revision.after.caseId;
      this.cases.set(caseId, revision.after);
      this.history.get(caseId)?.push(...revision.events);
      this.messages.get(caseId)?.push(...(revision.messages ?? []));
      this.#claimThreadKeys(caseId, revision.threadKeys ?? [], 'own');
    }
    this.#putOutbox(outbox);
    return 'applied';
  }

  async listOutbox(limit: number, after?: OutboxEntry): Promise<OutboxEntry[]> {
    // Oldest first, the id breaking ties, as the table's index orders them.
    const order = (entry: OutboxEntry) => `${new Date(entry.createdAt).toISOString()}#${entry.entryId}`;
    return [...this.outbox.values()]
      .filter((entry) => entry.sentAt === undefined && (after === undefined || order(entry) > order(after)))
      .sort((a, b) => order(a).localeCompare(order(b)))
      .slice(0, limit)
      .map(({ claimedUntil: _claimed, sentAt: _sent, providerMessageId: _provider, ...entry }) => entry);
  }

  async claimOutboxEntry(entryId: string, now: Date, holdMs: number): Promise<boolean> {
    const entry = this.outbox.get(entryId);
    if (!entry || entry.sentAt !== undefined) return false;
    if (entry.claimedUntil && Date.parse(entry.claimedUntil) >= now.getTime()) return false;
    entry.claimedUntil = new Date(now.getTime() + holdMs).toISOString();
    return true;
  }

  async registerThreadKeys(caseId: string, threadKeys: readonly string[]): Promise<void> {
    for (const key of threadKeys) {
      if (this.threads.has(key)) continue;
      this.threads.set(key, { caseId, heldAs: 'own' });
      this.deskMail.add(key);
    }
  }

  async findCaseIdByDeskMail(threadKey: string): Promise<string | undefined> {
    return this.deskMail.has(threadKey) ? this.threads.get(threadKey)?.caseId : undefined;
  }

  async markOutboxEntrySent(
    entryId: string,
    sent: { at: string; providerMessageId?: string },
  ): Promise<boolean> {
    const entry = this.outbox.get(entryId);
    if (!entry) return false;
    entry.sentAt = sent.at;
    if (sent.providerMessageId) entry.providerMessageId = sent.providerMessageId;
    return true;
  }
}
