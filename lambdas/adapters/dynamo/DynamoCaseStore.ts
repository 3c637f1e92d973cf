import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
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
import { QUEUE_RULES } from '../../domain/cases/claimQueue.js';
import {
  type AppendOutcome,
  type CaseListQuery,
  type CasePage,
  CaseRejectedError,
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
} from '../../domain/ports.js';
import * as z from '../../domain/zodMini.js';
import { type BackoffPolicy, backoffDelay, sleep, WRITE_RACE_BACKOFF } from './backoff.js';
import { CaseStoreError } from './CaseStoreError.js';
import { ClaimDispatcher, type ClaimWrite, type HeadReach, type HeadRead } from './ClaimDispatcher.js';
import { CASE_TABLE } from './caseTableDefinition.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export { CaseStoreError };

export interface DynamoCaseStoreOptions {
  tableName: string;
  /** The queue rules of the domain (order, what counts toward the figures); the default is the desk's. */
  rules?: QueueRules;
  /** How many cases per queue shard claim-next reads as the head it spreads claimers over. */
  claimHeadPerShard?: number;
  /** How long a read of a queue's top serves this instance's claims before it is read again (≤ 500 ms keeps order within a second). */
  claimHeadTtlMs?: number;
  /** How many of a claimer's best cases claim-next spreads concurrent claims over. */
  claimSpread?: number;
  backoff?: BackoffPolicy;
  /** Tests make the randomness (claim spread, jitter) and the waiting deterministic. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * DynamoDB keys hold at most 2,048 (partition) and 1,024 (sort) bytes, and any UTF-8. A key built
 * from outside input (a Message-ID, a reference, an outbox id) is kept readable when it is short
 * printable ASCII, and hashed to a fixed 50 bytes otherwise (`中`×700 is 2,100 bytes). The two forms
 * cannot collide: raw keys never start with `sha256:`.
 */
export function boundedKey(text: string): string {
  return /^[\x21-\x7e]{1,200}$/.test(text) && !text.startsWith('sha256:')
    ? text
    : `sha256:${digest(text).toString('base64url')}`;
}

const shardOf = (text: string, byte: number, shards: number) => digest(text).readUInt8(byte) % shards;
const iso = (at: string) => new Date(at).toISOString();

const KEY = {
  case: (caseId: string) => ({ pk: `CASE#${caseId}`, sk: 'META' }),
  message: (caseId: string, receivedAt: string, identity: string) => ({
    pk: `CASE#${caseId}`,
    sk: `MSG#${iso(receivedAt)}#${digest(identity).toString('hex').slice(0, 12)}`,
  }),
  event: (caseId: string, event: CaseEvent) => ({
    pk: `CASE#${caseId}`,
    // Deterministic per event content: a retried write of the same event lands on the same item.
    sk: `EVT#${iso(event.at)}#${digest(JSON.stringify(event)).toString('hex').slice(0, 10)}`,
  }),
  inbound: (inboundKey: string) => ({ pk: `INBOUND#${boundedKey(inboundKey)}`, sk: 'INBOUND' }),
  thread: (threadKey: string) => ({ pk: `THREAD#${boundedKey(threadKey)}`, sk: 'THREAD' }),
  stats: (shard: number) => ({ pk: `QSTATS#${shard}`, sk: 'QSTATS' }),
  outbox: (entryId: string) => ({ pk: `OUTBOX#${boundedKey(entryId)}`, sk: 'OUTBOX' }),
  guard: (guardKey: string) => ({ pk: `ACKGUARD#${boundedKey(guardKey)}`, sk: 'GUARD' }),
};

const INDEX = CASE_TABLE.indexes;

/** An unsent entry's place in the outbox index: oldest first, the id breaking ties. */
const outboxSortOf = (entry: Pick<OutboxEntry, 'createdAt' | 'entryId'>) =>
  `${iso(entry.createdAt)}#${boundedKey(entry.entryId)}`;

const OutboxEntrySchema = z.object({
  entryId: z.string(),
  caseId: z.string(),
  kind: z.enum(['supervisor_notice', 'acknowledgement', 'reply']),
  mail: z.object({
    from: z.optional(z.string()),
    to: z.array(z.string()),
    subject: z.string(),
    text: z.string(),
    headers: z.record(z.string(), z.string()),
  }),
  createdAt: z.string(),
});

/** The old item a failed condition returns (ReturnValuesOnConditionCheckFailure), still marshalled. */
const HolderSchema = z.object({
  caseId: z.object({ S: z.string() }),
  heldAs: z.optional(z.object({ S: z.enum(['own', 'reference']) })),
});

interface Holder {
  caseId: string;
  /** How a thread key's case got it: as a message's own Message-ID, or named by a reply's References. */
  heldAs: 'own' | 'reference';
}

interface Cancellation {
  codes: string[];
  /** The holder of each item whose condition failed and returned its old image. */
  holders: (Holder | undefined)[];
}

function cancellationOf(error: unknown): Cancellation | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reasons = error.CancellationReasons ?? [];
  return {
    codes: reasons.map((reason) => reason.Code ?? 'None'),
    holders: reasons.map((reason) => {
      const parsed = HolderSchema.safeParse(reason.Item);
      return parsed.success
        ? { caseId: parsed.data.caseId.S, heldAs: parsed.data.heldAs?.S ?? 'own' }
        : undefined;
    }),
  };
}

const CONDITION_FAILED = 'ConditionalCheckFailed';

function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The queue figures' token for a waiting case: receipt time (sortable) and id, so the minimum is the oldest. */
function waitingToken(kase: Case): string {
  return `${Date.parse(kase.receivedAt).toString(36).padStart(9, '0')}${kase.caseId}`;
}

