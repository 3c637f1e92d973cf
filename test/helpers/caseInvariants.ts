import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient } from '../../lambdas/adapters/awsClients.js';
import { CASE_TABLE } from '../../lambdas/adapters/dynamo/caseTableDefinition.js';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { type Case, CaseSchema, type QueueSummary } from '../../lambdas/domain/cases/caseRecord.js';
import { knownQueues, QUEUE_RULES } from '../../lambdas/domain/cases/claimQueue.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';

/**
 * What "no half-written case" means, checked on the table itself after a run:
 *  1. every case item reads back as a case, and has at least one message item whose earliest is
 *     inbound, `messageCount` ≥ 1, and at least one inbound key naming it;
 *  2. every inbound key and every message item belongs to a case that exists (an orphan inbound
 *     key would swallow a redelivery; an orphan message would be invisible);
 *  3. each queue's figures, as the store reports them (`listQueues`: depth, oldest, at-risk,
 *     breached), equal what the queue rules count of the cases actually in the table.
 *
 * Items are told apart by the `itemType` attribute the case store writes (`case`, `message`,
 * `inbound`); the queue figures come from the store itself, so the sharded layout it keeps them
 * in is the store's business, not this helper's.
 */
const CaseItemSchema = z.object({ itemType: z.literal('case'), caseId: z.string() });
const MessageItemSchema = z.object({
  itemType: z.literal('message'),
  direction: z.string(),
  externalId: z.string(),
  receivedAt: z.string(),
  rawBlobKey: z.string().optional(),
});
const InboundItemSchema = z.object({ itemType: z.literal('inbound'), caseId: z.string() });

export interface TableSnapshot {
  cases: Case[];
  /** Case items that do not read back as a case, with zod's reason. */
  unreadableCases: { caseId: string; reason: string }[];
  /** Message items by the case partition they sit in (the case id after `CASE#`). */
  messages: Map<string, z.infer<typeof MessageItemSchema>[]>;
  inboundKeys: z.infer<typeof InboundItemSchema>[];
  /** The store's figures of every queue the policy declares or a case names. */
  queueFigures: QueueSummary[];
  itemCount: number;
}

export async function snapshotTable(dynamodbEndpoint: string, tableName: string): Promise<TableSnapshot> {
  const client = documentClient({ dynamodb: dynamodbEndpoint, region: 'us-east-1' });
  const snapshot: TableSnapshot = {
    cases: [],
    unreadableCases: [],
    messages: new Map(),
    inboundKeys: [],
    queueFigures: [],
    itemCount: 0,
  };
  let startKey: Record<string, unknown> | undefined;
  try {
    do {
      const page = await client.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) {
        snapshot.itemCount++;
        const partition = String(item[CASE_TABLE.partitionKey]);
        const caseItem = CaseItemSchema.safeParse(item);
        const message = MessageItemSchema.safeParse(item);
        const inbound = InboundItemSchema.safeParse(item);
        if (caseItem.success) {
          const kase = CaseSchema.safeParse(item);
          if (kase.success) snapshot.cases.push(kase.data);
          else snapshot.unreadableCases.push({ caseId: caseItem.data.caseId, reason: kase.error.message });
        } else if (message.success) {
          const caseId = partition.replace(/^CASE#/, '');
          snapshot.messages.set(caseId, [...(snapshot.messages.get(caseId) ?? []), message.data]);
        } else if (inbound.success) snapshot.inboundKeys.push(inbound.data);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const queues = new Set([...knownQueues(DEFAULT_POLICY), ...snapshot.cases.map((kase) => kase.queue)]);
    const store = new DynamoCaseStore(client, { tableName });
    snapshot.queueFigures = await store.listQueues([...queues]);
  } finally {
    client.destroy();
  }
  return snapshot;
}

/** A queue's figures as the queue rules count them from the cases themselves. */
export function expectedQueueFigures(cases: readonly Case[], queue: string): QueueSummary {
  let depth = 0;
  let atRisk = 0;
  let breached = 0;
  let oldest: number | undefined;
  for (const kase of cases) {
    const tally = QUEUE_RULES.tally(kase);
    if (!tally || tally.queue !== queue) continue;
    if (tally.waiting) {
      depth++;
      const receivedAt = Date.parse(kase.receivedAt);
      if (oldest === undefined || receivedAt < oldest) oldest = receivedAt;
    }
    if (tally.atRisk) atRisk++;
    if (tally.breached) breached++;
  }
  return {
    queue,
    depth,
    ...(oldest === undefined ? {} : { oldestReceivedAt: new Date(oldest).toISOString() }),
    atRisk,
    breached,
  };
}

/** Every broken invariant, as a sentence; empty when the table holds only whole cases. */
export function halfWrittenCaseProblems(snapshot: TableSnapshot): string[] {
  const problems: string[] = [];
  for (const unreadable of snapshot.unreadableCases) {
    problems.push(`case ${unreadable.caseId} does not read back as a case: ${unreadable.reason}`);
  }
  const caseIds = new Set([
    ...snapshot.cases.map((kase) => kase.caseId),
    ...snapshot.unreadableCases.map((unreadable) => unreadable.caseId),
  ]);
  const inboundByCase = new Map<string, number>();
  for (const key of snapshot.inboundKeys)
    inboundByCase.set(key.caseId, (inboundByCase.get(key.caseId) ?? 0) + 1);
  for (const kase of snapshot.cases) {
    const messages = [...(snapshot.messages.get(kase.caseId) ?? [])].sort((a, b) =>
      a.receivedAt.localeCompare(b.receivedAt),
    );
    if (messages.length === 0) problems.push(`case ${kase.caseId} has no message`);
    else if (messages[0]?.direction !== 'inbound')
      problems.push(`case ${kase.caseId} starts with an outbound message`);
    if (kase.messageCount < 1) problems.push(`case ${kase.caseId} counts ${kase.messageCount} messages`);
    if (!inboundByCase.has(kase.caseId)) problems.push(`case ${kase.caseId} has no inbound key`);
  }
  for (const key of snapshot.inboundKeys) {
    if (!caseIds.has(key.caseId))
      problems.push(`an inbound key names case ${key.caseId}, which does not exist`);
  }
  for (const caseId of snapshot.messages.keys()) {
    if (!caseIds.has(caseId)) problems.push(`messages sit under case ${caseId}, which does not exist`);
  }
  for (const reported of snapshot.queueFigures) {
    const counted = expectedQueueFigures(snapshot.cases, reported.queue);
    for (const figure of ['depth', 'atRisk', 'breached', 'oldestReceivedAt'] as const) {
      if (reported[figure] !== counted[figure]) {
        problems.push(
          `queue ${reported.queue} reports ${figure} ${reported[figure] ?? 'none'}; its cases make it ${counted[figure] ?? 'none'}`,
        );
      }
    }
  }
  return problems;
}
