import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient } from '../../lambdas/adapters/awsClients.js';
import { CASE_TABLE } from '../../lambdas/adapters/dynamo/caseTableDefinition.js';

/**
 * What "no half-written case" means, checked on the table itself after a run:
 *  1. every case has its META item (the case), at least one message item whose earliest is
 *     inbound, `messageCount` ≥ 1, and at least one inbound key naming it;
 *  2. every inbound key and every message item belongs to a case that exists (an orphan inbound
 *     key would swallow a redelivery; an orphan message would be invisible);
 *  3. each queue's counter equals the cases actually queued there.
 *
 * It reads items by the `itemType` attribute the case store writes (`case`, `message`, `inbound`)
 * and the queue counters by their `STATS` sort key; if the store's layout changes, this is the one
 * place that follows it.
 */
const CaseItemSchema = z.object({
  itemType: z.literal('case'),
  caseId: z.string(),
  state: z.string(),
  queue: z.string(),
  messageCount: z.number(),
});
const MessageItemSchema = z.object({
  itemType: z.literal('message'),
  direction: z.string(),
  externalId: z.string(),
  receivedAt: z.string(),
  rawBlobKey: z.string().optional(),
});
const InboundItemSchema = z.object({ itemType: z.literal('inbound'), caseId: z.string() });
const QueueStatsSchema = z.object({ queue: z.string(), depth: z.number().optional() });

export interface TableSnapshot {
  cases: z.infer<typeof CaseItemSchema>[];
  /** Message items by the case partition they sit in (the case id after `CASE#`). */
  messages: Map<string, z.infer<typeof MessageItemSchema>[]>;
  inboundKeys: z.infer<typeof InboundItemSchema>[];
  queueDepths: Map<string, number>;
  itemCount: number;
}

export async function snapshotTable(dynamodbEndpoint: string, tableName: string): Promise<TableSnapshot> {
  const client = documentClient({ dynamodb: dynamodbEndpoint, region: 'us-east-1' });
  const snapshot: TableSnapshot = {
    cases: [],
    messages: new Map(),
    inboundKeys: [],
    queueDepths: new Map(),
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
        const kase = CaseItemSchema.safeParse(item);
        const message = MessageItemSchema.safeParse(item);
        const inbound = InboundItemSchema.safeParse(item);
        if (kase.success) snapshot.cases.push(kase.data);
        else if (message.success) {
          const caseId = partition.replace(/^CASE#/, '');
          snapshot.messages.set(caseId, [...(snapshot.messages.get(caseId) ?? []), message.data]);
        } else if (inbound.success) snapshot.inboundKeys.push(inbound.data);
        else if (item[CASE_TABLE.sortKey] === 'STATS') {
          const stats = QueueStatsSchema.safeParse(item);
          if (stats.success) snapshot.queueDepths.set(stats.data.queue, stats.data.depth ?? 0);
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  } finally {
    client.destroy();
  }
  return snapshot;
}

/** Every broken invariant, as a sentence; empty when the table holds only whole cases. */
export function halfWrittenCaseProblems(snapshot: TableSnapshot): string[] {
  const problems: string[] = [];
  const caseIds = new Set(snapshot.cases.map((kase) => kase.caseId));
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
  const queued = new Map<string, number>();
  for (const kase of snapshot.cases) {
    if (kase.state === 'queued') queued.set(kase.queue, (queued.get(kase.queue) ?? 0) + 1);
  }
  for (const queue of new Set([...queued.keys(), ...snapshot.queueDepths.keys()])) {
    const counted = snapshot.queueDepths.get(queue) ?? 0;
    const actual = queued.get(queue) ?? 0;
    if (counted !== actual)
      problems.push(`queue ${queue} counts ${counted} queued cases; ${actual} are queued`);
  }
  return problems;
}