function receivedAtOfToken(token: string): string | undefined {
  const ms = Number.parseInt(token.slice(0, 9), 36);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

const CursorSchema = z.object({
  s: z.string().check(z.minLength(1), z.maxLength(1_024)),
  c: z.string().check(z.regex(/^[0-9A-Z]{10}$/)),
});

function encodeCursor(sortValue: string, caseId: string): string {
  return Buffer.from(JSON.stringify({ s: sortValue, c: caseId })).toString('base64url');
}

function decodeCursor(cursor: string): z.infer<typeof CursorSchema> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor is not valid');
  }
  // safeParse rather than `instanceof z.core.$ZodError`: reaching into `z.core` keeps every zod
  // locale (~260 KB) in the bundles that load this store.
  const parsed = CursorSchema.safeParse(json);
  // DynamoDB limits a sort key to 1,024 bytes, not characters: a longer one is no key we handed out.
  if (!parsed.success || Buffer.byteLength(parsed.data.s, 'utf8') > 1_024) throw new InvalidCursorError();
  return parsed.data;
}

/** Adds and deletes on one figures item (one per shard), merged from every case a transaction changes. */
interface StatsChange {
  add: Map<string, Set<string>>;
  remove: Map<string, Set<string>>;
}

/**
 * DynamoDB single-table case store. The only module that knows the table's keys; the order of a
 * queue and what counts toward its figures come from the domain's queue rules.
 */
