import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
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
  CaseStore,
  ClaimRequest,
  CreateCaseOutcome,
  NewCase,
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
  /** Queue partitions per queue: spreads a busy queue's writes over several index keys. */
  queueShards?: number;
  /** How many heads per shard claim-next tries before reading the index again. */
  claimCandidates?: number;
}

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
    sk: `MSG#${receivedAt}#${createHash('sha256').update(externalId).digest('hex').slice(0, 12)}`,
  }),
  event: (caseId: string, at: string) => ({
    pk: `CASE#${caseId}`,
    sk: `EVT#${at}#${createHash('sha256').update(`${at}${Math.random()}`).digest('hex').slice(0, 8)}`,
  }),
};

const INDEX_ATTRIBUTES = ['queueKey', 'queueSort', 'queuedAt', 'timerShard', 'timerSort'] as const;

function shardOf(caseId: string, shards: number): number {
  return createHash('sha256').update(caseId).digest().readUInt8(0) % shards;
}

function earliestDue(sla: Case['sla']): string {
  const first = new Date(sla.firstResponseDueAt).toISOString();
  const others = [sla.regulatoryDueAt, sla.resolutionDueAt]
    .filter((due): due is string => due !== undefined)
    .map((due) => new Date(due).toISOString());
  return [first, ...others].sort()[0] ?? first;
}

