import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import {
  type Case,
  type CaseEvent,
  CaseEventSchema,
  type CaseMessage,
  CaseMessageSchema,
  CaseSchema,
  type CaseView,
  type QueueSummary,
} from '../../domain/cases/caseRecord.js';
import type { Channel } from '../../domain/inboundMessage.js';
import { PRIORITY_RANK } from '../../domain/policy/policy.js';
import type {
  AppendOutcome,
  CaseRevision,
  CaseStore,
  ClaimRequest,
  CreateCaseOutcome,
  NewCase,
  OutboxNotice,
} from '../../domain/ports.js';
import { CASE_TABLE } from './caseTableDefinition.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export class CaseStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaseStoreError';
  }
}

export interface DynamoCaseStoreOptions {
  tableName: string;
  /** How many heads per queue shard claim-next tries before reading the index again. */
  claimCandidates?: number;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

const KEY = {
  case: (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'META' }),
  inbound: (channel: Channel, externalId: string) => ({
    pk: `INBOUND#${channel}#${externalId}`,
    sk: 'INBOUND',
  }),
  thread: (threadKey: string) => ({ pk: `THREAD#${threadKey}`, sk: 'THREAD' }),
  queueStats: (queue: string) => ({ pk: `QUEUE#${queue}`, sk: 'STATS' }),
  message: (caseId: string, receivedAt: string, externalId: string) => ({
    pk: `CASE#${caseId}`,
    sk: `MSG#${receivedAt}#${digest(externalId).toString('hex').slice(0, 12)}`,
  }),
  event: (caseId: string, event: CaseEvent) => ({
    pk: `CASE#${caseId}`,
    // Deterministic per event content: a retried write of the same event lands on the same item.
    sk: `EVT#${event.at}#${digest(JSON.stringify(event)).toString('hex').slice(0, 10)}`,
  }),
  outbox: (noticeId: string) => ({ pk: 'OUTBOX', sk: noticeId }),
};

const OutboxItemSchema = z.object({
  noticeId: z.string(),
  caseId: z.string(),
  to: z.array(z.string()),
  subject: z.string(),
  text: z.string(),
  createdAt: z.string(),
});

function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

function earliestDue(sla: Case['sla']): string {
  const first = new Date(sla.firstResponseDueAt).toISOString();
  const others = [sla.regulatoryDueAt, sla.resolutionDueAt]
    .filter((due): due is string => due !== undefined)
    .map((due) => new Date(due).toISOString());
  return [first, ...others].sort()[0] ?? first;
}

/** What a case contributes to its queue's counters: queued depth, and open cases at risk or breached. */
function counterContribution(kase: Case | undefined): Map<string, Record<string, number>> {
  const contribution = new Map<string, Record<string, number>>();
  if (!kase) return contribution;
  const counters: Record<string, number> = {};
  if (kase.state === 'queued') counters.depth = 1;
  if (kase.state !== 'resolved' && kase.slaStatus === 'at_risk') counters.atRisk = 1;
  if (kase.state !== 'resolved' && kase.slaStatus === 'breached') counters.breached = 1;
  contribution.set(kase.queue, counters);
  return contribution;
}

/** Per-queue counter changes between two versions of a case (zero changes are dropped). */
export function counterDeltas(
  before: Case | undefined,
  after: Case | undefined,
): Map<string, Record<string, number>> {
  const deltas = new Map<string, Record<string, number>>();
  const add = (source: Map<string, Record<string, number>>, sign: number) => {
    for (const [queue, counters] of source) {
      const target = deltas.get(queue) ?? {};
      for (const [name, value] of Object.entries(counters)) target[name] = (target[name] ?? 0) + sign * value;
      deltas.set(queue, target);
    }
  };
  add(counterContribution(before), -1);
  add(counterContribution(after), 1);
  for (const [queue, counters] of deltas) {
    for (const [name, value] of Object.entries(counters)) if (value === 0) delete counters[name];
    if (Object.keys(counters).length === 0) deltas.delete(queue);
  }
  return deltas;
}