export class DynamoCaseStore implements CaseStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #rules: QueueRules;
  readonly #claimHeadPerShard: number;
  readonly #claims: ClaimDispatcher;
  readonly #backoff: BackoffPolicy;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(client: DynamoDBDocumentClient, options: DynamoCaseStoreOptions) {
    this.#client = client;
    this.#tableName = options.tableName;
    this.#rules = options.rules ?? QUEUE_RULES;
    this.#claimHeadPerShard = options.claimHeadPerShard ?? 64;
    this.#backoff = options.backoff ?? WRITE_RACE_BACKOFF;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? sleep;
    this.#claims = new ClaimDispatcher(
      {
        readQueue: (queue, reach) => this.#readClaimHead(queue, reach),
        writeClaims: (claims) => this.#writeClaims(claims),
      },
      {
        // Thirty claims (a case update and its event each, plus their figures items) fit one
        // transaction of at most 100 items; two rounds in flight keep DynamoDB busy (bench:claims).
        maxBatch: 30,
        maxInFlight: 2,
        headTtlMs: options.claimHeadTtlMs ?? 500,
        spread: options.claimSpread ?? 64,
        maxLosses: 3 * this.#backoff.attempts,
        takenMemoryMs: 5_000,
        random: this.#random,
      },
    );
  }

  // ── items ────────────────────────────────────────────────────────────────

  #queueKeys(queue: string): string[] {
    return Array.from({ length: CASE_TABLE.queueShards }, (_, shard) => `Q#${queue}#${shard}`);
  }

  /** The stored case: the record plus the sparse index keys its state calls for. */
  #caseItem(kase: Case): Record<string, unknown> {
    const item: Record<string, unknown> = { ...KEY.case(kase.caseId), itemType: 'case', ...kase };
    const order = this.#rules.orderKey(kase);
    if (kase.state === 'queued') {
      item.queueKey = `Q#${kase.queue}#${shardOf(kase.caseId, 0, CASE_TABLE.queueShards)}`;
      item.queueSort = order;
    } else {
      item.stateKey = `S#${kase.queue}#${kase.state}`;
      item.stateSort = `${iso(kase.updatedAt)}#${kase.caseId}`;
    }
    if (kase.assignee && (kase.state === 'claimed' || kase.state === 'pending')) {
      item.assigneeKey = `A#${boundedKey(kase.assignee)}`;
      item.assigneeSort = order;
    }
    if (kase.nextTimerAt) {
      item.timerShard = `T#${shardOf(kase.caseId, 1, CASE_TABLE.timerShards)}`;
      item.timerSort = `${iso(kase.nextTimerAt)}#${kase.caseId}`;
    }
    return item;
  }

  #put(
    item: Record<string, unknown>,
    condition?: {
      expression: string;
      names?: Record<string, string>;
      values?: Record<string, unknown>;
      returnOld?: boolean;
    },
  ): TransactItem {
    return {
      Put: {
        TableName: this.#tableName,
        Item: item,
        ...(condition ? { ConditionExpression: condition.expression } : {}),
        ...(condition?.names ? { ExpressionAttributeNames: condition.names } : {}),
        ...(condition?.values ? { ExpressionAttributeValues: condition.values } : {}),
        ...(condition?.returnOld ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
      },
    };
  }

  #eventItems(caseId: string, events: CaseEvent[]): TransactItem[] {
    return events.map((event) => this.#put({ ...KEY.event(caseId, event), itemType: 'event', ...event }));
  }

  #messageItem(caseId: string, message: CaseMessage, identity: string): TransactItem {
    return this.#put({
      ...KEY.message(caseId, message.receivedAt, identity),
      itemType: 'message',
      ...message,
    });
  }

  #inboundItem(caseId: string, inboundKey: string): TransactItem {
    return this.#put(
      { ...KEY.inbound(inboundKey), itemType: 'inbound', caseId },
      { expression: 'attribute_not_exists(pk)', returnOld: true },
    );
  }

  /**
   * A thread key the case takes if nobody holds it (its current holder comes back on failure).
   * `heldAs` remembers whether it is the id of a message on the case or only named by a reply:
   * a message whose own id another case holds as a reference is the parent that conversation was
   * waiting for; one whose id another case holds as its own reuses a Message-ID.
   */
  #threadItem(caseId: string, threadKey: string, heldAs: Holder['heldAs'], alsoOwn = false): TransactItem {
    const item = { itemType: 'thread', threadKey: boundedKey(threadKey), caseId, heldAs };
    if (!alsoOwn)
      return this.#put(
        { ...KEY.thread(threadKey), ...item },
        { expression: 'attribute_not_exists(pk)', returnOld: true },
      );
    // An update, not a put: a key the case holds already keeps its other attributes, `sentByDesk`
    // above all (a Put replaced the item, so a message whose own Message-ID is that of the desk's
    // mail unmarked it, and the bounces and complaints of that mail no longer found the case).
    return {
      Update: {
        TableName: this.#tableName,
        Key: KEY.thread(threadKey),
        UpdateExpression:
          'SET itemType = :itemType, threadKey = :threadKey, caseId = :caseId, heldAs = :heldAs',
        ConditionExpression: 'attribute_not_exists(pk) OR caseId = :caseId',
        ExpressionAttributeValues: {
          ':itemType': item.itemType,
          ':threadKey': item.threadKey,
          ':caseId': caseId,
          ':heldAs': heldAs,
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  #outboxItem({ heldUntil, ...entry }: OutboxEntry): TransactItem {
    const key = boundedKey(entry.entryId);
    return this.#put(
      {
        ...KEY.outbox(entry.entryId),
        itemType: 'outbox',
        ...entry,
        // Written held by the sender that sends it right after this commit (claimOutboxEntry's hold).
        ...(heldUntil ? { claimedUntil: iso(heldUntil) } : {}),
        outboxShard: `O#${shardOf(key, 0, CASE_TABLE.outboxShards)}`,
        outboxSort: outboxSortOf(entry),
      },
      // Never overwrite: an entry that exists may already be sent, and must not be sent again.
      { expression: 'attribute_not_exists(pk)' },
    );
  }

  /**
   * The case write of a revision, only if nobody changed the case since it was read: an update of
   * the attributes that changed (index keys included), not the whole item, so a claim or a note
   * sends a few hundred bytes instead of the case's clocks and milestones again.
   */
  #caseUpdate(before: Case, after: Case, requiredState?: Case['state']): TransactItem {
    const was = this.#caseItem(before);
    const is = this.#caseItem(after);
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': before.version };
    // A claim also states what it relies on, so it holds even against a writer that forgot the version.
    const condition = requiredState
      ? '#version = :expected AND #requiredState = :requiredState'
      : '#version = :expected';
    if (requiredState) {
      names['#requiredState'] = 'state';
      values[':requiredState'] = requiredState;
    }
    const sets: string[] = [];
    const removes: string[] = [];
    for (const [attribute, value] of Object.entries(is)) {
      if (value === undefined) continue;
      // The order keys are written every time: `was` is recomputed by today's rules, and a record an
      // older version wrote is stored under its older key, which would otherwise never be replaced.
      const orderKey = attribute === 'queueSort' || attribute === 'assigneeSort';
      if (!orderKey && JSON.stringify(value) === JSON.stringify(was[attribute])) continue;
      const index = sets.length;
      names[`#s${index}`] = attribute;
      values[`:s${index}`] = value;
      sets.push(`#s${index} = :s${index}`);
    }
    for (const attribute of Object.keys(was)) {
      if (is[attribute] !== undefined) continue;
      const index = removes.length;
      names[`#r${index}`] = attribute;
      removes.push(`#r${index}`);
    }
    return {
      Update: {
        TableName: this.#tableName,
        Key: KEY.case(after.caseId),
        ConditionExpression: condition,
        UpdateExpression: [
          sets.length > 0 ? `SET ${sets.join(', ')}` : '',
          removes.length > 0 ? `REMOVE ${removes.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join(' '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /** The case write of a revision and what comes with it: history, messages, thread keys. */
  #revisionItems(revision: CaseRevision): TransactItem[] {
    const caseId = revision.after.caseId;
    return [
      this.#caseUpdate(revision.before, revision.after),
      ...this.#eventItems(caseId, revision.events),
      ...(revision.messages ?? []).map((message) =>
        this.#messageItem(caseId, message, `${message.direction}\n${message.externalId}`),
      ),
      ...[...new Set(revision.threadKeys ?? [])].map((key) => this.#threadItem(caseId, key, 'own', true)),
    ];
  }

  /**
   * The queue figures a set of case changes moves, as updates of the figures items. Each case's
   * tokens live in one shard item (by case id), in string sets per queue: `waiting#q` (tokens of
   * receipt time and id, so the smallest is the oldest), `atRisk#q` and `breached#q` (case ids).
   * Sets make the figures exact and idempotent: adding a token twice, or removing one that is
   * gone, changes nothing, so the counts can never drift.
   */
  #statsItems(changes: { before?: Case; after?: Case }[]): TransactItem[] {
    const shards = new Map<number, StatsChange>();
    const touch = (shard: number) => {
      const change = shards.get(shard) ?? { add: new Map(), remove: new Map() };
      shards.set(shard, change);
      return change;
    };
    const put = (into: Map<string, Set<string>>, attribute: string, token: string) => {
      const tokens = into.get(attribute) ?? new Set<string>();
      tokens.add(token);
      into.set(attribute, tokens);
    };
    for (const { before, after } of changes) {
      const caseId = (after ?? before)?.caseId;
      if (!caseId) continue;
      const tokensOf = (kase: Case | undefined) => {
        const tally = kase ? this.#rules.tally(kase) : undefined;
        const tokens = new Map<string, string>();
        if (!kase || !tally) return tokens;
        if (tally.waiting) tokens.set(`waiting#${tally.queue}`, waitingToken(kase));
        if (tally.atRisk) tokens.set(`atRisk#${tally.queue}`, kase.caseId);
        if (tally.breached) tokens.set(`breached#${tally.queue}`, kase.caseId);
        return tokens;
      };
      const was = tokensOf(before);
      const is = tokensOf(after);
      const shard = shardOf(caseId, 2, CASE_TABLE.statsShards);
      for (const [attribute, token] of was) {
        if (is.get(attribute) !== token) put(touch(shard).remove, attribute, token);
      }
      for (const [attribute, token] of is) {
        if (was.get(attribute) !== token) put(touch(shard).add, attribute, token);
      }
    }
    return [...shards].flatMap(([shard, change]) => {
      for (const attribute of change.add.keys()) {
        if (change.remove.has(attribute)) {
          // One update expression cannot both add to and remove from one set; no transition of the
          // domain's does this (two cases of one shard trading places in one queue), so say so loudly.
          throw new CaseStoreError(`one transaction would add to and remove from ${attribute}`);
        }
      }
      const names: Record<string, string> = {};
      const values: Record<string, Set<string>> = {};
      const clause = (entries: Map<string, Set<string>>, prefix: string) =>
        [...entries].map(([attribute, tokens], index) => {
          names[`#${prefix}${index}`] = attribute;
          values[`:${prefix}${index}`] = tokens;
          return `#${prefix}${index} :${prefix}${index}`;
        });
      const adds = clause(change.add, 'a');
      const removes = clause(change.remove, 'r');
      if (adds.length === 0 && removes.length === 0) return [];
      return [
        {
          Update: {
            TableName: this.#tableName,
            Key: KEY.stats(shard),
            UpdateExpression: [
              adds.length > 0 ? `ADD ${adds.join(', ')}` : '',
              removes.length > 0 ? `DELETE ${removes.join(', ')}` : '',
            ]
              .filter(Boolean)
              .join(' '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
      ];
    });
  }

  /** Faults DynamoDB will repeat however often we ask (an item or key over a limit) are not retried. */
  #failure(error: unknown, what: string): Error {
    const name = error instanceof Error ? error.name : '';
    const cancellation = cancellationOf(error);
    if (name === 'ValidationException' || cancellation?.codes.includes('ValidationError')) {
      const detail = error instanceof Error ? error.message : String(error);
      return new CaseRejectedError(`${what}: ${detail}`, { cause: error });
    }
    return new CaseStoreError(what, { cause: error });
  }

  async #transact(items: TransactItem[]): Promise<void> {
    await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
  }

  async #wait(attempt: number): Promise<void> {
    await this.#sleep(backoffDelay(attempt, this.#backoff, this.#random));
  }

  // ── inbound ──────────────────────────────────────────────────────────────

  async findCaseIdByDeskMail(threadKey: string): Promise<string | undefined> {
    const result = await this.#client.send(
      new GetCommand({ TableName: this.#tableName, Key: KEY.thread(threadKey), ConsistentRead: true }),
    );
    const item = result.Item;
    return item?.sentByDesk === true && typeof item.caseId === 'string' ? item.caseId : undefined;
  }

  async findCaseIdByThread(threadKeys: string[]): Promise<string | undefined> {
    const found = new Map<string, string>();
    const unique = [...new Set(threadKeys.map(boundedKey))];
    // BatchGetItem reads at most 100 keys per call.
    for (let start = 0; start < unique.length; start += 100) {
      let keys: Record<string, unknown>[] = unique
        .slice(start, start + 100)
        .map((key) => ({ pk: `THREAD#${key}`, sk: 'THREAD' }));
      for (let attempt = 0; keys.length > 0 && attempt < this.#backoff.attempts; attempt++) {
        if (attempt > 0) await this.#wait(attempt);
        const result = await this.#client.send(
          new BatchGetCommand({ RequestItems: { [this.#tableName]: { Keys: keys } } }),
        );
        for (const item of result.Responses?.[this.#tableName] ?? []) {
          if (typeof item.threadKey === 'string' && typeof item.caseId === 'string') {
            found.set(item.threadKey, item.caseId);
          }
        }
        keys = result.UnprocessedKeys?.[this.#tableName]?.Keys ?? [];
      }
      // A key DynamoDB never answered is not a key that is absent: reading on would open a second
      // case for a thread that has one (the caller fails, and SQS delivers the message again).
      if (keys.length > 0) {
        throw new CaseStoreError(`could not read ${keys.length} thread keys: DynamoDB left them unprocessed`);
      }
    }
    // References come root first: the first key known names the conversation's case.
    for (const key of threadKeys) {
      const caseId = found.get(boundedKey(key));
      if (caseId) return caseId;
    }
    return undefined;
  }

  async createCase(newCase: NewCase): Promise<CreateCaseOutcome> {
    const kase = newCase.case;
    const dropped = new Set<string>();
    let withOutbox = (newCase.outbox?.length ?? 0) > 0;
    for (let attempt = 0; attempt < this.#backoff.attempts; attempt++) {
      const items: TransactItem[] = [
        this.#inboundItem(kase.caseId, newCase.inboundKey),
        this.#put(this.#caseItem(kase), { expression: 'attribute_not_exists(pk)' }),
        this.#messageItem(kase.caseId, newCase.message, newCase.inboundKey),
        ...this.#eventItems(kase.caseId, [newCase.event]),
        ...this.#statsItems([{ after: kase }]),
      ];
      const CASE_INDEX = 1;
      const seen = new Set<string>();
      const keyed = (keys: readonly string[]) =>
        keys.filter((key) => {
          const bounded = boundedKey(key);
          if (seen.has(bounded) || dropped.has(bounded)) return false;
          seen.add(bounded);
          return true;
        });
      const referenceAt = new Map<number, string>();
      for (const key of keyed(newCase.referenceKeys ?? [])) {
        referenceAt.set(items.length, key);
        items.push(this.#threadItem(kase.caseId, key, 'reference'));
      }
      const ownAt = new Map<number, string>();
      for (const key of keyed(newCase.threadKeys)) {
        ownAt.set(items.length, key);
        items.push(this.#threadItem(kase.caseId, key, 'own'));
      }
      const outboxAt: number[] = [];
      if (withOutbox) {
        for (const entry of newCase.outbox ?? []) {
          outboxAt.push(items.length);
          items.push(this.#outboxItem(entry));
        }
        const guard = newCase.acknowledgementGuard;
        if (guard) {
          outboxAt.push(items.length);
          items.push(
            this.#put(
              {
                ...KEY.guard(guard.key),
                itemType: 'ackGuard',
                until: iso(guard.until),
                expiresAt: Math.ceil(Date.parse(guard.until) / 1000),
              },
              {
                expression: 'attribute_not_exists(pk) OR #until <= :now',
                names: { '#until': 'until' },
                values: { ':now': iso(kase.createdAt) },
              },
            ),
          );
        }
      }
      try {
        await this.#transact(items);
        return { outcome: 'created', acknowledged: withOutbox };
      } catch (error) {
        const cancelled = cancellationOf(error);
        if (!cancelled) throw this.#failure(error, 'could not create case');
        const failed = (index: number) => cancelled.codes[index] === CONDITION_FAILED;
        // The same message again: answered by the failed condition, without a read.
        if (failed(0)) return { outcome: 'duplicate', caseId: cancelled.holders[0]?.caseId ?? kase.caseId };
        // The conversation already has a case (a parent, or a reply that raced this one): join it,
        // the root first.
        const joined = [...referenceAt.keys()].sort((a, b) => a - b).find(failed);
        if (joined !== undefined) {
          const holder = cancelled.holders[joined];
          if (holder) return { outcome: 'joins', caseId: holder.caseId };
        }
        // Replies that arrived first named this message: it is the parent they were waiting for.
        for (const index of ownAt.keys()) {
          const holder = cancelled.holders[index];
          if (failed(index) && holder?.heldAs === 'reference')
            return { outcome: 'joins', caseId: holder.caseId };
        }
        // The case itself exists under another message: a follow-up case another message opened.
        if (failed(CASE_INDEX)) return { outcome: 'joins', caseId: kase.caseId };
        let retryNow = false;
        for (const [index, key] of ownAt) {
          // A Message-ID another case holds (a client that reuses ids) stays with that case.
          if (failed(index)) {
            dropped.add(boundedKey(key));
            retryNow = true;
          }
        }
        if (outboxAt.some(failed)) {
          // The sender was acknowledged moments ago (mail-loop guard): the case opens without one.
          withOutbox = false;
          retryNow = true;
        }
        if (retryNow) continue;
        if (cancelled.codes.some((code) => code === 'TransactionConflict' || code === 'ThrottlingError')) {
          await this.#wait(attempt);
          continue;
        }
        throw this.#failure(error, 'could not create case');
      }
    }
    throw new CaseStoreError(`could not create case ${kase.caseId}: it kept conflicting`);
  }

  async appendMessage(append: InboundAppend): Promise<AppendOutcome> {
    let caseId = append.caseId;
    const dropped = new Set<string>();
    const visited = new Set<string>([caseId]);
    for (let attempt = 0; attempt < this.#backoff.attempts; ) {
      const before = await this.getCaseRecord(caseId);
      if (!before) return { outcome: 'missing' };
      const decision = append.decide(before);
      if (decision.decision === 'forward') {
        // A merged case forwards to its survivor, which may itself have been merged since.
        if (visited.has(decision.caseId)) {
          throw new CaseStoreError(`case ${caseId} forwards in a loop (back to ${decision.caseId})`);
        }
        if (visited.size > MAX_MERGE_FORWARDS) {
          throw new CaseStoreError(
            `case ${append.caseId} forwards through more than ${MAX_MERGE_FORWARDS} merges`,
          );
        }
        visited.add(decision.caseId);
        caseId = decision.caseId;
        continue;
      }
      if (decision.decision === 'decline')
        return { outcome: 'declined', case: before, reason: decision.reason };
      const ownAt = new Map<number, string>();
      const items: TransactItem[] = [
        this.#inboundItem(caseId, append.inboundKey),
        ...this.#revisionItems({ before, after: decision.after, events: decision.events }),
        this.#messageItem(caseId, decision.message, append.inboundKey),
        ...this.#statsItems([{ before, after: decision.after }]),
      ];
      for (const key of new Set(append.threadKeys)) {
        if (dropped.has(boundedKey(key))) continue;
        ownAt.set(items.length, key);
        items.push(this.#threadItem(caseId, key, 'own', true));
      }
      try {
        await this.#transact(items);
        return { outcome: 'appended', case: decision.after };
      } catch (error) {
        const cancelled = cancellationOf(error);
        if (!cancelled) throw this.#failure(error, 'could not append message');
        if (cancelled.codes[0] === CONDITION_FAILED) {
          return { outcome: 'duplicate', caseId: cancelled.holders[0]?.caseId ?? caseId };
        }
        let keyTaken = false;
        for (const [index, key] of ownAt) {
          if (cancelled.codes[index] === CONDITION_FAILED) {
            dropped.add(boundedKey(key));
            keyTaken = true;
          }
        }
        const raced =
          cancelled.codes[1] === CONDITION_FAILED ||
          cancelled.codes.some((code) => code === 'TransactionConflict' || code === 'ThrottlingError');
        if (raced) {
          // Someone changed the case meanwhile (another reply of a burst, a claim, a sweep): wait a
          // little, spread out from the other writers, then read it again and decide again.
          await this.#wait(attempt);
          attempt += 1;
          continue;
        }
        if (keyTaken) continue;
        throw this.#failure(error, 'could not append message');
      }
    }
    throw new CaseStoreError(`case ${caseId} kept changing while a message was appended`);
  }

  // ── reads ────────────────────────────────────────────────────────────────

  async getCaseRecord(caseId: string): Promise<Case | undefined> {
    const result = await this.#client.send(
      new GetCommand({ TableName: this.#tableName, Key: KEY.case(caseId), ConsistentRead: true }),
    );
    return result.Item ? CaseSchema.parse(result.Item) : undefined;
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

  /** One BatchGetItem of the figures items, whatever the number of queues (a retry only for unprocessed keys). */
  async listQueues(queues: readonly string[]): Promise<QueueSummary[]> {
    let keys: Record<string, unknown>[] = Array.from({ length: CASE_TABLE.statsShards }, (_, shard) =>
      KEY.stats(shard),
    );
    const items: Record<string, unknown>[] = [];
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt >= this.#backoff.attempts) throw new CaseStoreError('queue figures stayed unprocessed');
      if (attempt > 0) await this.#wait(attempt);
      const result = await this.#client.send(
        new BatchGetCommand({ RequestItems: { [this.#tableName]: { Keys: keys } } }),
      );
      items.push(...(result.Responses?.[this.#tableName] ?? []));
      keys = result.UnprocessedKeys?.[this.#tableName]?.Keys ?? [];
    }
    const tokens = (item: Record<string, unknown>, attribute: string): string[] => {
      const value = item[attribute];
      return value instanceof Set
        ? [...value].filter((token): token is string => typeof token === 'string')
        : [];
    };
    return queues.map((queue) => {
      let depth = 0;
      let atRisk = 0;
      let breached = 0;
      let oldest: string | undefined;
      for (const item of items) {
        const waiting = tokens(item, `waiting#${queue}`);
        depth += waiting.length;
        for (const token of waiting) if (oldest === undefined || token < oldest) oldest = token;
        atRisk += tokens(item, `atRisk#${queue}`).length;
        breached += tokens(item, `breached#${queue}`).length;
      }
      const oldestReceivedAt = oldest ? receivedAtOfToken(oldest) : undefined;
      return { queue, depth, ...(oldestReceivedAt ? { oldestReceivedAt } : {}), atRisk, breached };
    });
  }

  /**
   * The head of a queue: the first `perShard` cases of each shard, merged in queue order and cut
   * where a shard stopped early (beyond that point another case could sort between), so the head
   * is exactly the queue's first cases. `complete` when no shard had more.
   */
  async #queueHead(
    queue: string,
    perShard: number,
    after?: string,
  ): Promise<{ items: Record<string, unknown>[]; cutoff?: string }> {
    const pages = await Promise.all(
      this.#queueKeys(queue).map((queueKey) =>
        this.#client.send(
          new QueryCommand({
            TableName: this.#tableName,
            IndexName: INDEX.queueView.name,
            KeyConditionExpression: after ? 'queueKey = :key AND queueSort > :after' : 'queueKey = :key',
            ExpressionAttributeValues: { ':key': queueKey, ...(after ? { ':after': after } : {}) },
            Limit: perShard,
          }),
        ),
      ),
    );
    let cutoff: string | undefined;
    for (const page of pages) {
      if (!page.LastEvaluatedKey) continue;
      const last = page.Items?.at(-1)?.queueSort;
      if (typeof last === 'string' && (cutoff === undefined || last < cutoff)) cutoff = last;
    }
    const items = pages
      .flatMap((page: QueryCommandOutput) => page.Items ?? [])
      .filter(
        (item) => typeof item.queueSort === 'string' && (cutoff === undefined || item.queueSort <= cutoff),
      )
      .sort((a, b) => String(a.queueSort).localeCompare(String(b.queueSort)));
    return { items, ...(cutoff === undefined ? {} : { cutoff }) };
  }

  /**
   * The head of a queue for claim-next (a glance at its top, or the head), or the stretch after an
   * order key: whole cases, so that a claim is one write (its condition on the version read stands
   * in for a read before it).
   */
  async #readClaimHead(queue: string, reach: HeadReach): Promise<HeadRead> {
    // A merged read ends where the first shard ended: with cases spread over the shards by hash, it
    // keeps about four fifths of what the shards gave, so a glance asked for at least N reads half again.
    const glanceFor = (atLeast: number) => Math.ceil((1.5 * atLeast) / CASE_TABLE.queueShards);
    const perShard =
      reach.reach === 'glance'
        ? Math.min(
            this.#claimHeadPerShard,
            Math.max(4, this.#claimHeadPerShard / 8, glanceFor(reach.atLeast ?? 0)),
          )
        : this.#claimHeadPerShard;
    const read = await this.#queueHead(queue, perShard, reach.reach === 'more' ? reach.after : undefined);
    return {
      entries: read.items.map((item) => ({ key: String(item.queueSort), entry: CaseSchema.parse(item) })),
      ...(read.cutoff === undefined ? {} : { cutoff: read.cutoff }),
    };
  }

  /**
   * Claim-next: this instance's {@link ClaimDispatcher} gives each concurrent claimer a different
   * case of the head (the domain chooses per claimer: priority, then language), spreads claimers
   * of other instances over it too, and writes the claims of everyone waiting in one transaction.
   */
  async claimNext(request: ClaimRequest): Promise<Case | undefined> {
    return this.#claims.claim(request);
  }

  /**
   * The claims of concurrent claimers in this instance, together. Each claim is the case's update,
   * conditional on the case being still queued at the version the head read (so a claim from a
   * stale head never succeeds), with its history event and the queue figures, in one transaction
   * of up to 100 items: a claim is all written or not at all. A case that moved on since the read
   * cancels the transaction; it is answered `taken`, and the rest are written again at once.
   */
  async #writeClaims(claims: readonly ClaimWrite[]): Promise<(Case | 'taken')[]> {
    const results: (Case | 'taken')[] = claims.map(() => 'taken');
    const chosen = new Set<string>();
    let chunk: { index: number; revision: CaseRevision }[] = [];
    let items = 0;
    const chunks = [chunk];
    claims.forEach(({ entry, take }, index) => {
      if (entry.state !== 'queued' || chosen.has(entry.caseId)) return;
      chosen.add(entry.caseId);
      const { after, events } = take(entry);
      // The case, its events, and at most one figures item per claim (fewer when they share a shard).
      const size = 2 + events.length;
      if (items + size > 100 && chunk.length > 0) {
        chunk = [];
        items = 0;
        chunks.push(chunk);
      }
      chunk.push({ index, revision: { before: entry, after, events } });
      items += size;
    });
    for (const pending of chunks) await this.#transactClaims(pending, results);
    return results;
  }

  async #transactClaims(
    claims: { index: number; revision: CaseRevision }[],
    results: (Case | 'taken')[],
  ): Promise<void> {
    let pending = claims;
    for (let round = 0; pending.length > 0; round++) {
      if (round >= this.#backoff.attempts) throw new CaseStoreError('claims kept conflicting');
      const items: TransactItem[] = [];
      const claimAt = new Map<number, (typeof pending)[number]>();
      for (const claim of pending) {
        const { before, after, events } = claim.revision;
        claimAt.set(items.length, claim);
        items.push(this.#caseUpdate(before, after, 'queued'), ...this.#eventItems(after.caseId, events));
      }
      items.push(...this.#statsItems(pending.map(({ revision }) => revision)));
      try {
        await this.#transact(items);
        for (const { index, revision } of pending) results[index] = revision.after;
        return;
      } catch (error) {
        const cancelled = cancellationOf(error);
        if (!cancelled) throw this.#failure(error, 'could not write claims');
        const lost = new Set(
          [...claimAt].filter(([at]) => cancelled.codes[at] === CONDITION_FAILED).map(([, claim]) => claim),
        );
        pending = pending.filter((claim) => !lost.has(claim));
        if (lost.size > 0) continue;
        if (!cancelled.codes.some((code) => code === 'TransactionConflict' || code === 'ThrottlingError')) {
          throw this.#failure(error, 'could not write claims');
        }
        await this.#wait(round);
      }
    }
  }

  async listCases(query: CaseListQuery, page: { limit: number; cursor?: string }): Promise<CasePage> {
    const cursor = page.cursor ? decodeCursor(page.cursor) : undefined;
    if ('assignee' in query) {
      return this.#listIndex(INDEX.assigneeView, `A#${boundedKey(query.assignee)}`, true, page.limit, cursor);
    }
    if (query.state !== 'queued') {
      return this.#listIndex(INDEX.stateView, `S#${query.queue}#${query.state}`, false, page.limit, cursor);
    }
    // Queued cases: the queue's shards merged in queue order, resumed after the last one listed.
    const head = await this.#queueHead(query.queue, page.limit, cursor?.s);
    const items = head.items.slice(0, page.limit);
    const cases = items.map((item) => CaseSchema.parse(item));
    const last = cases.at(-1);
    // The key the case is stored under, which the next page resumes after: a record an older
    // version wrote is stored under its older key, not the one today's rules would compute.
    const lastSort = items.at(-1)?.queueSort;
    const more = head.cutoff !== undefined || head.items.length > page.limit;
    return {
      cases,
      ...(more && last && typeof lastSort === 'string'
        ? { nextCursor: encodeCursor(lastSort, last.caseId) }
        : {}),
    };
  }

  async #listIndex(
    index: { name: string; partitionKey: string; sortKey: string },
    partition: string,
    ascending: boolean,
    limit: number,
    cursor: z.infer<typeof CursorSchema> | undefined,
  ): Promise<CasePage> {
    const result = await this.#client.send(
      new QueryCommand({
        TableName: this.#tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partitionKey },
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: ascending,
        Limit: limit,
        ...(cursor
          ? {
              ExclusiveStartKey: {
                ...KEY.case(cursor.c),
                [index.partitionKey]: partition,
                [index.sortKey]: cursor.s,
              },
            }
          : {}),
      }),
    );
    const items = result.Items ?? [];
    const last = items.at(-1);
    const sortValue = last?.[index.sortKey];
    return {
      cases: items.map((item) => CaseSchema.parse(item)),
      ...(result.LastEvaluatedKey && last && typeof sortValue === 'string' && typeof last.caseId === 'string'
        ? { nextCursor: encodeCursor(sortValue, last.caseId) }
        : {}),
    };
  }

  async listDueTimers(now: Date, limit: number): Promise<Case[]> {
    // '~' sorts after every case-id character: every timer at or before `now`.
    const upper = `${now.toISOString()}#~`;
    // Each shard's earliest, merged: in a backlog larger than `limit`, the earliest due timers of every
    // shard come first, not all of shard 0's before any of the next one's.
    const earliest = await this.#earliestAcrossShards(
      INDEX.timerView,
      CASE_TABLE.timerShards,
      limit,
      (shard) => ({
        keyCondition: 'timerShard = :shard AND timerSort <= :upper',
        values: { ':shard': `T#${shard}`, ':upper': upper },
      }),
    );
    return earliest.map((item) => CaseSchema.parse(item));
  }

  // ── revisions ────────────────────────────────────────────────────────────

  async applyRevision(revision: CaseRevision, outbox: OutboxEntry[]): Promise<'applied' | 'conflict'> {
    return this.applyRevisions([revision], outbox);
  }

  async applyRevisions(revisions: CaseRevision[], outbox: OutboxEntry[]): Promise<'applied' | 'conflict'> {
    const items = [
      ...revisions.flatMap((revision) => this.#revisionItems(revision)),
      ...this.#statsItems(revisions.map(({ before, after }) => ({ before, after }))),
      ...outbox.map((entry) => this.#outboxItem(entry)),
    ];
    try {
      await this.#transact(items);
      return 'applied';
    } catch (error) {
      const cancelled = cancellationOf(error);
      if (
        cancelled?.codes.some(
          (code) => code === CONDITION_FAILED || code === 'TransactionConflict' || code === 'ThrottlingError',
        )
      ) {
        return 'conflict';
      }
      throw this.#failure(error, 'could not write case revision');
    }
  }

  // ── outbox ───────────────────────────────────────────────────────────────

  async listOutbox(limit: number, after?: OutboxEntry): Promise<OutboxEntry[]> {
    // The entry's own sort key (#outboxItem): each shard resumes after it.
    const resumeAfter = after ? outboxSortOf(after) : undefined;
    // Entries carry their mail: a few dozen long replies fill a 1 MB page (#partitionHead).
    const earliest = await this.#earliestAcrossShards(
      INDEX.outboxView,
      CASE_TABLE.outboxShards,
      limit,
      (shard) => ({
        keyCondition: `outboxShard = :shard${resumeAfter ? ' AND outboxSort > :after' : ''}`,
        values: { ':shard': `O#${shard}`, ...(resumeAfter ? { ':after': resumeAfter } : {}) },
      }),
    );
    return earliest.map((item) => OutboxEntrySchema.parse(item));
  }

  /**
   * The first `limit` items of a sharded index, in its sort key's order: each shard's first `limit`
   * (#partitionHead), merged in byte order, as DynamoDB orders a sort key (localeCompare would not,
   * for every id).
   */
  async #earliestAcrossShards(
    index: { name: string; sortKey: string },
    shards: number,
    limit: number,
    query: (shard: number) => { keyCondition: string; values: Record<string, unknown> },
  ): Promise<Record<string, unknown>[]> {
    const heads = await Promise.all(
      Array.from({ length: shards }, (_, shard) => {
        const { keyCondition, values } = query(shard);
        return this.#partitionHead(index.name, keyCondition, values, limit);
      }),
    );
    return heads
      .flat()
      .sort((a, b) => (String(a[index.sortKey]) < String(b[index.sortKey]) ? -1 : 1))
      .slice(0, limit);
  }

  /**
   * The first `limit` items of one index partition under a key condition. A query page stops at 1 MB
   * whatever its Limit, so the partition is read on until it gives `limit` or ends: a short page
   * merged with the other partitions' would let the merged list pass over what it did not return.
   */
  async #partitionHead(
    indexName: string,
    keyCondition: string,
    values: Record<string, unknown>,
    limit: number,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          IndexName: indexName,
          KeyConditionExpression: keyCondition,
          ExpressionAttributeValues: values,
          Limit: limit - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items;
  }

  async claimOutboxEntry(entryId: string, now: Date, holdMs: number): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: KEY.outbox(entryId),
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(sentAt) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
          UpdateExpression: 'SET claimedUntil = :until',
          ExpressionAttributeValues: {
            ':now': now.toISOString(),
            ':until': new Date(now.getTime() + holdMs).toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw this.#failure(error, 'could not claim outbox entry');
    }
  }

  async registerThreadKeys(caseId: string, threadKeys: readonly string[]): Promise<void> {
    for (const key of new Set(threadKeys)) {
      const { Put } = this.#threadItem(caseId, key, 'own');
      if (!Put) continue;
      try {
        await this.#client.send(
          new PutCommand({
            TableName: Put.TableName,
            // The desk sent mail under this key: a bounce naming it may act on the case.
            Item: { ...Put.Item, sentByDesk: true },
            ConditionExpression: Put.ConditionExpression,
          }),
        );
      } catch (error) {
        // Held already (by this case, or first by another): a thread key's first holder keeps it.
        if (!isConditionFailed(error)) throw this.#failure(error, 'could not register thread keys');
      }
    }
  }

  /** Sent entries leave the unsent index and stay as a record of the send for 90 days. */
  async markOutboxEntrySent(
    entryId: string,
    sent: { at: string; providerMessageId?: string },
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#tableName,
          Key: KEY.outbox(entryId),
          ConditionExpression: 'attribute_exists(pk)',
          UpdateExpression: `SET sentAt = :at, expiresAt = :expires${sent.providerMessageId ? ', providerMessageId = :provider' : ''} REMOVE outboxShard, outboxSort`,
          ExpressionAttributeValues: {
            ':at': iso(sent.at),
            ':expires': Math.ceil(Date.parse(sent.at) / 1000) + 90 * 86_400,
            ...(sent.providerMessageId ? { ':provider': sent.providerMessageId } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw this.#failure(error, 'could not mark outbox entry sent');
    }
  }
}