function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/** DynamoDB single-table case store. The only module that knows the table's keys. */
export class DynamoCaseStore implements CaseStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #queueShards: number;
  readonly #claimCandidates: number;

  constructor(client: DynamoDBDocumentClient, options: DynamoCaseStoreOptions) {
    this.#client = client;
    this.#tableName = options.tableName;
    this.#queueShards = options.queueShards ?? 4;
    this.#claimCandidates = options.claimCandidates ?? 5;
  }

  queueKeyOf(queue: string, caseId: string): string {
    return `Q#${queue}#${shardOf(caseId, this.#queueShards)}`;
  }

  #queueIndexAttributes(kase: Case): Record<string, string> {
    return {
      queueKey: this.queueKeyOf(kase.queue, kase.caseId),
      queueSort: `${PRIORITY_RANK[kase.priority]}#${earliestDue(kase.sla)}#${kase.receivedAt}#${kase.caseId}`,
      queuedAt: `${kase.receivedAt}#${kase.caseId}`,
    };
  }

  #caseItem(kase: Case): Record<string, unknown> {
    return {
      ...KEY.case(kase.caseId),
      itemType: 'case',
      ...kase,
      ...(kase.state === 'queued' ? this.#queueIndexAttributes(kase) : {}),
    };
  }

  #put(item: Record<string, unknown>, condition?: string): TransactItem {
    return {
      Put: {
        TableName: this.#tableName,
        Item: item,
        ...(condition ? { ConditionExpression: condition } : {}),
      },
    };
  }

  #queueDepthChange(queue: string, delta: number): TransactItem {
    return {
      Update: {
        TableName: this.#tableName,
        Key: KEY.queueStats(queue),
        // `depth` and `queue` are DynamoDB reserved words.
        UpdateExpression: 'ADD #depth :delta SET #queue = :queue',
        ExpressionAttributeNames: { '#depth': 'depth', '#queue': 'queue' },
        ExpressionAttributeValues: { ':delta': delta, ':queue': queue },
      },
    };
  }

  #eventItem(caseId: string, event: CaseEvent): Record<string, unknown> {
    return { ...KEY.event(caseId, event.at), itemType: 'event', ...event };
  }

  #messageItem(caseId: string, message: CaseMessage): Record<string, unknown> {
    return {
      ...KEY.message(caseId, message.receivedAt, message.externalId),
      itemType: 'message',
      ...message,
    };
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
          'attribute_not_exists(pk)',
        ),
      );
  }

  async createCase(newCase: NewCase): Promise<CreateCaseOutcome> {
    const kase = newCase.case;
    const items: TransactItem[] = [
      this.#put(
        {
          ...KEY.inbound(kase.channel, newCase.message.externalId),
          itemType: 'inbound',
          caseId: kase.caseId,
        },
        'attribute_not_exists(pk)',
      ),
      this.#put(this.#caseItem(kase), 'attribute_not_exists(pk)'),
      this.#put(this.#messageItem(kase.caseId, newCase.message)),
      this.#put(this.#eventItem(kase.caseId, newCase.event)),
      this.#queueDepthChange(kase.queue, 1),
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
        // A thread key was taken between our read and the write: retry once without it.
        return this.createCase(newCase);
      }
      throw new CaseStoreError('could not create case', { cause: error });
    }
  }

  async #getCaseRecord(caseId: string): Promise<Case | undefined> {
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
    options: { wake: boolean; now: Date },
  ): Promise<AppendOutcome> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.#getCaseRecord(caseId);
      if (!current) return { outcome: 'missing' };
      const wakes = options.wake && (current.state === 'pending' || current.state === 'resolved');
      const updated: Case = {
        ...current,
        ...(wakes ? { state: 'queued' as const } : {}),
        messageCount: current.messageCount + 1,
        updatedAt: options.now.toISOString(),
        version: current.version + 1,
      };
      if (wakes) {
        delete updated.assignee;
        delete updated.leaseExpiresAt;
      }
      const items: TransactItem[] = [
        this.#put(
          { ...KEY.inbound(message.channel, message.externalId), itemType: 'inbound', caseId },
          'attribute_not_exists(pk)',
        ),
        this.#put(this.#caseItem(updated), 'version = :version'),
        this.#put(this.#messageItem(caseId, message)),
        this.#put(this.#eventItem(caseId, { ...event, detail: { ...event.detail, woke: wakes } })),
        ...(wakes ? [this.#queueDepthChange(updated.queue, 1)] : []),
        ...(await this.#newThreadKeyItems(caseId, threadKeys)),
      ];
      const casePut = items[1]?.Put;
      if (casePut) casePut.ExpressionAttributeValues = { ':version': current.version };
      try {
        await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
        return { outcome: 'appended', case: updated };
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
        this.#shardKeys(queue).map((queueKey) =>
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
    const number = (value: unknown) => (typeof value === 'number' ? Math.max(0, value) : 0);
    return {
      queue,
      depth: number(stats.Item?.depth),
      ...(oldestReceivedAt ? { oldestReceivedAt } : {}),
      atRisk: number(stats.Item?.atRisk),
      breached: number(stats.Item?.breached),
    };
  }

  #shardKeys(queue: string): string[] {
    return Array.from({ length: this.#queueShards }, (_, shard) => `Q#${queue}#${shard}`);
  }

  async #queueHeads(queue: string): Promise<Case[]> {
    const pages = await Promise.all(
      this.#shardKeys(queue).map((queueKey) =>
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
    // The index is eventually consistent: a head may already be taken. The conditional write
    // (state = queued AND version = v) decides; on a lost race try the next head, then re-read.
    for (let round = 0; round < 5; round++) {
      const heads = await this.#queueHeads(request.queue);
      if (heads.length === 0) return undefined;
      for (const head of heads) {
        const claimed = await this.#tryClaim(head, request);
        if (claimed) return claimed;
      }
    }
    return undefined;
  }

  async #tryClaim(head: Case, request: ClaimRequest): Promise<Case | undefined> {
    const at = request.now.toISOString();
    const claimed: Case = {
      ...head,
      state: 'claimed',
      assignee: request.staffId,
      leaseExpiresAt: new Date(request.now.getTime() + request.leaseMs).toISOString(),
      version: head.version + 1,
      updatedAt: at,
    };
    const event: CaseEvent = {
      at,
      type: 'claimed',
      actor: request.staffId,
      detail: { queue: head.queue, leaseExpiresAt: claimed.leaseExpiresAt },
    };
    try {
      await this.#client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#tableName,
                Key: KEY.case(head.caseId),
                ConditionExpression: '#state = :queued AND version = :version',
                UpdateExpression: `SET #state = :claimed, assignee = :assignee, leaseExpiresAt = :lease, version = :next, updatedAt = :at REMOVE ${INDEX_ATTRIBUTES.slice(0, 3).join(', ')}`,
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: {
                  ':queued': 'queued',
                  ':claimed': 'claimed',
                  ':version': head.version,
                  ':next': claimed.version,
                  ':assignee': request.staffId,
                  ':lease': claimed.leaseExpiresAt,
                  ':at': at,
                },
              },
            },
            this.#put(this.#eventItem(head.caseId, event)),
            this.#queueDepthChange(head.queue, -1),
          ],
        }),
      );
      return claimed;
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return undefined;
      throw new CaseStoreError('could not claim case', { cause: error });
    }
  }
}
