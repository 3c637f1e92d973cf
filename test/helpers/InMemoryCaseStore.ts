import type {
  Case,
  CaseEvent,
  CaseMessage,
  CaseView,
  QueueSummary,
} from '../../lambdas/domain/cases/caseRecord.js';
import type { Channel } from '../../lambdas/domain/inboundMessage.js';
import { PRIORITY_RANK } from '../../lambdas/domain/policy/policy.js';
import type {
  AppendOutcome,
  CaseRevision,
  CaseStore,
  ClaimRequest,
  CreateCaseOutcome,
  NewCase,
  OutboxNotice,
} from '../../lambdas/domain/ports.js';

/** A hand-written fake of the CaseStore port for domain unit tests (the real one is tested on DynamoDB Local). */
export class InMemoryCaseStore implements CaseStore {
  readonly cases = new Map<string, Case>();
  readonly messages = new Map<string, CaseMessage[]>();
  readonly history = new Map<string, CaseEvent[]>();
  readonly inbound = new Map<string, string>();
  readonly threads = new Map<string, string>();
  readonly outbox = new Map<string, OutboxNotice & { claimedUntil?: string }>();

  async findCaseIdByInbound(channel: Channel, externalId: string) {
    return this.inbound.get(`${channel}#${externalId}`);
  }

  async findCaseIdByThread(threadKeys: string[]) {
    for (const key of threadKeys) {
      const caseId = this.threads.get(key);
      if (caseId) return caseId;
    }
    return undefined;
  }

  async createCase(newCase: NewCase): Promise<CreateCaseOutcome> {
    const inboundKey = `${newCase.case.channel}#${newCase.message.externalId}`;
    const existing = this.inbound.get(inboundKey);
    if (existing) return { outcome: 'duplicate', caseId: existing };
    this.inbound.set(inboundKey, newCase.case.caseId);
    this.cases.set(newCase.case.caseId, newCase.case);
    this.messages.set(newCase.case.caseId, [newCase.message]);
    this.history.set(newCase.case.caseId, [newCase.event]);
    for (const key of newCase.threadKeys)
      if (!this.threads.has(key)) this.threads.set(key, newCase.case.caseId);
    return { outcome: 'created' };
  }

  async appendMessage(
    caseId: string,
    message: CaseMessage,
    threadKeys: string[],
    event: CaseEvent,
    revise: (current: Case) => Case,
  ): Promise<AppendOutcome> {
    const current = this.cases.get(caseId);
    if (!current) return { outcome: 'missing' };
    const inboundKey = `${message.channel}#${message.externalId}`;
    if (this.inbound.has(inboundKey)) return { outcome: 'duplicate' };
    this.inbound.set(inboundKey, caseId);
    const updated = revise(current);
    this.cases.set(caseId, updated);
    this.messages.get(caseId)?.push(message);
    this.history.get(caseId)?.push(event);
    for (const key of threadKeys) if (!this.threads.has(key)) this.threads.set(key, caseId);
    return { outcome: 'appended', case: updated };
  }

  async getCase(caseId: string): Promise<CaseView | undefined> {
    const kase = this.cases.get(caseId);
    if (!kase) return undefined;
    return { case: kase, messages: this.messages.get(caseId) ?? [], history: this.history.get(caseId) ?? [] };
  }

  async getCaseRecord(caseId: string): Promise<Case | undefined> {
    return this.cases.get(caseId);
  }

  async listQueues(queues: readonly string[]): Promise<QueueSummary[]> {
    return queues.map((queue) => {
      const open = [...this.cases.values()].filter(
        (kase) => kase.queue === queue && kase.state !== 'resolved',
      );
      const queued = open.filter((kase) => kase.state === 'queued');
      const oldest = queued.map((kase) => kase.receivedAt).sort()[0];
      return {
        queue,
        depth: queued.length,
        ...(oldest ? { oldestReceivedAt: oldest } : {}),
        atRisk: open.filter((kase) => kase.slaStatus === 'at_risk').length,
        breached: open.filter((kase) => kase.slaStatus === 'breached').length,
      };
    });
  }

  async claimNext(request: ClaimRequest): Promise<Case | undefined> {
    const head = [...this.cases.values()]
      .filter((kase) => kase.queue === request.queue && kase.state === 'queued')
      .sort(
        (a, b) =>
          PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.receivedAt.localeCompare(b.receivedAt),
      )[0];
    if (!head) return undefined;
    const { after, events } = request.take(head);
    return (await this.applyRevision({ before: head, after, events }, [])) === 'applied' ? after : undefined;
  }

  async listDueTimers(now: Date, limit: number): Promise<Case[]> {
    return [...this.cases.values()]
      .filter((kase) => kase.nextTimerAt !== undefined && Date.parse(kase.nextTimerAt) <= now.getTime())
      .slice(0, limit);
  }

  async applyRevision(revision: CaseRevision, notices: OutboxNotice[]): Promise<'applied' | 'conflict'> {
    const current = this.cases.get(revision.before.caseId);
    if (!current || current.version !== revision.before.version) return 'conflict';
    this.cases.set(revision.after.caseId, revision.after);
    this.history.get(revision.after.caseId)?.push(...revision.events);
    for (const notice of notices) this.outbox.set(notice.noticeId, notice);
    return 'applied';
  }

  async listOutbox(limit: number): Promise<OutboxNotice[]> {
    return [...this.outbox.values()].slice(0, limit);
  }

  async claimNotice(noticeId: string, now: Date, holdMs: number): Promise<boolean> {
    const notice = this.outbox.get(noticeId);
    if (!notice || (notice.claimedUntil && Date.parse(notice.claimedUntil) >= now.getTime())) return false;
    notice.claimedUntil = new Date(now.getTime() + holdMs).toISOString();
    return true;
  }

  async markNoticeSent(noticeId: string): Promise<void> {
    this.outbox.delete(noticeId);
  }
}