/** DynamoDB single-table case store. The only module that knows the table's keys. */
export class DynamoCaseStore implements CaseStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #queueShards: number;
  readonly #timerShards: number;
  readonly #claimCandidates: number;

  constructor(client: DynamoDBDocumentClient, options: DynamoCaseStoreOptions) {
    this.#client = client;
    this.#tableName = options.tableName;
    this.#queueShards = CASE_TABLE.queueShards;
    this.#timerShards = CASE_TABLE.timerShards;
    this.#claimCandidates = options.claimCandidates ?? 5;
  }

  #queueKeys(queue: string): string[] {
    return Array.from({ length: this.#queueShards }, (_, shard) => `Q#${queue}#${shard}`);
  }

  #timerKeys(): string[] {
    return Array.from({ length: this.#timerShards }, (_, shard) => `T#${shard}`);
  }

  /** The stored item: the case plus the sparse index keys its state calls for. */
  #caseItem(kase: Case): Record<string, unknown> {
    const item: Record<string, unknown> = { ...KEY.case(kase.caseId), itemType: 'case', ...kase };
    if (kase.state === 'queued') {
      item.queueKey = `Q#${kase.queue}#${digest(kase.caseId).readUInt8(0) % this.#queueShards}`;
      item.queueSort = `${PRIORITY_RANK[kase.priority]}#${earliestDue(kase.sla)}#${kase.receivedAt}#${kase.caseId}`;
      item.queuedAt = `${kase.receivedAt}#${kase.caseId}`;
    }
    if (kase.nextTimerAt) {
      item.timerShard = `T#${digest(kase.caseId).readUInt8(1) % this.#timerShards}`;
      item.timerSort = `${new Date(kase.nextTimerAt).toISOString()}#${kase.caseId}`;
    }
    return item;
  }

  #put(
    item: Record<string, unknown>,
    condition?: { expression: string; values?: Record<string, unknown> },
  ): TransactItem {
    return {
      Put: {
        TableName: this.#tableName,
        Item: item,
        ...(condition ? { ConditionExpression: condition.expression } : {}),
        ...(condition?.values ? { ExpressionAttributeValues: condition.values } : {}),
      },
    };
  }

  #counterUpdates(before: Case | undefined, after: Case | undefined): TransactItem[] {
    return [...counterDeltas(before, after)].map(([queue, counters]) => {
      const names = Object.keys(counters);
      return {
        Update: {
          TableName: this.#tableName,
          Key: KEY.queueStats(queue),
          // `depth` and `queue` are DynamoDB reserved words: every name goes through a placeholder.
          UpdateExpression: `ADD ${names.map((_, index) => `#c${index} :c${index}`).join(', ')} SET #queue = :queue`,
          ExpressionAttributeNames: {
            '#queue': 'queue',
            ...Object.fromEntries(names.map((name, index) => [`#c${index}`, name])),
          },
          ExpressionAttributeValues: {
            ':queue': queue,
            ...Object.fromEntries(names.map((name, index) => [`:c${index}`, counters[name]])),
          },
        },
      };
    });
  }

  #eventItems(caseId: string, events: CaseEvent[]): TransactItem[] {
    return events.map((event) => this.#put({ ...KEY.event(caseId, event), itemType: 'event', ...event }));
  }

  #messageItem(caseId: string, message: CaseMessage): TransactItem {
    return this.#put({
      ...KEY.message(caseId, message.receivedAt, message.externalId),
      itemType: 'message',
      ...message,
    });
  }

  #inboundItem(caseId: string, message: CaseMessage): TransactItem {
    return this.#put(
      { ...KEY.inbound(message.channel, message.externalId), itemType: 'inbound', caseId },
      { expression: 'attribute_not_exists(pk)' },
    );
  }

  /** The case write of a revision: only if nobody changed the case since it was read. */
  #revisionItems(revision: CaseRevision): TransactItem[] {
    return [
      this.#put(this.#caseItem(revision.after), {
        expression: 'version = :version',
        values: { ':version': revision.before.version },
      }),
      ...this.#eventItems(revision.after.caseId, revision.events),
      ...this.#counterUpdates(revision.before, revision.after),
    ];
  }

  async findCaseIdByInbound(channel: Channel, externalId: string): Promise<string | undefined> {
    const result = await this.#client.send(
      new GetCommand({ TableName: this.#tableName, Key: KEY.inbound(channel, externalId) }),
    );
    const caseId = result.Item?.caseId;
    return typeof caseId === 'string' ? caseId : undefined;
  }

  async findCaseIdByThread(threadKeys: string[]): Promise<string | undefined> {
    const found = await this.#existingThreadKeys(threadKeys);
    // References are listed oldest first; the first known key names the conversation's case.
    for (const key of threadKeys) {
      const caseId = found.get(key);
      if (caseId) return caseId;
    }
    return undefined;
  }

  async #existingThreadKeys(threadKeys: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const unique = [...new Set(threadKeys)];
    // BatchGetItem reads at most 100 keys per call.
    for (let start = 0; start < unique.length; start += 100) {
      const keys = unique.slice(start, start + 100).map(KEY.thread);
      const result = await this.#client.send(
        new BatchGetCommand({ RequestItems: { [this.#tableName]: { Keys: keys } } }),
      );
      for (const item of result.Responses?.[this.#tableName] ?? []) {
        if (typeof item.threadKey === 'string' && typeof item.caseId === 'string') {
          found.set(item.threadKey, item.caseId);
        }
      }
    }
    return found;
  }

  async #newThreadKeyItems(caseId: string, threadKeys: string[]): Promise<TransactItem[]> {
    const existing = await this.#existingThreadKeys(threadKeys);
    // First writer wins: a Message-ID reused by a broken client never steals another case's thread.
    return [...new Set(threadKeys)]
      .filter((key) => !existing.has(key))
      .map((threadKey) =>
        this.#put(
          { ...KEY.thread(threadKey), itemType: 'thread', threadKey, caseId },
          { expression: 'attribute_not_exists(pk)' },
        ),
      );
  }

  async createCase(newCase: NewCase): Promise<CreateCaseOutcome> {
    const kase = newCase.case;
    const items: TransactItem[] = [
      this.#inboundItem(kase.caseId, newCase.message),
      this.#put(this.#caseItem(kase), { expression: 'attribute_not_exists(pk)' }),
      this.#messageItem(kase.caseId, newCase.message),
      ...this.#eventItems(kase.caseId, [newCase.event]),
      ...this.#counterUpdates(undefined, kase),
      ...(await this.#newThreadKeyItems(kase.caseId, newCase.threadKeys)),
    ];
    try {
      await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
      return { outcome: 'created' };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed' || codes?.[1] === 'ConditionalCheckFailed') {
        const caseId = await this.findCaseIdByInbound(kase.channel, newCase.message.externalId);
        return { outcome: 'duplicate', caseId: caseId ?? kase.caseId };
      }
      if (codes?.includes('ConditionalCheckFailed')) {
        // A thread key was taken between our read and the write: write again without it.
        return this.createCase(newCase);
      }
      throw new CaseStoreError('could not create case', { cause: error });
    }
  }

  async getCaseRecord(caseId: string): Promise<Case | undefined> {
    const result = await this.#client.send(
      new GetCommand({ TableName: this.#tableName, Key: KEY.case(caseId), ConsistentRead: true }),
    );
    return result.Item ? CaseSchema.parse(result.Item) : undefined;
  }

  async appendMessage(
    caseId: string,
    message: CaseMessage,
    threadKeys: string[],
    event: CaseEvent,
    revise: (current: Case) => Case,
  ): Promise<AppendOutcome> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await this.getCaseRecord(caseId);
      if (!before) return { outcome: 'missing' };
      const after = revise(before);
      const items: TransactItem[] = [
        this.#inboundItem(caseId, message),
        ...this.#revisionItems({ before, after, events: [event] }),
        this.#messageItem(caseId, message),
        ...(await this.#newThreadKeyItems(caseId, threadKeys)),
      ];
      try {
        await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
        return { outcome: 'appended', case: after };
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes?.[0] === 'ConditionalCheckFailed') return { outcome: 'duplicate' };
        if (codes?.includes('ConditionalCheckFailed')) continue; // the case moved under us: re-read
        throw new CaseStoreError('could not append message', { cause: error });
      }
    }
    throw new CaseStoreError(`case ${caseId} kept changing while a message was appended`);
  }

  async getCase(caseId: string): Promise<CaseView | undefined> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': KEY.case(caseId).pk },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const meta = items.find((item) => item.sk === 'META');
    if (!meta) return undefined;
    return {
      case: CaseSchema.parse(meta),
      messages: items
        .filter((item) => item.itemType === 'message')
        .map((item) => CaseMessageSchema.parse(item)),
      history: items.filter((item) => item.itemType === 'event').map((item) => CaseEventSchema.parse(item)),
    };
  }

  async listQueues(queues: readonly string[]): Promise<QueueSummary[]> {
    return Promise.all(queues.map((queue) => this.#queueSummary(queue)));
  }

  async #queueSummary(queue: string): Promise<QueueSummary> {
    const [stats, oldest] = await Promise.all([
      this.#client.send(new GetCommand({ TableName: this.#tableName, Key: KEY.queueStats(queue) })),
      Promise.all(
        this.#queueKeys(queue).map((queueKey) =>
          this.#client.send(
            new QueryCommand({
              TableName: this.#tableName,
              IndexName: CASE_TABLE.indexes.queueAge.name,
              KeyConditionExpression: 'queueKey = :key',
              ExpressionAttributeValues: { ':key': queueKey },
              Limit: 1,
            }),
          ),
        ),
      ),
    ]);
    const oldestReceivedAt = oldest
      .map((page) => page.Items?.[0]?.receivedAt)
      .filter((value): value is string => typeof value === 'string')
      .sort()[0];
    const count = (value: unknown) => (typeof value === 'number' ? Math.max(0, value) : 0);
    return {
      queue,
      depth: count(stats.Item?.depth),
      ...(oldestReceivedAt ? { oldestReceivedAt } : {}),
      atRisk: count(stats.Item?.atRisk),
      breached: count(stats.Item?.breached),
    };
  }

  async #queueHeads(queue: string): Promise<Case[]> {
    const pages = await Promise.all(
      this.#queueKeys(queue).map((queueKey) =>
        this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: CASE_TABLE.indexes.queueView.name,
            KeyConditionExpression: 'queueKey = :key',
            ExpressionAttributeValues: { ':key': queueKey },
            Limit: this.#claimCandidates,
          }),
        ),
      ),
    );
    return pages
      .flatMap((page) => page.Items ?? [])
      .sort((a, b) => String(a.queueSort).localeCompare(String(b.queueSort)))
      .map((item) => CaseSchema.parse(item));
  }

  async claimNext(request: ClaimRequest): Promise<Case | undefined> {
    // The index is eventually consistent: a head may already be taken. The conditional write on
    // the version decides; on a lost race try the next head, then read the index again.
    for (let round = 0; round < 5; round++) {
      const heads = await this.#queueHeads(request.queue);
      if (heads.length === 0) return undefined;
      for (const before of heads) {
        if (before.state !== 'queued') continue;
        const { after, events } = request.take(before);
        if ((await this.applyRevision({ before, after, events }, [])) === 'applied') return after;
      }
    }
    return undefined;
  }

  async listDueTimers(now: Date, limit: number): Promise<Case[]> {
    // '~' sorts after every case-id character: every timer at or before `now`.
    const upper = `${now.toISOString()}#~`;
    const due: Case[] = [];
    for (const timerShard of this.#timerKeys()) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: CASE_TABLE.indexes.timerView.name,
            KeyConditionExpression: 'timerShard = :shard AND timerSort <= :upper',
            ExpressionAttributeValues: { ':shard': timerShard, ':upper': upper },
            Limit: Math.max(1, limit - due.length),
            ExclusiveStartKey: startKey,
          }),
        );
        due.push(...(page.Items ?? []).map((item) => CaseSchema.parse(item)));
        startKey = page.LastEvaluatedKey;
      } while (startKey && due.length < limit);
      if (due.length >= limit) break;
    }
    return due;
  }

  async applyRevision(revision: CaseRevision, notices: OutboxNotice[]): Promise<'applied' | 'conflict'> {
    const items = [
      ...this.#revisionItems(revision),
      ...notices.map((notice) =>
        this.#put({ ...KEY.outbox(notice.noticeId), itemType: 'notice', ...notice }),
      ),
    ];
    try {
      await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'applied';
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return 'conflict';
      throw new CaseStoreError('could not write case revision', { cause: error });
    }
  }

  async listOutbox(limit: number): Promise<OutboxNotice[]> {
    const page = await this.#client.send(
      new QueryCommand({
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'OUTBOX' },
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((item) => OutboxItemSchema.parse(item));
  }

  async claimNotice(noticeId: string, now: Date, holdMs: number): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: KEY.outbox(noticeId),
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
          UpdateExpression: 'SET claimedUntil = :until',
          ExpressionAttributeValues: {
            ':now': now.toISOString(),
            ':until': new Date(now.getTime() + holdMs).toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw new CaseStoreError('could not claim notice', { cause: error });
    }
  }

  async markNoticeSent(noticeId: string): Promise<void> {
    await this.#client.send(new DeleteCommand({ TableName: this.#tableName, Key: KEY.outbox(noticeId) }));
  }
}
